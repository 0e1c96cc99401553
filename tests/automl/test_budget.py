"""The time budget keeps the winner's refit free, skips a fold that cannot finish, and
`select(time_budget=T)` returns within T plus a small margin."""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
import pytest

from tuneforge.automl import select
from tuneforge.automl.budget import BudgetedObjective, refit_seconds
from tuneforge.automl.tables import load_table
from tuneforge.evaluate import resolve_metrics
from tuneforge.exceptions import TrialPruned
from tuneforge.trial.records import TrialRecord, TrialState

ACC = next(iter(resolve_metrics("accuracy").values()))


@pytest.fixture(autouse=True)
def _one_thread():
    """One OpenMP/BLAS thread: on a busy machine, HistGradientBoosting's threads wait on
    each other for seconds, which says nothing about the code under test."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def _done(number: int, family: str, value: float, fit_time: float) -> TrialRecord:
    return TrialRecord(number=number, key=str(number), state=TrialState.COMPLETE,
                       params={"model": family}, values=(value,),
                       user_attrs={"cv": {"folds_done": 4, "fit_time": fit_time,
                                          "sem": {"accuracy": 0.001}}},
                       datetime_start=0.0, datetime_complete=fit_time + 0.5)


class _Study:
    def __init__(self, trials: list[TrialRecord]) -> None:
        self.trials = trials
        self.stopped = False

    def get_trials(self, states: Any) -> list[TrialRecord]:
        return [t for t in self.trials if t.state in states]

    def stop(self) -> None:
        self.stopped = True


class _Trial:
    def __init__(self, family: str, study: _Study) -> None:
        self.family, self.study, self.user_attrs = family, study, {}

    def suggest_categorical(self, name: str, choices: list[str]) -> str:
        return self.family

    def set_user_attr(self, key: str, value: Any) -> None:
        self.user_attrs[key] = value


class _Objective:
    direction = "maximize"
    deadline: float | None = None

    def __call__(self, trial: Any) -> float:
        self.seen = self.deadline
        return 0.5


def test_refit_is_predicted_from_the_fold_fits() -> None:
    t = _done(0, "logreg", 0.8, fit_time=4.0)  # 4 folds, 1 s each
    assert refit_seconds(t, 4 / 3) == pytest.approx(4 / 3)
    svc = TrialRecord(number=1, key="1", state=TrialState.COMPLETE, params={"model": "svc"},
                      user_attrs={"cv": {"folds_done": 2, "fit_time": 2.0}})
    assert refit_seconds(svc, 2.0) == pytest.approx(4.0)  # kernel machines: squared
    assert np.isnan(refit_seconds(TrialRecord(number=2, key="2", state=TrialState.PRUNED),
                                  2.0))


def test_the_leaders_and_the_baselines_refits_are_kept_free() -> None:
    study = _Study([_done(0, "hgb", 0.80, fit_time=8.0),      # refit 2 s x 1.5 = 3 s
                    _done(1, "logreg", 0.85, fit_time=16.0),  # the leader: 6 s
                    _done(2, "tree", 0.849, fit_time=40.0)])  # not the leader
    objective = _Objective()
    end = time.time() + 100
    run = BudgetedObjective(objective, end, 500, ACC, ["hgb", "logreg", "tree"],
                            refit_scale=1.5, margin=2.0)
    assert run(_Trial("hgb", study)) == 0.5
    assert objective.seen == pytest.approx(end - 2.0 - 6.0)
    run(_Trial("tree", study))  # its own refit (15 s) would outlast the leader's
    assert objective.seen == pytest.approx(end - 2.0 - 15.0)


def test_a_trial_that_would_eat_the_refit_reserve_is_skipped() -> None:
    study = _Study([_done(0, "hgb", 0.80, fit_time=8.0), _done(1, "logreg", 0.85, 16.0)])
    objective = _Objective()
    # 10 s left: logreg's trial takes 16.5 s, hgb's 8.5 s but the 6 s refit is reserved
    run = BudgetedObjective(objective, time.time() + 10, 500, ACC, ["hgb", "logreg"],
                            refit_scale=1.5)
    trial = _Trial("hgb", study)
    with pytest.raises(TrialPruned, match="no family is expected to finish"):
        run(trial)
    assert study.stopped and "skipped" in trial.user_attrs


def _titanic(n: int) -> tuple[Any, Any]:
    X, y = load_table("titanic")
    rows = np.random.default_rng(1).permutation(len(X))[:n]
    return X.iloc[rows].reset_index(drop=True), y.iloc[rows].reset_index(drop=True)


@pytest.mark.slow
def test_select_returns_within_its_time_budget() -> None:
    X, y = _titanic(400)
    budget = 8.0
    start = time.time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sel = select(X, y, models=["hgb", "logreg", "tree", "rf", "svc"],
                     time_budget=budget, seed=0)
    took = time.time() - start
    # the documented margin: 10% of the budget and one second (a fold's misprediction)
    assert took < budget * 1.1 + 1.0, took
    assert sel.leaderboard[0]["holdout_score"] is not None
    skipped = [t for t in sel.study.trials if t.user_attrs.get("skipped")]
    assert len(sel.study.trials) > 5 and skipped  # it ran until the budget said stop


def test_a_pruned_trials_duration_is_scaled_to_all_folds() -> None:
    from tuneforge.automl.budget import full_duration

    pruned = TrialRecord(number=0, key="0", state=TrialState.PRUNED, params={},
                         user_attrs={"cv": {"folds_done": 2}}, datetime_start=0.0,
                         datetime_complete=3.0)
    assert full_duration(pruned, 5) == pytest.approx(7.5)
    assert full_duration(_done(1, "hgb", 0.8, 1.5), 5) == pytest.approx(2.0)  # complete


@pytest.mark.slow
def test_under_a_time_budget_a_trial_behind_on_its_first_folds_stops_there() -> None:
    """The fold pruner is on by default under a time budget (a trial limit makes the run
    end by count, not by the clock), and off with an explicit pruner."""
    from tuneforge.pruners import NopPruner, WilcoxonPruner

    X, y = _titanic(300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sel = select(X, y, models=["hgb", "logreg", "tree", "knn"], time_budget=600,
                     budget=14, seed=0, holdout=None)
        off = select(X, y, models=["hgb", "logreg", "tree", "knn"], time_budget=600,
                     budget=6, seed=0, holdout=None, pruner=NopPruner())
    assert isinstance(sel.study.pruner, WilcoxonPruner)
    pruned = [t for t in sel.study.trials if t.state is TrialState.PRUNED]
    by_folds = [t for t in pruned if "prune_p_value" in t.system_attrs]
    assert by_folds and all(3 <= t.user_attrs["cv"]["folds_done"] < 5 for t in by_folds)
    # the other pruned trials are the budget's skips of a family behind the leader
    assert all(t.user_attrs.get("skipped") for t in pruned if t not in by_folds)
    assert not any(t.state is TrialState.PRUNED for t in off.study.trials)
