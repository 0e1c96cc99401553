"""The study catalog: the evaluation helpers record their task, and similar_studies
ranks past studies by meta-feature distance and space overlap."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import LogisticRegression, Ridge

import tuneforge as tf
from tuneforge import warmstart
from tuneforge.evaluate import cross_val_objective
from tuneforge.warmstart.catalog import META_ATTR, SPACE_ATTR, dist_overlap, space_overlap

SPACE = {"C": tf.Float(1e-3, 1e3, log=True)}


def _logreg():
    return LogisticRegression(solver="liblinear", max_iter=50)


def _tune(storage, name, X, y, est=None, space=SPACE, n=5):
    obj = cross_val_objective(est or _logreg(), X, y, space=space, cv=2)
    study = tf.create_study(name, storage=storage, direction=obj.direction,
                            sampler=tf.RandomSampler(seed=0))
    study.optimize(obj, n_trials=n)
    return study


def _cancer():
    """Breast cancer in a fixed shuffled order (its file is sorted by nothing useful)."""
    X, y = load_breast_cancer(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    return X[order], y[order]


@pytest.fixture(scope="module")
def storage():
    X, y = _cancer()
    Xd, yd = load_diabetes(return_X_y=True)
    st = tf.InMemoryStorage()
    with np.errstate(all="ignore"):
        _tune(st, "bc-a", X[:300], y[:300])
        _tune(st, "bc-small", X[:60, :5], y[:60])
        _tune(st, "diabetes", Xd, yd, Ridge(), {"alpha": tf.Float(1e-3, 1e3, log=True)})
        tf.create_study("hand-made", storage=st).optimize(
            lambda t: t.suggest_float("C", 0, 1), n_trials=6)
    return st


def test_cross_val_objective_records_the_task_and_space(storage):
    entry = {e.study_name: e for e in warmstart.catalog(storage)}
    assert set(entry) == {"bc-a", "bc-small", "diabetes"}  # hand-made has no task
    meta = entry["bc-a"].meta
    assert meta["n_rows"] == 300 and meta["task"] == "classification"
    assert meta["metric"] == "accuracy"
    assert entry["bc-a"].space == SPACE and entry["bc-a"].n_complete == 5


def test_similar_studies_rank_the_related_task_first(storage):
    X, y = _cancer()
    found = warmstart.similar_studies(storage, X[300:], y[300:], space=SPACE)
    assert [s.study_name for s in found] == ["bc-a", "bc-small"]  # diabetes: regression
    assert found[0].similarity > found[1].similarity
    assert found[0].space_overlap == 1.0 and found[0].distance < found[1].distance
    other = {"C": tf.Float(1.0, 1e3, log=True), "tol": tf.Float(1e-5, 1e-2)}
    narrowed = warmstart.similar_studies(storage, X[300:], y[300:], space=other)
    assert narrowed[0].space_overlap == pytest.approx(0.5 * 0.5)
    assert warmstart.similar_studies(storage, X, y, exclude=["bc-a"], k=1)[0].study_name \
        == "bc-small"


def test_a_retrieved_study_warm_starts_a_new_one(storage):
    X, y = _cancer()
    found = warmstart.similar_studies(storage, X[300:], y[300:], space=SPACE, k=1)
    new = tf.create_study(storage=storage, direction="maximize", warm_start=found)
    assert {p.source for p in new.sampler.prior.points} == {"bc-a"}
    assert {p.weight for p in new.sampler.prior.points} == {found[0].similarity}


def test_overlap_of_distributions():
    assert dist_overlap(tf.Float(0, 10), tf.Float(5, 15)) == pytest.approx(5 / 15)
    assert dist_overlap(tf.Float(1e-3, 1, log=True), tf.Float(1e-2, 10, log=True)) == \
        pytest.approx(2 / 4)
    assert dist_overlap(tf.Categorical(("a", "b")), tf.Categorical(("b", "c"))) == \
        pytest.approx(1 / 3)
    assert dist_overlap(tf.Categorical(("a",)), tf.Float(0, 1)) == 0.0
    assert space_overlap({"a": tf.Int(0, 4)}, {"b": tf.Int(0, 4)}) == 0.0


def test_similar_studies_needs_the_new_task(storage):
    with pytest.raises(ValueError, match="needs the new task"):
        warmstart.similar_studies(storage)


def test_tune_search_cv_records_its_task():
    from tuneforge.integrations.sklearn import TuneSearchCV

    X, y = load_breast_cancer(return_X_y=True)
    st = tf.InMemoryStorage()
    with np.errstate(all="ignore"):
        TuneSearchCV(_logreg(), {"C": SPACE["C"]}, n_trials=2, cv=2,
                     storage=st, study_name="search").fit(X[:100], y[:100])
    study = tf.load_study("search", storage=st)
    assert study.user_attrs[META_ATTR]["n_rows"] == 100
    assert study.user_attrs[SPACE_ATTR] == {"C": SPACE["C"].to_json()}


def test_automl_select_records_its_task_in_the_catalog():
    from tuneforge.automl import select

    X, y = _cancer()
    st = tf.InMemoryStorage()
    with np.errstate(all="ignore"):
        select(X[:150], y[:150], models=["knn"], budget=2, cv=2, storage=st,
               study_name="auto", seed=0)
    entry = warmstart.catalog(st)[0]
    assert entry.study_name == "auto" and entry.meta["task"] == "classification"
    assert entry.meta["n_rows"] == 120  # the search rows (a 20 % hold-out kept out)
    assert entry.n_complete == 2
