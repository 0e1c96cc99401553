"""Run by test_interrupt: optimize until SIGINT arrives, then report how it ended."""

import faulthandler
import signal
import sys

import tuneforge as tf
from tests.study._objectives import slow_then_stuck

if __name__ == "__main__":
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # the test's post-mortem
    url, n_jobs = sys.argv[1], int(sys.argv[2])
    study = tf.create_study(study_name="int", storage=url)
    print("started", flush=True)
    try:
        study.optimize(slow_then_stuck, n_trials=1000, n_jobs=n_jobs)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(130)
