"""The `fidelity` suite's runs: TPE with and without a median pruner, tuneforge against
Optuna, each run given a wall-clock budget (seconds) instead of an evaluation count.

Each library uses its own TPESampler (seeded) and its own MedianPruner with default
settings; "-none" runs never prune. Every training step (epoch, or 10 boosting rounds)
is timed; the run stops at the first step boundary after the budget. Recorded: every
reported validation value with its time since the start (`trace_t`, `best` = best value
so far, internal orientation), trials completed and pruned, time in training and the
overhead (wall - training).
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.measure import StopRun, TimeCapReached

OPTIMIZERS = {"tuneforge-median": ("tuneforge", True), "tuneforge-none": ("tuneforge", False),
              "optuna-median": ("optuna", True), "optuna-none": ("optuna", False)}
MAX_TRIALS = 100_000


def _study(lib: str, prune: bool, seed: int) -> tuple[Any, type[BaseException]]:
    if lib == "tuneforge":
        import logging

        import tuneforge as tf
        logging.getLogger("tuneforge").setLevel(logging.ERROR)
        pruner = tf.MedianPruner() if prune else tf.NopPruner()
        study = tf.create_study(direction="minimize", sampler=tf.TPESampler(seed=seed),
                                pruner=pruner, seed=seed)
        return study, tf.TrialPruned
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    pruner = optuna.pruners.MedianPruner() if prune else optuna.pruners.NopPruner()
    study = optuna.create_study(direction="minimize",
                                sampler=optuna.samplers.TPESampler(seed=seed), pruner=pruner)
    return study, optuna.TrialPruned


def run(spec: dict[str, Any], rec: dict[str, Any]) -> dict[str, Any]:
    from benchmarks import problems
    from benchmarks.adapters.base import suggest_all

    lib, prune = OPTIMIZERS[spec["optimizer"]]
    trainer = problems.build(spec["problem"])
    study, pruned_exc = _study(lib, prune, spec["seed"])
    budget_s = float(spec["budget"])
    rec.update(family="fidelity", metric=trainer.metric.as_dict(), n_objectives=1,
               max_steps=trainer.max_steps, budget_unit="s")
    trace_t: list[float] = []
    values: list[float] = []
    counts = {"trials": 0, "complete": 0, "pruned": 0, "steps": 0}
    inside = [0.0]
    t0 = time.perf_counter()

    def objective(trial: Any) -> float:
        counts["trials"] += 1
        params = suggest_all(trial, trainer.space)
        a = time.perf_counter()
        model = trainer.start(params)
        inside[0] += time.perf_counter() - a
        value = float("nan")
        for k in range(1, trainer.max_steps + 1):
            if time.perf_counter() - t0 > budget_s:
                raise TimeCapReached("wall-clock budget spent")
            a = time.perf_counter()
            value = trainer.step(model, k)
            b = time.perf_counter()
            inside[0] += b - a
            counts["steps"] += 1
            trace_t.append(b - t0)
            values.append(value)
            trial.report(value, k)
            if trial.should_prune():
                counts["pruned"] += 1
                raise pruned_exc()
        counts["complete"] += 1
        return value

    status, error = "ok", None
    try:
        study.optimize(objective, n_trials=MAX_TRIALS)
    except StopRun:
        pass
    except Exception as exc:
        import traceback
        status, error = "error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-3000:]}"
    wall = time.perf_counter() - t0
    best, b = [], float("inf")
    for v in values:
        b = v if v == v and v < b else b
        best.append(b)
    rec.update(status=status, error=error, n_evals=counts["steps"], **counts,
               wall_s=round(wall, 6), objective_s=round(inside[0], 6),
               overhead_s=round(wall - inside[0], 6),
               trace_t=[round(t, 4) for t in trace_t], best=best,
               final=best[-1] if best else None)
    if not best and status == "ok":
        rec.update(status="error", error="no validation value reported within the budget")
    return rec
