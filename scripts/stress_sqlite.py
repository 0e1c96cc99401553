"""Stress check: K processes x N trials on one SQLite file; every trial must COMPLETE.

    python scripts/stress_sqlite.py --processes 4 --trials 250
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import tempfile
import time
from collections import Counter
from pathlib import Path

import tuneforge as tf


def objective(trial: tf.Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_int("y", 0, 10)
    trial.report(x * x, 0)
    return x * x + y


def work(url: str, n: int) -> None:
    tf.load_study("stress", storage=url).optimize(objective, n_trials=n, catch=())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--trials", type=int, default=250, help="trials per process")
    args = parser.parse_args()
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'stress.db'}"
    tf.create_study(study_name="stress", storage=url, seed=0)
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=work, args=(url, args.trials)) for _ in range(args.processes)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - t0
    trials = tf.load_study("stress", storage=url).trials
    states = Counter(t.state.value for t in trials)
    numbers_ok = sorted(t.number for t in trials) == list(range(len(trials)))
    print(f"{args.processes} processes x {args.trials} trials in {elapsed:.1f} s: "
          f"{dict(states)}; worker exit codes {[p.exitcode for p in procs]}; "
          f"trial numbers contiguous: {numbers_ok}")
    expected = args.processes * args.trials
    if states.get("COMPLETE") != expected or any(p.exitcode for p in procs):
        raise SystemExit(f"FAILED: expected {expected} COMPLETE trials")


if __name__ == "__main__":
    main()
