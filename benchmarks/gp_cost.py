"""overhead/gp_cost: milliseconds per GP proposal and where they go, ours at each effort
level (`tuneforge.samplers.gp_effort`) next to Optuna's GPSampler and TPESampler.

For each space (d continuous parameters, or "mixed": every other one an integer on a
log scale) and history size n, every sampler gets the same n random trials (enqueued,
so no sampler chose them), then proposes `--warmup` trials untimed (the GP's first
fit after enqueued trials is a cold one) and `--proposals` timed ones. The objective
costs microseconds, so the time per trial is the sampler's. Each runs on one thread
(our GP's BLAS, Optuna's torch). For ours the time is split
into the hyperparameter fit and the acquisition maximization (its L-BFGS-B part
"refine" and its duplicate check "dups"), by timing wrappers around those functions.

    python -m benchmarks.gp_cost --out benchmarks/results/gp-cost-profile.json
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from benchmarks import _env

SAMPLERS = ("tuneforge-full", "tuneforge-reduced", "tuneforge-minimal", "optuna-gp",
            "optuna-tpe")
_PARTS: dict[str, float] = {}


def _timed(owner: Any, name: str, key: str) -> None:
    """Wrap owner.name so that its seconds add up in _PARTS[key]."""
    inner = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            _PARTS[key] = _PARTS.get(key, 0.0) + time.perf_counter() - t0
    setattr(owner, name, wrapper)


def _instrument() -> None:
    import tuneforge.math.optimize as opt
    import tuneforge.samplers.gp as gp
    import tuneforge.samplers.gp_model as model

    _timed(model, "fit", "fit")
    gp.fit = model.fit  # type: ignore[attr-defined]   # the name gp.py imported
    _timed(opt, "maximize", "maximize")
    _timed(opt, "_refine", "refine")
    _timed(opt, "_duplicates", "dups")


def _objective(d: int, mixed: bool, suggest: Callable[..., Any]) -> Callable[[Any], float]:
    def objective(trial: Any) -> float:
        x = np.array([(suggest(trial, f"x{i}", True) - 50.0) / 20.0 if mixed and i % 2
                      else suggest(trial, f"x{i}", False) for i in range(d)])
        return float(((x - 1.0) ** 2).sum() + np.sin(3.0 * x).sum())
    return objective


def _suggest(trial: Any, name: str, integer: bool) -> Any:
    if integer:
        return trial.suggest_int(name, 1, 200, log=True)
    return trial.suggest_float(name, -5.0, 5.0)


def _history(n: int, d: int, mixed: bool, seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    return [{f"x{i}": int(np.exp(rng.uniform(0, np.log(200))))
             if mixed and i % 2 else float(rng.uniform(-5, 5)) for i in range(d)}
            for _ in range(n)]


def measure(sampler: str, n: int, d: int, mixed: bool, *, seed: int, warmup: int,
            proposals: int) -> dict[str, Any]:
    """ms per proposal (median, mean) of one sampler after n enqueued trials."""
    objective = _objective(d, mixed, _suggest)
    if sampler.startswith("tuneforge"):
        import tuneforge as tf
        study: Any = tf.create_study(sampler=tf.GPSampler(seed=seed,
                                                          effort=sampler.split("-")[1]))
    else:
        import optuna
        import torch  # Optuna's GP: one thread, as our model's BLAS (single_blas_thread)
        torch.set_num_threads(1)
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        cls = optuna.samplers.GPSampler if sampler == "optuna-gp" else \
            optuna.samplers.TPESampler
        study = optuna.create_study(sampler=cls(seed=seed))
    for params in _history(n, d, mixed, seed):
        study.enqueue_trial(params)
    study.optimize(objective, n_trials=n + warmup)
    times = []
    _PARTS.clear()
    for _ in range(proposals):
        t0 = time.perf_counter()
        study.optimize(objective, n_trials=1)
        times.append(time.perf_counter() - t0)
    row: dict[str, Any] = {"sampler": sampler, "n": n, "d": d, "mixed": mixed,
                           "ms_median": round(1000 * float(np.median(times)), 2),
                           "ms_mean": round(1000 * float(np.mean(times)), 2)}
    if sampler.startswith("tuneforge"):
        row.update({f"{k}_ms": round(1000 * v / proposals, 2) for k, v in _PARTS.items()})
    return row


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gp_cost",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", default="50,100,200", help="history sizes n")
    parser.add_argument("--spaces", default="2,4,8,4m,8m",
                        help="dimensions; a trailing m makes every other one an integer")
    parser.add_argument("--samplers", default=",".join(SAMPLERS))
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--proposals", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="benchmarks/results/gp-cost-profile.json")
    args = parser.parse_args(argv)
    _env.pin_single_thread()
    _instrument()
    info = _env.machine_info("benchmarks.gp_cost", argv)
    rows = []
    for n in (int(v) for v in args.trials.split(",")):
        for spec in args.spaces.split(","):
            d, mixed = int(spec.rstrip("m")), spec.endswith("m")
            for sampler in args.samplers.split(","):
                row = measure(sampler, n, d, mixed, seed=args.seed, warmup=args.warmup,
                              proposals=args.proposals)
                rows.append(row)
                print(row, flush=True)
    headers = ["n", "d", *args.samplers.split(",")]
    table = []
    for n in (int(v) for v in args.trials.split(",")):
        for spec in args.spaces.split(","):
            d, mixed = int(spec.rstrip("m")), spec.endswith("m")
            cells = [next(r["ms_median"] for r in rows if r["sampler"] == s and r["n"] == n
                          and r["d"] == d and r["mixed"] == mixed)
                     for s in args.samplers.split(",")]
            table.append([n, spec, *cells])
    text = _env.markdown_table(headers, table)
    print(f"# overhead/gp_cost (ms per proposal, median)  {_env.describe(info)}\n\n{text}")
    _env.write_json(args.out, {"suite": "overhead", "benchmark": "gp_cost", "env": info,
                               "rows": rows, "table_markdown": text})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
