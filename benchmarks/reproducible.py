"""reproducible: what reproducible=True costs in wall time, and Ray against the local pool.

    python -m benchmarks.reproducible [--trials 24] [--ray]
                                      [--out benchmarks/results/reproducible.json]

Two workers run a sleeping objective of 0.1-0.5 s (fixed per trial number, so the
batches are uneven as real trials are) with TPE and GA, free-running and with
reproducible=True (batches of 4): the cost is the time workers wait at batch ends. With
--ray the same free-running run also goes through RayExecutor(workers=2) on a local Ray
cluster (cluster and actor start excluded, both executors warm: actors and worker
processes are kept from one run to the next), with a 0.5 s objective, to compare
throughput with the local pool. Sleeping objectives keep the comparison about
the execution layer, not about CPU contention on a shared machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from typing import Any

from benchmarks import _env

MODULE = "benchmarks.reproducible"


def uneven(trial: Any) -> float:
    x = trial.suggest_float("x", -2, 2)
    y = trial.suggest_float("y", -2, 2)
    time.sleep(0.1 + 0.4 * ((trial.number * 7919) % 97) / 96)
    return (x - 0.5) ** 2 + y * y


def half_second(trial: Any) -> float:
    x = trial.suggest_float("x", -2, 2)
    time.sleep(0.5)
    return x * x


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reproducible",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=24)
    parser.add_argument("--ray", action="store_true")
    parser.add_argument("--out", default=str(_env.RESULTS_DIR / "reproducible.json"))
    args = parser.parse_args(argv)
    import tuneforge as tf
    from tuneforge.execution import LocalPool, RayExecutor

    info = _env.machine_info(MODULE, sys.argv[1:] if argv is None else argv)
    samplers = {"TPE": lambda: tf.TPESampler(seed=0, n_startup_trials=4),
                "GA": lambda: tf.GeneticSampler(seed=0, population_size=4)}
    rows, out = [], []
    # the workers are started once, before the clock (they are kept across runs)
    warm = tf.create_study(sampler=tf.RandomSampler())
    warm.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2, n_jobs=2)
    for name, make in samplers.items():
        walls = {}
        for mode in (False, True):
            study = tf.create_study(sampler=make())
            t0 = time.perf_counter()
            study.optimize(uneven, n_trials=args.trials, n_jobs=2, reproducible=mode)
            walls[mode] = time.perf_counter() - t0
        cost = walls[True] / walls[False] - 1
        rows.append([name, f"{walls[False]:.2f}", f"{walls[True]:.2f}", f"{cost:+.0%}"])
        out.append({"sampler": name, "free_s": walls[False], "reproducible_s": walls[True],
                    "cost": cost})
    text = _env.markdown_table(["sampler", "free-running (s)", "reproducible=True (s)",
                                "cost"], rows)
    print(text, flush=True)
    ray_rows: dict[str, float] = {}
    if args.ray:
        import ray

        ray.init(num_cpus=2, include_dashboard=False, _temp_dir=tempfile.mkdtemp(),
                 _node_ip_address="127.0.0.1", logging_level="WARNING")
        url = f"sqlite:///{tempfile.mkdtemp()}/ray.db"
        # both warm: Ray actors, like local workers, are kept from one run to the next
        warm = tf.create_study("warm", storage=url, sampler=tf.RandomSampler())
        warm.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=4,
                      executor=RayExecutor(workers=2))
        for label, executor in (("local pool", LocalPool(2)),
                                ("Ray", RayExecutor(workers=2))):
            study = tf.create_study(f"t-{label}", storage=url, sampler=tf.RandomSampler())
            t0 = time.perf_counter()
            study.optimize(half_second, n_trials=args.trials, executor=executor)
            ray_rows[label] = args.trials / (time.perf_counter() - t0)
        text += "\n\n" + _env.markdown_table(
            ["executor (2 workers, 0.5 s objective)", "trials/s"],
            [[k, f"{v:.2f}"] for k, v in ray_rows.items()])
        text += f"\n\nRay / local: {ray_rows['Ray'] / ray_rows['local pool']:.2f}"
    print(f"# reproducible  {_env.describe(info)}\n\n{text}")
    _env.write_json(args.out, {"suite": "overhead", "benchmark": "reproducible", "env": info,
                               "rows": out, "throughput": ray_rows, "table_markdown": text})
    return 0


if __name__ == "__main__":
    sys.exit(main())
