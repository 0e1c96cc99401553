"""select(warm_start=...) and nested_select: a past selection's trials reach the new
study's sampler as a prior; bad sources fail before any model is fitted."""

from __future__ import annotations

import pytest

from tests.conftest import require_module  # noqa: E402

require_module("sklearn", "sklearn")  # skip locally without the extra; fail under CI=true

from sklearn.datasets import load_breast_cancer  # noqa: E402

import tuneforge as tf  # noqa: E402
from tuneforge.automl import nested_select, select  # noqa: E402
from tuneforge.exceptions import StudyNotFoundError  # noqa: E402
from tuneforge.warmstart import WarmSource, WarmStart, similar_studies  # noqa: E402

MODELS = ["logreg", "knn"]


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return X[:240], y[:240]


def test_a_past_selection_is_the_prior_of_the_next(cancer, tmp_path):
    X, y = cancer
    url = f"sqlite:///{tmp_path / 'a.db'}"
    past = select(X[:160], y[:160], models=MODELS, budget=6, cv=3, storage=url,
                  study_name="past", seed=0, holdout=None)
    found = similar_studies(url, X[80:], y[80:], min_trials=1)
    assert [s.study_name for s in found] == ["past"]
    new = select(X[80:], y[80:], models=MODELS, budget=4, cv=3, storage=url, study_name="new",
                 seed=1, holdout=None, warm_start=found)
    prior = new.study.sampler.prior
    assert prior is not None
    assert {p.source for p in prior.points} == {"past"}
    assert len(prior) == len([t for t in past.study.trials if t.value is not None])
    best = min(prior.points, key=lambda p: p.rank)
    assert best.params == dict(past.study.best_params)  # the family and its parameters
    assert new.study.system_attrs["warm_start"]["sources"][0][0] == "past"
    assert len(new.study.trials) == 4  # the past trials were not run again


def test_nested_select_gives_every_fold_the_same_prior(cancer):
    X, y = cancer
    storage = tf.InMemoryStorage()
    select(X, y, models=MODELS, budget=4, cv=3, storage=storage, study_name="past", seed=0,
           holdout=None)
    result = nested_select(X, y, outer_cv=2, models=MODELS, budget=3, cv=3, storage=storage,
                           study_name="nest", warm_start=WarmStart(
                               [WarmSource("past", similarity=0.7)]))
    for name in result.study_names:
        study = tf.load_study(name, storage=storage)
        sources = study.system_attrs["warm_start"]["sources"]
        assert sources == [["past", 0.7]]


def test_bad_warm_starts_fail_before_any_model_is_fitted(cancer):
    X, y = cancer
    storage = tf.InMemoryStorage()
    with pytest.raises(StudyNotFoundError, match="no study named 'gone'"):
        select(X, y, models=MODELS, budget=2, cv=3, storage=storage, study_name="s",
               warm_start="gone")
    with pytest.raises(TypeError, match="warm_start must be a study name"):
        select(X, y, models=MODELS, budget=2, cv=3, storage=storage, warm_start=3.5)
    with pytest.raises(ValueError, match="single-objective"):
        select(X, y, models=MODELS, budget=2, cv=3, storage=storage, warm_start=["s"],
               objectives=["accuracy", "model_size"])
    assert storage.list_studies() == []
