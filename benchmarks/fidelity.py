"""The `fidelity` suite's runs: TPE with and without pruners, tuneforge against Optuna,
each run given a wall-clock budget (seconds) instead of an evaluation count.

Each library uses its own TPESampler (seeded) and its own pruner: "-median" the
MedianPruner with default settings, "-none" never prunes; "-asha"/"-sha" asynchronous
successive halving and "-hyperband" Hyperband, both with min_resource=1 (one epoch, or
10 boosting rounds) and reduction_factor=3, Hyperband's max_resource the problem's
max_steps; "tuneforge-bohb" is Hyperband with the BOHBSampler instead of TPE, and
"tuneforge-asha-gp" ASHA with the GPSampler (which models the pruned trials);
"tuneforge-asha-gp-auto" the same with `effort="auto"` (proposal work scaled to the
trials' measured cost, `samplers.gp_effort`). Every
training step (epoch, or 10 boosting rounds) is timed; the run stops at the first step
boundary after the budget. Recorded: every reported validation value with its time
since the start (`trace_t`, `best` = best value so far, internal orientation), trials
completed and pruned, time in training and the overhead (wall - training).
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.measure import StopRun, TimeCapReached

# name -> (library, pruner, sampler)
OPTIMIZERS = {"tuneforge-median": ("tuneforge", "median", "tpe"),
              "tuneforge-none": ("tuneforge", "none", "tpe"),
              "tuneforge-asha": ("tuneforge", "asha", "tpe"),
              "tuneforge-hyperband": ("tuneforge", "hyperband", "tpe"),
              "tuneforge-bohb": ("tuneforge", "hyperband", "bohb"),
              "tuneforge-asha-gp": ("tuneforge", "asha", "gp"),
              "tuneforge-asha-gp-auto": ("tuneforge", "asha", "gp-auto"),
              "optuna-median": ("optuna", "median", "tpe"),
              "optuna-none": ("optuna", "none", "tpe"),
              "optuna-sha": ("optuna", "asha", "tpe"),
              "optuna-hyperband": ("optuna", "hyperband", "tpe")}
MIN_RESOURCE, REDUCTION_FACTOR = 1, 3
MAX_TRIALS = 100_000


def _study(lib: str, prune: str, sampler: str, seed: int,
           max_steps: int) -> tuple[Any, type[BaseException]]:
    sha = {"min_resource": MIN_RESOURCE, "reduction_factor": REDUCTION_FACTOR}
    hb = dict(sha, max_resource=max_steps)
    if lib == "tuneforge":
        import logging

        import tuneforge as tf
        logging.getLogger("tuneforge").setLevel(logging.ERROR)
        pruner = {"median": tf.MedianPruner, "none": tf.NopPruner,
                  "asha": lambda: tf.SuccessiveHalvingPruner(**sha),
                  "hyperband": lambda: tf.HyperbandPruner(**hb)}[prune]()
        chosen = {"bohb": tf.BOHBSampler, "gp": tf.GPSampler,
                  "gp-auto": lambda seed: tf.GPSampler(seed=seed, effort="auto"),
                  "tpe": tf.TPESampler}[sampler](seed=seed)
        study = tf.create_study(direction="minimize", sampler=chosen, pruner=pruner, seed=seed)
        return study, tf.TrialPruned
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    pruners = optuna.pruners
    opruner = {"median": pruners.MedianPruner, "none": pruners.NopPruner,
               "asha": lambda: pruners.SuccessiveHalvingPruner(**sha),
               "hyperband": lambda: pruners.HyperbandPruner(**hb)}[prune]()
    study = optuna.create_study(direction="minimize",
                                sampler=optuna.samplers.TPESampler(seed=seed), pruner=opruner)
    return study, optuna.TrialPruned


def run(spec: dict[str, Any], rec: dict[str, Any]) -> dict[str, Any]:
    from benchmarks import problems
    from benchmarks.adapters.base import suggest_all

    lib, prune, sampler = OPTIMIZERS[spec["optimizer"]]
    trainer = problems.build(spec["problem"])
    study, pruned_exc = _study(lib, prune, sampler, spec["seed"], trainer.max_steps)
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
