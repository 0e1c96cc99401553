"""The CV winner averaged with HistGradientBoosting's defaults wins only when it beats both on
the search's own folds, and the blend is refitted, scored and rebuilt like any winner."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from tuneforge.automl import select
from tuneforge.automl.blend import BLEND, blend_cost, build_blend, partner
from tuneforge.automl.families import Families, resolve_models
from tuneforge.trial.records import TrialRecord, TrialState


@pytest.fixture(autouse=True)
def _one_thread():
    """One OpenMP/BLAS thread: busy-machine thread contention says nothing here."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _step_and_slope(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A slope (which ridge fits and trees approximate in steps) plus a step (which trees
    fit and ridge smears): the two models err differently, so their average helps."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(200, 3))
    return X, X[:, 0] + 1.5 * (X[:, 1] > 0) + 0.5 * rng.normal(size=200)


def test_blend_wins_when_it_beats_both_members_on_the_same_folds():
    X, y = _step_and_slope()
    sel = select(X, y, models=["hgb_reg", "ridge"], budget=2, cv=3, seed=0, holdout=None)
    decision = sel.blend
    assert decision is not None and decision["chosen"]
    assert all(v > 0 for v in decision["leads"].values())
    assert sel.best_family == BLEND
    top = sel.leaderboard[0]
    assert top["cv_score"] == pytest.approx(float(np.mean(decision["fold_scores"])))
    # the blend beats each member's own CV mean, which the leaderboard shows below it
    assert all(top["cv_score"] < r["cv_score"] for r in sel.leaderboard[1:])
    assert {m["model"] for m in sel.best_params["members"]} == {"hgb_reg", "ridge"}
    # the fitted winner is the average of its two members, refitted on the search rows
    members = sel.best_model.estimators_
    assert len(members) == 2
    np.testing.assert_allclose(sel.best_model.predict(X),
                               np.mean([m.predict(X) for m in members], axis=0))
    fresh = sel.new_estimator()  # unfitted, the same two members
    assert [n for n, _ in fresh.estimators] == [n for n, _ in sel.best_model.estimators]
    assert not hasattr(fresh, "estimators_")
    assert "average of" in str(sel.table().columns[-1]._cells[0])
    assert json.loads(json.dumps(sel.to_json()))["blend"]["chosen"] is True
    assert sel.study.user_attrs[BLEND]["chosen"] is True


def test_a_blend_winner_is_checked_on_the_holdout_and_named_in_the_report():
    from tuneforge.report import build_report

    X, y = _step_and_slope(0)
    X2, y2 = _step_and_slope(1)  # more rows, so the hold-out keeps a blend-friendly search
    X, y = np.vstack([X, X2]), np.concatenate([y, y2])
    sel = select(X, y, models=["hgb_reg", "ridge"], budget=2, cv=3, seed=0)
    if sel.best_family != BLEND:
        pytest.fail(f"expected the blend to win on this data; blend: {sel.blend}")
    top = sel.leaderboard[0]
    assert top["holdout_score"] is not None and sel.gap is not None
    assert sel.gap.holdout_score == pytest.approx(top["holdout_score"])
    check = sel.study.user_attrs["holdout_check"]
    assert check["family"] == BLEND and "hgb_reg (trial" in check["trial"]
    page = build_report(sel.study.trials, tuple(sel.study.directions),
                        study_name=sel.study.study_name, study_attrs=sel.study.user_attrs,
                        importance=False)
    assert "ridge (trial" in page


def test_blend_is_not_chosen_when_one_model_is_far_better():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 4))
    y = X @ np.array([3.0, -2.0, 1.0, 0.5]) + 0.1 * rng.normal(size=240)  # linear
    sel = select(X, y, models=["hgb_reg", "ridge"], budget=2, cv=3, seed=0)
    assert sel.blend is not None and not sel.blend["chosen"]
    assert sel.blend["leads"]["partner"] < 0  # worse than ridge alone
    assert "does not beat" in sel.blend["reason"]
    assert sel.best_family == "ridge"
    assert all(r["family"] != BLEND for r in sel.leaderboard)


def test_blend_false_weighs_nothing():
    X, y = _step_and_slope()
    sel = select(X, y, models=["hgb_reg", "ridge"], budget=2, cv=3, seed=0, holdout=None,
                 blend=False)
    assert sel.blend is None and BLEND not in sel.study.user_attrs
    assert sel.best_family != BLEND


def test_blend_of_a_table_with_text_labels_predicts_the_labels():
    rng = np.random.default_rng(1)
    n = 240
    frame = pd.DataFrame({"x": rng.normal(size=n),
                          "colour": rng.choice(["red", "green", "blue"], size=n),
                          "size": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n))})
    signal = frame["x"] + (frame["colour"] == "red") + 0.7 * rng.normal(size=n)
    labels = np.where(signal > 0.4, "yes", "no")
    sel = select(frame, labels, models=["hgb", "logreg"], budget=3, cv=3, seed=0)
    assert sel.blend is not None and sel.blend["fold_scores"] is not None  # it ran CV
    assert len(sel.blend["fold_scores"]) == 3
    # soft voting of two pipelines (encoding inside each), the labels kept as text
    model = build_blend(sel.families, sel.blend["members"], "classification")
    assert model.voting == "soft"
    model.fit(frame, labels)
    assert set(model.predict(frame)) == {"yes", "no"}
    proba = model.predict_proba(frame)
    members = [m.predict_proba(frame) for m in model.estimators_]
    np.testing.assert_allclose(proba, np.mean(members, axis=0))


def _trial(number: int, family: str, *, state: TrialState = TrialState.COMPLETE,
           duration: float = 1.0) -> TrialRecord:
    return TrialRecord(number=number, key=f"t{number}", state=state, values=(0.5,),
                       params={"model": family},
                       user_attrs={"cv": {"folds_done": 5, "fit_time": 0.5}},
                       datetime_start=1000.0, datetime_complete=1000.0 + duration)


def test_partner_skips_models_without_probabilities_and_those_too_slow_to_check():
    families = Families(resolve_models(["svc", "logreg", "hgb"], "classification"))
    default = _trial(0, "hgb")
    svc, logreg = _trial(1, "svc"), _trial(2, "logreg", duration=30.0)
    # an SVC gives no probabilities to average: the next best trial is the partner
    assert partner([svc, logreg, default], default, families, "classification") is logreg
    # its blend's check (both CVs again, both refits) must fit in the time left
    cost = blend_cost(logreg, default, 5, 1.25)
    assert math.isfinite(cost) and cost > 31.0
    assert partner([svc, logreg, default], default, families, "classification",
                   seconds=cost - 1) is None
    assert partner([svc, logreg, default], default, families, "classification",
                   seconds=cost + 1) is logreg
    # a regression averages predictions: any model will do
    reg = Families(resolve_models(["svr", "hgb_reg"], "regression"))
    svr, hgb = _trial(1, "svr"), _trial(0, "hgb_reg")
    assert partner([svr, hgb], hgb, reg, "regression") is svr
    assert partner([_trial(1, "svr", state=TrialState.PRUNED), hgb], hgb, reg,
                   "regression") is None


def test_a_blend_too_slow_for_the_time_left_is_recorded_as_not_weighed(monkeypatch):
    import importlib

    import tuneforge.automl.blend as blend_module

    select_module = importlib.import_module("tuneforge.automl.select")  # not the function

    def dear(*args: object, **kwargs: object) -> float:
        return 1e6  # no check of any partner fits in the time budget

    monkeypatch.setattr(blend_module, "blend_cost", dear)
    monkeypatch.setattr(select_module, "blend_cost", dear)
    X, y = _step_and_slope()
    sel = select(X, y, models=["hgb_reg", "ridge"], budget=2, time_budget=60, cv=3, seed=0,
                 holdout=None)
    decision = sel.blend
    assert decision is not None and not decision["chosen"]
    assert decision["reason"].startswith("not weighed: its check takes about 1000000.0 s")
    assert {m["model"] for m in decision["members"]} == {"hgb_reg", "ridge"}
    assert decision["fold_scores"] is None and sel.best_family != BLEND
    assert sel.study.user_attrs[BLEND]["reason"] == decision["reason"]
