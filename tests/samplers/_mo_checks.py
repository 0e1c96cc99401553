"""Checks shared by the tests of the evolutionary multi-objective samplers (NSGA-II,
MOEA/D): reproducibility, resumption, workers, spaces, constraints, ZDT1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import tuneforge as tf
from tests.samplers import _objectives as objectives
from tuneforge import TrialState
from tuneforge.math.hypervolume import hypervolume

Make = Callable[..., Any]


def params_of(study: Any) -> list[dict[str, Any]]:
    return [dict(t.params) for t in study.trials]


def same_seed_same_params(make: Make) -> None:
    runs = []
    for seed in (7, 7, 8):
        study = tf.create_study(directions=["minimize"] * 2, sampler=make(seed=seed))
        study.optimize(objectives.mixed_two, n_trials=30)
        runs.append(params_of(study))
    assert runs[0] == runs[1] and runs[0] != runs[2]


def resume_equals_one_run(make: Make, tmp_path: Any) -> None:
    """The population lives in the trials: a study stopped, reloaded with a fresh
    sampler and continued proposes exactly what one uninterrupted run proposes."""
    whole = tf.create_study(directions=["minimize"] * 2, sampler=make(seed=5), seed=5)
    whole.optimize(objectives.zdt1_10, n_trials=40)
    url = f"sqlite:///{tmp_path / 'resume.db'}"
    part = tf.create_study(study_name="r", storage=url, directions=["minimize"] * 2,
                           sampler=make(seed=5), seed=5)
    part.optimize(objectives.zdt1_10, n_trials=23)
    again = tf.load_study("r", storage=url, sampler=make(seed=5))
    again.optimize(objectives.zdt1_10, n_trials=17)
    assert params_of(again) == params_of(whole)
    assert max(t.system_attrs["generation"] for t in again.trials) >= 2


def two_processes(make: Make, tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'workers.db'}"
    study = tf.create_study(study_name="w", storage=url, directions=["minimize"] * 2,
                            sampler=make(seed=3))
    study.optimize(objectives.two_objectives_slow, n_trials=12, n_jobs=2)
    trials = study.trials
    assert len(trials) == 12 and all(t.state is TrialState.COMPLETE for t in trials)
    assert max(t.system_attrs.get("generation", 0) for t in trials) >= 2
    assert {t.system_attrs.get("worker") for t in trials}.__len__() == 2


def mixed_and_conditional(make: Make) -> None:
    study = tf.create_study(directions=["minimize"] * 2, sampler=make(seed=0))
    study.optimize(objectives.mixed_two, n_trials=60)
    assert all(t.state is TrialState.COMPLETE for t in study.trials)
    assert {t.params["kind"] for t in study.trials} == {"a", "b", "c"}
    late = study.trials[-20:]
    assert sum(t.params["kind"] == "a" for t in late) >= 10  # "a" dominates the others
    cond = tf.create_study(directions=["minimize"] * 2, sampler=make(seed=0))
    cond.optimize(objectives.conditional_two, n_trials=50)
    assert {t.params["kind"] for t in cond.trials} == {"linear", "tree"}
    assert all(t.state is TrialState.COMPLETE for t in cond.trials)


def single_objective(make: Make) -> None:
    ours, rnd = [], []
    for seed in range(2):
        study = tf.create_study(sampler=make(seed=seed))
        study.optimize(objectives.sphere5, n_trials=100)
        ours.append(study.best_value)
        base = tf.create_study(sampler=tf.RandomSampler(seed=seed))
        base.optimize(objectives.sphere5, n_trials=100)
        rnd.append(base.best_value)
    assert np.mean(ours) < np.mean(rnd) / 2


def constraints_honoured(make: Make) -> None:
    """Feasible (x >= 0.4) beats infeasible: late trials are mostly feasible, though the
    unconstrained front lies at x < 0.4 too."""
    def obj(trial: Any) -> tuple[float, float]:
        x = trial.suggest_float("x", 0.0, 1.0)
        y = trial.suggest_float("y", 0.0, 1.0)
        trial.set_constraint([0.4 - x])
        return x + y, 1.0 - x + y

    study = tf.create_study(directions=["minimize"] * 2, sampler=make(seed=0))
    study.optimize(obj, n_trials=80)
    late = study.trials[-24:]
    assert sum(t.params["x"] >= 0.4 for t in late) >= 18
    assert make(constraints_func=len).constraints_func is len  # Optuna's keyword


def reaches_zdt1(make: Make, target: float) -> None:
    """ZDT1 on 10 variables, 300 evaluations: the hypervolume (reference (1.1, 1.1); the
    front's is 0.87, random search's 0) reaches `target` in at least 2 of 3 seeds."""
    hv = []
    for seed in range(3):
        study = tf.create_study(directions=["minimize"] * 2, sampler=make(seed=seed))
        study.optimize(objectives.zdt1_10, n_trials=300)
        hv.append(hypervolume([t.values for t in study.trials], [1.1, 1.1]))
    assert sum(v >= target for v in hv) >= 2, hv
