"""soak: 4 workers, a random worker SIGKILLed every few seconds, retry=1.

    python -m benchmarks.soak [--minutes 5] [--every 20] [--workers 4] [--ray]
                              [--out benchmarks/results/soak.json]

The study (SQLite) runs a 0.5-1.5 s sleeping objective; a killer thread opens the study
on its own connection and SIGKILLs the process of a random RUNNING trial every --every
seconds until --minutes have passed. At the end it checks what the issue asks: every
trial ended COMPLETE or FAIL with a reason, none is RUNNING, no COMPLETE trial was lost
(each one seen COMPLETE during the run is still COMPLETE), and the study reached its
n_trials COMPLETE trials (each killed trial retried once). Local pool by default,
RayExecutor with --ray (a local Ray cluster is started on 127.0.0.1).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import tempfile
import threading
import time
from typing import Any

from benchmarks import _env

MODULE = "benchmarks.soak"


def objective(trial: Any) -> float:
    x = trial.suggest_float("x", -1, 1)
    time.sleep(0.5 + (trial.number * 7919 % 100) / 100)  # 0.5-1.5 s, fixed per trial
    return x * x


def killer(url: str, stop: threading.Event, every: float, log: list[dict[str, Any]],
           completed: set[str]) -> None:
    import tuneforge as tf

    study = tf.load_study("soak", storage=url)
    rng = random.Random(0)
    next_kill = time.monotonic() + every
    while not stop.wait(0.5):
        trials = study.trials
        completed.update(t.key for t in trials if t.state is tf.TrialState.COMPLETE)
        if time.monotonic() < next_kill:
            continue
        running = [t for t in trials if t.state is tf.TrialState.RUNNING]
        if running:
            victim = rng.choice(running)
            pid = int(str(victim.system_attrs["worker"]).rpartition(":")[2])
            try:
                os.kill(pid, signal.SIGKILL)
                log.append({"t": time.time(), "trial": victim.number, "pid": pid})
            except ProcessLookupError:
                pass
        next_kill = time.monotonic() + every


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--every", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--ray", action="store_true")
    parser.add_argument("--out", default=str(_env.RESULTS_DIR / "soak.json"))
    args = parser.parse_args(argv)
    import tuneforge as tf
    from tuneforge.execution import LocalPool, RayExecutor

    info = _env.machine_info(MODULE, sys.argv[1:] if argv is None else argv)
    folder = tempfile.mkdtemp(prefix="tuneforge-soak-")
    url = f"sqlite:///{os.path.join(folder, 'soak.db')}"
    n_trials = int(args.minutes * 60 * args.workers / 1.0)  # about --minutes of work
    study = tf.create_study("soak", storage=url, sampler=tf.RandomSampler(seed=0))
    if args.ray:
        import ray

        ray.init(num_cpus=args.workers, include_dashboard=False, _temp_dir=folder,
                 _node_ip_address="127.0.0.1", logging_level="WARNING")
        executor: Any = RayExecutor(workers=args.workers)
    else:
        executor = LocalPool(args.workers)
    stop = threading.Event()
    kills: list[dict[str, Any]] = []
    completed: set[str] = set()
    thread = threading.Thread(target=killer, args=(url, stop, args.every, kills, completed))
    t0 = time.perf_counter()
    thread.start()
    try:
        study.optimize(objective, n_trials=n_trials, executor=executor, retry=1)
    finally:
        stop.set()
        thread.join()
    wall = time.perf_counter() - t0
    trials = study.trials
    states = [t.state for t in trials]
    complete = {t.key for t in trials if t.state is tf.TrialState.COMPLETE}
    checks = {
        "none_running": tf.TrialState.RUNNING not in states,
        "every_fail_has_a_reason": all(t.system_attrs.get("fail_reason") for t in trials
                                       if t.state is tf.TrialState.FAIL),
        "only_complete_or_fail": all(s in (tf.TrialState.COMPLETE, tf.TrialState.FAIL)
                                     for s in states),
        "no_complete_lost": completed <= complete,
        "reached_n_trials_complete": len(complete) >= n_trials - sum(
            1 for t in trials if t.state is tf.TrialState.FAIL
            and t.system_attrs.get("retry_count", 0) >= 1),
    }
    result = {"executor": "ray" if args.ray else "local", "workers": args.workers,
              "n_trials": n_trials, "trials": len(trials), "complete": len(complete),
              "failed": states.count(tf.TrialState.FAIL), "kills": len(kills),
              "retried": sum(1 for t in trials if "retry_of" in t.system_attrs),
              "wall_s": wall, "checks": checks}
    print(f"# soak  {_env.describe(info)}")
    for k, v in result.items():
        print(f"{k}: {v}")
    _env.write_json(args.out, {"suite": "robustness", "benchmark": "soak", "env": info,
                               "result": result, "kills": kills})
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
