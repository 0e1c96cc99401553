"""Ctrl-C (SIGINT to the process group) ends a run cleanly: running trials FAIL, the
finished ones are kept."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import tuneforge as tf
from tuneforge import TrialState

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_sigint_marks_running_trials_fail_and_keeps_finished(tmp_path, n_jobs):
    url = f"sqlite:///{tmp_path / 'int.sqlite'}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.study._interrupt_script", url, str(n_jobs)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.2)
        try:
            done = [t for t in tf.load_study("int", storage=url).trials
                    if t.state is TrialState.COMPLETE]
        except tf.TuneforgeError:
            continue
        if len(done) >= 3:
            break
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in out
    trials = tf.load_study("int", storage=url).trials
    states = [t.state for t in trials]
    assert TrialState.RUNNING not in states, states
    assert states.count(TrialState.COMPLETE) >= 3
    fails = [t for t in trials if t.state is TrialState.FAIL]
    assert 1 <= len(fails) <= n_jobs
    assert all("KeyboardInterrupt" in t.system_attrs["fail_reason"] for t in fails)
