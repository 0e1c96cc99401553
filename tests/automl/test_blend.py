"""A weighted average of the best trials (greedy ensemble selection on the search's own folds)
wins only when it beats every member and the CV leader there, and the blend is refitted,
scored and rebuilt like any winner."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from tuneforge.automl import select
from tuneforge.automl.blend import BLEND, affordable, blend_cost, build_blend, candidates
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
    weights = [m["weight"] for m in sel.best_params["members"]]
    assert sum(weights) == pytest.approx(1.0) and all(0 < w < 1 for w in weights)
    # the fitted winner is the weighted average of its members, refitted on the search rows
    members = sel.best_model.estimators_
    assert len(members) == 2
    np.testing.assert_allclose(sel.best_model.predict(X),
                               np.average([m.predict(X) for m in members], axis=0,
                                          weights=weights))
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
    # greedy selection found no average better than ridge alone on the folds
    assert [m["model"] for m in sel.blend["members"]] == ["ridge"]
    assert {m["model"] for m in sel.blend["candidates"]} == {"hgb_reg", "ridge"}
    assert "no average of two or more beats" in sel.blend["reason"]
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
    np.testing.assert_allclose(proba, np.average(members, axis=0, weights=model.weights))


def _trial(number: int, family: str, *, state: TrialState = TrialState.COMPLETE,
           duration: float = 1.0) -> TrialRecord:
    return TrialRecord(number=number, key=f"t{number}", state=state, values=(0.5,),
                       params={"model": family},
                       user_attrs={"cv": {"folds_done": 5, "fit_time": 0.5}},
                       datetime_start=1000.0, datetime_complete=1000.0 + duration)


def test_candidates_skip_models_without_probabilities_and_affordable_keeps_what_fits():
    families = Families(resolve_models(["svc", "logreg", "hgb", "knn"], "classification"))
    default = _trial(0, "hgb")
    svc, logreg = _trial(1, "svc"), _trial(2, "logreg", duration=30.0)
    knn = _trial(3, "knn")
    # an SVC gives no probabilities to average; the defaults come right after the best
    pool = candidates([svc, logreg, knn, default], default, families, "classification")
    assert [t.number for t in pool] == [2, 0, 3]
    assert [t.number for t in candidates([logreg, knn], default, families,
                                         "classification", limit=2)] == [2, 0]
    # the check (CVs again, refits) of a prefix of the pool must fit in the time left
    two = blend_cost(pool[:2], 5, 1.25)
    assert math.isfinite(two) and two > blend_cost(pool[:1], 5, 1.25) > 30.0
    assert affordable(pool, two - 0.1) == pool[:1]
    assert affordable(pool, two + 0.1) == pool[:2]
    assert affordable(pool, math.inf) == pool
    # a regression averages predictions: any model will do; only COMPLETE trials
    reg = Families(resolve_models(["svr", "hgb_reg"], "regression"))
    svr, hgb = _trial(1, "svr"), _trial(0, "hgb_reg")
    assert candidates([svr, hgb], hgb, reg, "regression") == [svr, hgb]
    assert candidates([_trial(1, "svr", state=TrialState.PRUNED), hgb], hgb, reg,
                      "regression") == [hgb]


def test_fold_scores_of_the_blend_are_those_of_the_refitted_average():
    """The greedy search scores averages of stored fold predictions; the same weighted
    VotingRegressor fitted on each fold must score exactly that."""
    from tuneforge.automl.splits import splitter
    from tuneforge.evaluate.cv import make_splits

    X, y = _step_and_slope(2)
    sel = select(X, y, models=["hgb_reg", "ridge", "knn_reg"], budget=4, cv=3, seed=0,
                 holdout=None)
    decision = sel.blend
    assert decision is not None and decision["fold_scores"] is not None
    splits = make_splits(splitter(3, "regression", 0), X, y)
    refitted = []
    for train, test in splits:
        model = build_blend(sel.families, decision["members"], "regression")
        refitted.append(sel.metric(model.fit(X[train], y[train]), X[test], y[test]))
    np.testing.assert_allclose(decision["fold_scores"], refitted, rtol=1e-9)
    # and every candidate's own CV mean is recorded beside it
    assert all(isinstance(m["cv_score"], float) for m in decision["candidates"])


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
