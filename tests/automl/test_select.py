"""select(): one study over several families, defaults first, a hold-out it never sees."""

from __future__ import annotations

import importlib
import json
import warnings

import numpy as np
import pytest

from tests.conftest import require_module  # noqa: E402

require_module("sklearn", "sklearn")  # skip locally without the extra; fail under CI=true

from rich.console import Console  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_diabetes  # noqa: E402
from sklearn.dummy import DummyClassifier  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import tuneforge as tf  # noqa: E402
from tuneforge.automl import (  # noqa: E402
    Families,
    OvertuningWarning,
    infer_task,
    nested_select,
    select,
)
from tuneforge.evaluate import (  # noqa: E402
    GapReport,
    NoiseAwareStopping,
    holdout_split,
    resolve_metric,
)
from tuneforge.exceptions import TuneforgeError  # noqa: E402
from tuneforge.presets import Preset, UnknownPresetError, get_preset  # noqa: E402

MODELS = ["logreg", "svc"]
# the module, not the function that `tuneforge.automl.select` names
select_module = importlib.import_module("tuneforge.automl.select")


@pytest.fixture(autouse=True)
def one_thread():
    """One BLAS/OpenMP thread: on a busy machine library threads mostly wait."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


class RecordingClassifier(DummyClassifier):
    """A baseline that writes down which rows it was fitted on."""

    fitted_rows: list[np.ndarray] = []
    row_index: dict[bytes, int] = {}

    def fit(self, X, y, sample_weight=None):
        rows = np.array([self.row_index[np.ascontiguousarray(r).tobytes()]
                         for r in np.asarray(X)])
        RecordingClassifier.fitted_rows.append(rows)
        return super().fit(X, y, sample_weight)


RECORDER = Preset("recorder", "classification", RecordingClassifier,
                  {"strategy": ["prior", "most_frequent"]}, {"strategy": "most_frequent"},
                  doc="records its training rows")


def subsample(X, y, n, seed=0):
    idx = np.random.default_rng(seed).choice(len(y), n, replace=False)
    return X[idx], y[idx]


@pytest.fixture(scope="module")
def cancer():
    X, y = subsample(*load_breast_cancer(return_X_y=True), 200)
    assert len({r.tobytes() for r in X}) == len(X)  # rows are unique: the recorder can tell
    return X, y


@pytest.fixture(scope="module")
def diabetes():
    return subsample(*load_diabetes(return_X_y=True), 200)


@pytest.fixture(scope="module")
def clf(cancer):
    X, y = cancer
    RecordingClassifier.fitted_rows = []
    RecordingClassifier.row_index = {np.ascontiguousarray(r).tobytes(): i
                                     for i, r in enumerate(X)}
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        warnings.simplefilter("error", DeprecationWarning)
        selection = select(X, y, models=[*MODELS, RECORDER], budget=12, cv=3, seed=0)
    return selection, list(RecordingClassifier.fitted_rows)


def test_leaderboard_has_every_family_best_first(clf, cancer):
    selection, _ = clf
    board = selection.leaderboard
    assert [r["family"] for r in board] != []
    assert {r["family"] for r in board} == {*MODELS, "recorder"}
    scores = [r["cv_score"] for r in board]
    assert scores == sorted(scores, reverse=True)  # accuracy: higher first
    assert sum(r["trials"] for r in board) == len(selection.study.trials) == 12
    assert selection.best_family == board[0]["family"] != "recorder"  # baseline loses
    assert not [t for t in selection.study.trials if t.state is tf.TrialState.FAIL]
    for row in board:  # each row is its family's best COMPLETE trial
        own = [t for t in selection.study.trials
               if t.params["model"] == row["family"] and t.state is tf.TrialState.COMPLETE]
        assert row["cv_score"] == max(t.value for t in own)
        best = selection.study.trials[row["trial"]]
        assert best.params["model"] == row["family"]
        assert row["params"] == {k.split(".", 1)[1]: v for k, v in best.params.items()
                                 if k != "model"}
        assert row["cv_sem"] == pytest.approx(best.user_attrs["cv"]["sem"]["accuracy"])


def test_defaults_are_enqueued_first(clf, cancer):
    selection, _ = clf
    X, _ = cancer
    families = Families((get_preset("logreg"), get_preset("svc"), RECORDER))
    first = selection.study.trials[:3]
    assert [dict(t.params) for t in first] == [families.default_params(f, X.shape[1])
                                               for f in families.names]
    assert first[1].params["svc.gamma"] == pytest.approx(1 / X.shape[1])  # gamma="scale"
    assert [t.user_attrs["automl_default"] for t in first] == families.names
    assert all("automl_default" not in t.user_attrs for t in selection.study.trials[3:])


def test_holdout_rows_never_enter_the_search(clf, cancer):
    selection, fitted = clf
    split = selection.holdout_split
    assert len(split.holdout_index) == 40 and len(split.search_index) == 160
    assert set(split.holdout_index).isdisjoint(split.search_index)
    seen = set(np.concatenate(fitted).tolist())
    assert seen, "the recorder was never fitted"
    assert seen.isdisjoint(split.holdout_index.tolist())
    assert seen == set(split.search_index.tolist())  # every search row trains some fold
    largest = max(len(rows) for rows in fitted)
    assert largest == len(split.search_index)  # refits use the whole search part only


def test_winner_is_refitted_and_scored_on_the_holdout(clf, cancer):
    selection, _ = clf
    X, y = cancer
    X_hold, y_hold = selection.holdout_split.holdout(X, y)
    metric = resolve_metric("accuracy")
    top = selection.leaderboard[0]
    assert top["holdout_score"] == pytest.approx(metric(selection.best_model, X_hold, y_hold))
    assert all(r["holdout_score"] is not None for r in selection.leaderboard)
    assert isinstance(selection.gap, GapReport)
    assert selection.gap.cv_score == top["cv_score"]
    assert selection.gap.holdout_score == top["holdout_score"]
    # recorded on the study for the dashboard and `tuneforge report`
    stored = selection.study.user_attrs["holdout_check"]
    assert stored["holdout_score"] == top["holdout_score"] and stored["family"] == top["family"]
    assert [f["family"] for f in stored["families"]] == [r["family"] for r in
                                                          selection.leaderboard]
    assert selection.best_params == top["params"]
    fresh = selection.new_estimator()
    assert not hasattr(fresh, "classes_")
    assert fresh.get_params()[f"{'logisticregression' if top['family'] == 'logreg' else 'svc'}"
                              "__C"] == top["params"]["C"]


def test_json_and_table(clf):
    selection, _ = clf
    data = json.loads(json.dumps(selection.to_json()))
    assert data["best_family"] == selection.best_family
    assert data["metric"] == "accuracy" and data["direction"] == "maximize"
    assert [r["family"] for r in data["leaderboard"]] == \
        [r["family"] for r in selection.leaderboard]
    assert data["holdout"]["n_holdout"] == 40
    console = Console(record=True, width=200)
    console.print(selection.table())
    text = console.export_text()
    for row in selection.leaderboard:
        assert row["family"] in text
    assert "hold-out accuracy" in text and selection.gap.message.split(" —")[0] in text


def test_several_metrics_one_optimized_the_rest_recorded(cancer):
    X, y = cancer
    selection = select(X, y, models=["logreg", "knn"], budget=4, cv=3,
                       scoring=["accuracy", "f1_macro", "log_loss"])
    assert selection.metric.name == "accuracy"
    for row in selection.leaderboard:
        best = selection.study.trials[row["trial"]]
        assert row["cv_score"] == best.value
        assert row["cv_recorded"] == {
            m: pytest.approx(best.user_attrs["cv"]["mean"][m]) for m in ("f1_macro", "log_loss")}
        assert 0 < row["cv_recorded"]["log_loss"] < 1 < 1 + row["cv_recorded"]["f1_macro"]
    console = Console(record=True, width=250)
    console.print(selection.table())
    text = console.export_text()
    assert "CV f1_macro" in text and "CV log_loss" in text
    assert json.loads(json.dumps(selection.to_json()))["leaderboard"][0]["cv_recorded"]
    with pytest.raises(ValueError, match="'rmse' is a regression metric"):
        select(X, y, models=["logreg"], budget=1, scoring=["accuracy", "rmse"])


def test_regression_minimizes_rmse(diabetes):
    X, y = diabetes
    assert infer_task(y) == "regression"
    with warnings.catch_warnings():  # a 50-row hold-out's RMSE is noisy; not tested here
        warnings.simplefilter("ignore", OvertuningWarning)
        selection = select(X, y, models=["ridge", "knn_reg"], budget=6, cv=3, holdout=0.25)
    assert selection.task == "regression"
    assert selection.metric.name == "rmse"
    assert selection.study.direction is tf.Direction.MINIMIZE
    scores = [r["cv_score"] for r in selection.leaderboard]
    assert scores == sorted(scores)
    assert 20 < scores[0] < float(np.std(y))  # better than predicting the mean
    assert selection.best_model.predict(X[:5]).shape == (5,)


def test_task_inference():
    assert infer_task(np.array([0, 1, 1, 0])) == "classification"
    assert infer_task(np.array([0.0, 1.0, 2.0, 1.0])) == "classification"
    assert infer_task(np.array(["a", "b", "a"])) == "classification"
    assert infer_task(np.array([0.5, 1.25, 0.5, 3.0])) == "regression"
    assert infer_task(np.arange(100, dtype=float)) == "regression"
    with pytest.raises(ValueError, match="one-dimensional"):
        infer_task(np.zeros((4, 2)))


def test_resume_does_not_enqueue_the_defaults_again(cancer, tmp_path):
    X, y = cancer
    url = f"sqlite:///{tmp_path / 'automl.db'}"
    kw = dict(models=["logreg", "knn"], cv=3, storage=url, study_name="resume", seed=0)
    first = select(X, y, budget=3, **kw)
    again = select(X, y, budget=2, **kw)
    trials = tf.load_study("resume", storage=url).trials
    assert len(trials) == 5 == len(again.study.trials)
    defaults = [t.user_attrs["automl_default"] for t in trials if "automl_default" in t.user_attrs]
    assert defaults == ["logreg", "knn"]
    assert first.holdout_split.holdout_index.tolist() == \
        again.holdout_split.holdout_index.tolist()
    with pytest.raises(TuneforgeError, match="models: stored"):
        select(X, y, budget=1, **{**kw, "models": ["logreg"]})


def test_no_holdout(cancer):
    X, y = cancer
    selection = select(X, y, models=["logreg"], budget=2, cv=3, holdout=None)
    assert selection.gap is None and selection.holdout_split is None
    assert "holdout_check" not in selection.study.user_attrs
    assert selection.leaderboard[0]["holdout_score"] is None
    assert selection.best_model.predict(X).shape == (len(y),)
    assert selection.to_json()["holdout"] is None


def test_errors_name_what_is_wrong(cancer):
    X, y = cancer
    with pytest.raises(UnknownPresetError, match="known presets: .*logreg.*svc"):
        select(X, y, models=["logreg", "nope"], budget=1)
    with pytest.raises(ValueError, match="'svr' is a regression preset.*logreg"):
        select(X, y, models=["svr"], budget=1)
    with pytest.raises(ValueError, match="'rmse' is a regression metric"):
        select(X, y, models=["logreg"], scoring="rmse", budget=1)
    with pytest.raises(ValueError, match="budget"):
        select(X, y, models=["logreg"], budget=0)
    with pytest.raises(ValueError, match="listed twice"):
        select(X, y, models=["logreg", "logreg"], budget=1)


def test_overtuning_is_warned(cancer, monkeypatch):
    X, y = cancer
    bad = GapReport("accuracy", True, 0.99, 0.001, 0.5, 2.0)
    monkeypatch.setattr(select_module, "overtuning_check", lambda *a, **k: bad)
    with pytest.warns(OvertuningWarning, match="over-fit"):
        selection = select(X, y, models=["logreg"], budget=1, cv=3)
    assert selection.gap is bad


def test_overtuning_is_warned_when_the_holdout_disagrees(cancer):
    """The real path: the hold-out rows' features are mirrored around the mean, so the
    search (which never sees them) scores well by CV and the winner fails on the hold-out.
    The labels are untouched, so the stratified split is the one select makes."""
    X, y = cancer
    hold = holdout_split(X, y, test_size=0.2, seed=0).holdout_index
    mirrored = X.copy()
    mirrored[hold] = 2 * X.mean(axis=0) - X[hold]
    with pytest.warns(OvertuningWarning, match="over-fit"):
        selection = select(mirrored, y, models=["logreg"], budget=2, cv=3, seed=0)
    np.testing.assert_array_equal(selection.holdout_split.holdout_index, hold)
    assert selection.gap.overtuned
    assert selection.gap.cv_score > 0.85 and selection.gap.holdout_score < 0.2
    with warnings.catch_warnings():  # the same data without the flip: no warning
        warnings.simplefilter("error", OvertuningWarning)
        assert not select(X, y, models=["logreg"], budget=2, cv=3, seed=0).gap.overtuned


def test_callbacks_can_stop_the_selection(cancer):
    X, y = cancer
    seen = []
    stop = NoiseAwareStopping(patience=2, min_trials=3, threshold=1e9)  # stops at once
    selection = select(X, y, models=["logreg"], budget=20, cv=3, holdout=None,
                       callbacks=[lambda study, trial: seen.append(trial.number), stop])
    assert len(selection.study.trials) == 3 == len(seen)
    assert selection.study.user_attrs["stopped_by"]["rule"] == "NoiseAwareStopping"


def test_nested_select_scores_each_winner_on_rows_its_search_never_saw(cancer, monkeypatch):
    X, y = cancer
    RecordingClassifier.fitted_rows = []
    RecordingClassifier.row_index = {np.ascontiguousarray(r).tobytes(): i
                                     for i, r in enumerate(X)}
    starts = []  # where each fold's fits begin in the recorder's list

    def counting_select(*args, **kwargs):
        starts.append(len(RecordingClassifier.fitted_rows))
        return select(*args, **kwargs)

    monkeypatch.setattr(select_module, "select", counting_select)
    res = nested_select(X, y, outer_cv=3, models=["logreg", RECORDER], budget=4, cv=3,
                        study_name="nested-test")
    assert res.n_folds == 3 and res.metric == "accuracy"
    tests = [set(t.tolist()) for t in res.test_indices]
    assert set().union(*tests) == set(range(len(y))) and sum(map(len, tests)) == len(y)
    assert res.study_names == ("nested-test-outer0", "nested-test-outer1", "nested-test-outer2")
    for p in res.best_params:
        assert p["model"] in ("logreg", "recorder")
    assert 0.8 < res.mean <= 1.0
    # every fit the recorder made inside fold i (its CV fits, and its refit when it won)
    # used none of fold i's outer test rows
    fits = RecordingClassifier.fitted_rows
    assert len(starts) == 3
    bounds = [*starts, len(fits)]
    for i in range(3):
        fold_fits = fits[bounds[i]:bounds[i + 1]]
        assert fold_fits  # the recorder's defaults ran in every fold
        for rows in fold_fits:
            assert not set(rows.tolist()) & tests[i]
    with pytest.raises(TypeError, match="no holdout"):
        nested_select(X, y, holdout=0.2, models=["logreg"], budget=1)
    with pytest.raises(ValueError, match="outer_cv"):
        nested_select(X, y, outer_cv=1, models=["logreg"], budget=1)


def test_convergence_warnings_are_counted_not_printed(cancer):
    X, y = cancer
    mlp = get_preset("mlp")
    quick = Preset("mlp_one_epoch", "classification", mlp.estimator, mlp.space, mlp.defaults,
                   fixed={"max_iter": 1}, scale=True, to_kwargs=mlp.to_kwargs, doc="test")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        selection = select(X, y, models=[quick], budget=1, cv=3, holdout=None)
    assert not [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert selection.study.trials[0].user_attrs["convergence_warnings"] == 3  # one per fold
    assert selection.leaderboard[0]["convergence_warnings"] == 1  # the refit


def test_a_seeded_sampler_seeds_the_selection(cancer):
    """Optuna users seed the sampler: select and nested_select take that seed as the
    study's instead of refusing two seeds."""
    X, y = subsample(*cancer, 120)
    a = select(X, y, models=["logreg"], budget=3, sampler=tf.TPESampler(seed=5))
    b = select(X, y, models=["logreg"], budget=3, seed=5)
    assert a.study.seed == b.study.seed == 5
    assert [t.params for t in a.study.trials] == [t.params for t in b.study.trials]
    res = nested_select(X, y, outer_cv=2, models=["logreg"], budget=2,
                        sampler=tf.TPESampler(seed=5))
    assert res.n_folds == 2
    with pytest.raises(ValueError, match="two seeds"):
        select(X, y, models=["logreg"], budget=2, seed=1, sampler=tf.TPESampler(seed=2))


def test_a_bad_regression_target_is_named_before_any_trial() -> None:
    import pandas as pd

    from tuneforge.storage.memory import InMemoryStorage

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40)})
    y = pd.Series(X["a"] * 2 + rng.normal(size=40) * 0.1, name="price")
    y[7] = np.inf
    storage = InMemoryStorage()
    for task in ("regression", None):
        with pytest.raises(ValueError, match=r"^target column 'price' has 1 infinite value at "
                                             r"row 7 \((search rows|hold-out)\); a regression "
                                             "target must be finite$"):
            select(X, y, task=task, models=["ridge"], budget=2, storage=storage)
    held = select.__globals__["holdout_split"](X, y.where(np.isfinite(y), 0), test_size=0.2,
                                               seed=0).holdout_index
    text = y.astype(object)
    text[7], text[int(held[0])] = 1.0, "n/a kg"
    with pytest.raises(ValueError, match=rf"^target column 'price' has 1 text value \(such as "
                                         rf"'n/a kg'\) at row {int(held[0])} \(hold-out\)"):
        select(X, text, task="regression", models=["ridge"], budget=2, storage=storage)
    with pytest.raises(ValueError, match=r"^y has 1 missing value at row 3 \(search rows\)"):
        select(X.to_numpy(), np.where(np.arange(40) == 3, np.nan, 1.0 * np.arange(40)),
               task="regression", models=["ridge"], budget=2, storage=storage,
               holdout=None)
    assert storage.list_studies() == []  # refused before any study or trial


def test_nested_select_names_a_bad_target_by_the_callers_rows() -> None:
    from tuneforge.automl import nested_select

    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = X[:, 0] * 2.0
    y[25] = -np.inf
    with pytest.raises(ValueError, match=r"^y has 1 infinite value at row 25 "):
        nested_select(X, y, task="regression", models=["ridge"], budget=1, outer_cv=2)
