"""The default HistGradientBoosting baseline stays the winner unless the CV leader beats it
beyond the paired fold-to-fold noise."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from tuneforge.automl import baseline, select
from tuneforge.automl.baseline import (
    CHOICE_ATTR,
    apply_baseline_rule,
    keeps_baseline,
    paired_lead,
)
from tuneforge.automl.families import Families, resolve_models
from tuneforge.automl.select import DEFAULT_ATTR
from tuneforge.automl.selection import family_rows, trial_row
from tuneforge.evaluate import resolve_metrics
from tuneforge.trial.records import TrialRecord, TrialState

ACC = next(iter(resolve_metrics("accuracy").values()))
FAMILIES = Families(resolve_models(["hgb", "logreg"], "classification"))


@pytest.fixture(autouse=True)
def _one_thread():
    """One OpenMP/BLAS thread: on a busy machine, HistGradientBoosting's threads wait on
    each other for seconds, which says nothing about the code under test."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def _trial(number: int, family: str, scores: list[float], *, default: bool = False,
           **params: float) -> TrialRecord:
    attrs = {"cv": {"scores": {"accuracy": scores}, "folds_done": len(scores),
                    "sem": {"accuracy": float(np.std(scores, ddof=1) / math.sqrt(5))},
                    "fit_time": 1.0}}
    if default:
        attrs[DEFAULT_ATTR] = family
    return TrialRecord(number=number, key=str(number), state=TrialState.COMPLETE,
                       params={"model": family, **{f"{family}.{k}": v
                                                   for k, v in params.items()}},
                       values=(float(np.mean(scores)),), user_attrs=attrs)


BASE = [0.80, 0.84, 0.78, 0.82, 0.79]


def _decide(trials: list[TrialRecord]) -> tuple[list[dict], dict | None]:
    rows = family_rows(trials, FAMILIES, ACC)
    decision = apply_baseline_rule(rows, trials, ACC, DEFAULT_ATTR,
                                   lambda t: trial_row(t, FAMILIES, ACC))
    return rows, decision


def test_paired_lead_is_the_mean_and_standard_error_of_fold_differences() -> None:
    lead, sem = paired_lead([0.9, 0.8, 0.7], [0.8, 0.8, 0.8], greater_is_better=True)
    assert lead == pytest.approx(0.0)
    assert sem == pytest.approx(0.1 / math.sqrt(3))
    lead, _ = paired_lead([1.0, 2.0], [2.0, 3.0], greater_is_better=False)  # RMSE: lower
    assert lead == pytest.approx(1.0)
    assert keeps_baseline(0.01, 0.02) and not keeps_baseline(0.03, 0.02)
    assert keeps_baseline(0.0, math.nan) and not keeps_baseline(0.01, math.nan)


def test_a_lead_within_the_noise_keeps_the_default_baseline() -> None:
    noisy = [0.83, 0.82, 0.79, 0.84, 0.77]  # ahead on the mean, not fold by fold
    rows, decision = _decide([_trial(0, "hgb", BASE, default=True),
                              _trial(1, "logreg", noisy, default=True)])
    assert np.mean(noisy) > np.mean(BASE)
    assert decision is not None and decision["kept_baseline"]
    assert decision["winner"] == "logreg" and decision["lead"] > 0
    assert [r["family"] for r in rows] == ["hgb", "logreg"]
    assert rows[0]["trial"] == 0 and "within 1 standard error" in rows[0][CHOICE_ATTR]


def test_a_clear_lead_keeps_the_winner() -> None:
    clear = [s + 0.05 for s in BASE]  # ahead on every fold by the same amount
    rows, decision = _decide([_trial(0, "hgb", BASE, default=True),
                              _trial(1, "logreg", clear, default=True)])
    assert decision is not None and not decision["kept_baseline"]
    assert decision["lead"] == pytest.approx(0.05)
    assert rows[0]["family"] == "logreg" and CHOICE_ATTR not in rows[0]


def test_a_tuned_baseline_row_gives_way_to_its_defaults() -> None:
    tuned = [0.81, 0.845, 0.785, 0.825, 0.80]
    noisy = [0.83, 0.82, 0.79, 0.845, 0.79]
    rows, decision = _decide([_trial(0, "hgb", BASE, default=True, learning_rate=0.1),
                              _trial(1, "logreg", noisy, default=True),
                              _trial(2, "hgb", tuned, learning_rate=0.5)])
    assert decision is not None and decision["kept_baseline"]
    assert rows[0]["family"] == "hgb" and rows[0]["trial"] == 0
    assert rows[0]["params"] == {"learning_rate": 0.1}
    assert rows[0]["cv_score"] == pytest.approx(np.mean(BASE))
    assert rows[0]["trials"] == 2  # the family's count is kept


def test_no_baseline_no_decision() -> None:
    only = Families(resolve_models(["logreg"], "classification"))
    trials = [_trial(0, "logreg", BASE, default=True)]
    rows = family_rows(trials, only, ACC)
    assert apply_baseline_rule(rows, trials, ACC, DEFAULT_ATTR,
                               lambda t: trial_row(t, only, ACC)) is None


def _linear(n: int = 240) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 5))
    return X, X @ np.array([3.0, -2.0, 1.0, 0.5, 0.0]) + 0.1 * rng.normal(size=n)


def test_select_keeps_a_clear_winner_and_records_the_decision() -> None:
    X, y = _linear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sel = select(X, y, models=["hgb_reg", "ridge"], budget=2, cv=3, seed=0)
    assert sel.best_family == "ridge"  # a linear target: ridge is far ahead
    assert sel.baseline is not None and not sel.baseline["kept_baseline"]
    assert sel.study.user_attrs["baseline_rule"]["winner"] == "ridge"
    assert sel.to_json()["baseline"]["lead"] > 0


def test_select_keeps_the_baseline_when_the_lead_is_within_the_margin(monkeypatch) -> None:
    monkeypatch.setattr(baseline, "MARGIN_SE", 1e9)  # every lead is "within the noise"
    X, y = _linear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sel = select(X, y, models=["hgb_reg", "ridge"], budget=2, cv=3, seed=0)
        off = select(X, y, models=["hgb_reg", "ridge"], budget=2, cv=3, seed=0,
                     keep_baseline=False)
    assert sel.best_family == "hgb_reg" and sel.baseline["kept_baseline"]
    assert type(sel.best_model.fit(X, y)).__name__ == "HistGradientBoostingRegressor"
    assert sel.leaderboard[0]["holdout_score"] is not None  # the kept one is scored
    assert off.best_family == "ridge" and off.baseline is None
