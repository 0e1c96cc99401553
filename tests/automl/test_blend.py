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


def test_candidates_whose_check_would_pass_the_deadline_are_left_out(monkeypatch):
    """Under a deadline the candidates are checked best first; one whose CV would not
    finish in time is left out (and named), and the next ones are still weighed."""
    import time
    from types import SimpleNamespace

    import tuneforge.automl.blend as blend_module
    from tuneforge.automl.blend import weigh_blend
    from tuneforge.automl.splits import splitter
    from tuneforge.evaluate.cv import make_splits

    X, y = _step_and_slope(3)
    sel = select(X, y, models=["ridge", "hgb_reg", "knn_reg"], budget=3, cv=3, seed=0,
                 holdout=None, blend=False)
    by_family = {t.params["model"]: t for t in sel.study.trials}
    pool = [by_family["ridge"], by_family["knn_reg"], by_family["hgb_reg"]]
    real = blend_module.full_duration

    def slow_knn(trial: TrialRecord, n_folds: int) -> float:
        return 1e6 if trial.params["model"] == "knn_reg" else real(trial, n_folds)

    monkeypatch.setattr(blend_module, "full_duration", slow_knn)
    monkeypatch.setattr(blend_module, "blend_cost", lambda *a, **k: 0.0)  # let it start
    objective = SimpleNamespace(X=X, y=y, metric=sel.metric,
                                splits=make_splits(splitter(3, "regression", 0), X, y))
    decision = weigh_blend(pool, families=sel.families, objective=objective,
                           task="regression", deadline=time.time() + 600)
    assert decision is not None and decision["fold_scores"] is not None
    assert [m["model"] for m in decision["candidates"]] == ["ridge", "hgb_reg"]
    assert [m["model"] for m in decision["late"]] == ["knn_reg"]
    assert "knn_reg (trial" in decision["reason"]
    assert "would not have finished in time" in decision["reason"]
    # with only one candidate in time there is nothing to average: not weighed, and why
    decision = weigh_blend([pool[1], pool[0]], families=sel.families, objective=objective,
                           task="regression", deadline=time.time() + 600)
    assert decision is not None and decision["fold_scores"] is None
    assert decision["reason"] == ("not weighed: TimeoutError: only 1 of 2 candidates could "
                                  "be checked in the time left")


def test_the_search_keeps_each_familys_best_fold_predictions_so_nothing_is_fitted_again(
        monkeypatch):
    import tuneforge.automl.blend as blend_module

    def no_refit(self: object, *args: object, **kwargs: object) -> None:
        raise AssertionError("a candidate was cross-validated again")

    monkeypatch.setattr(blend_module._Predictions, "add", no_refit)
    X, y = _step_and_slope(4)
    sel = select(X, y, models=["hgb_reg", "ridge", "knn_reg"], budget=9, cv=3, seed=0,
                 holdout=None)
    decision = sel.blend
    assert decision is not None and decision["fold_scores"] is not None, decision
    # each candidate's own CV mean, from the kept predictions, is the one it recorded
    recorded = {t.number: t.values[0] for t in sel.study.trials if t.values}
    for m in decision["candidates"]:
        assert m["cv_score"] == pytest.approx(recorded[m["trial"]], rel=1e-9)
    if decision["chosen"]:  # the refitted average's in-sample score is its train score
        top = sel.leaderboard[0]
        assert top["train_score"] == pytest.approx(sel.metric(sel.best_model, X, y))
        assert top["fit"] in ("ok", "over-fitting", "under-fitting")


def test_fold_predictions_keep_the_best_of_each_family_and_every_defaults_trial():
    from types import SimpleNamespace

    from tuneforge.automl.blend import FoldPredictions

    class Model:
        classes_ = np.array(["a", "b"])

        def __init__(self, p: float) -> None:
            self.p = p

        def predict_proba(self, X: np.ndarray) -> np.ndarray:
            return np.tile([1 - self.p, self.p], (len(X), 1))

    store = FoldPredictions("classification", ["b", "a", "b"], 2, True, "default")

    def run(number: int, family: str, value: float, default: bool = False,
            folds: int = 2) -> None:
        trial = SimpleNamespace(number=number, params={"model": family},
                                user_attrs={"default": family} if default else {})
        for i in range(folds):
            store.fold(trial, i, Model(value), np.zeros((3, 1)))
        if folds == 2:
            store.done(trial, value)
        store.discard(trial)

    run(0, "hgb", 0.6, default=True)
    run(1, "hgb", 0.7)            # hgb's best now; the defaults stay
    run(2, "hgb", 0.65)           # not its best: dropped
    run(3, "logreg", 0.5)
    run(4, "logreg", 0.8)         # replaces trial 3
    run(5, "logreg", 0.9, folds=1)  # pruned after one fold: nothing kept
    assert sorted(store.kept) == [0, 1, 4]
    assert 1 in store and 2 not in store and not store._open
    np.testing.assert_allclose(store.kept[4][1], np.tile([0.2, 0.8], (3, 1)))
    # a copy sent to a worker process (as optimize(n_jobs=k) sends it) keeps nothing
    import cloudpickle

    copy = cloudpickle.loads(cloudpickle.dumps(store))
    assert not copy.active and not copy.kept
    run_copy = SimpleNamespace(number=9, params={"model": "hgb"}, user_attrs={})
    copy.fold(run_copy, 0, Model(0.5), np.zeros((3, 1)))
    assert not copy._open
