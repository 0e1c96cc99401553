"""TuneSearchCV(warm_start=...): a past search's best candidates reach the new search's
sampler as a prior (and are tried first by the GP), nothing is cross-validated again, and
bad sources fail before any candidate is fitted."""

from __future__ import annotations

import pytest
from sklearn.linear_model import LogisticRegression

import tuneforge as tf
from tuneforge.exceptions import StudyNotFoundError
from tuneforge.integrations.sklearn import TuneSearchCV
from tuneforge.warmstart import WarmSource, similar_studies

SPACE = {"C": tf.Float(1e-3, 1e2, log=True)}


def _search(**kw):
    return TuneSearchCV(LogisticRegression(max_iter=300), SPACE, cv=3, refit=False, **kw)


def test_the_past_search_is_the_new_searchs_prior_and_is_not_run_again(iris, tmp_path):
    X, y = iris
    url = f"sqlite:///{tmp_path / 's.db'}"
    past = _search(n_trials=6, storage=url, study_name="past", random_state=0).fit(X, y)
    # the catalog recorded the past search, so it is found for the new rows
    found = similar_studies(url, X[::2], y[::2], space=SPACE, min_trials=1)
    assert [s.study_name for s in found] == ["past"]
    new = _search(n_trials=3, storage=url, study_name="new", random_state=1,
                  warm_start=found).fit(X[::2], y[::2])
    prior = new.study_.sampler.prior
    assert prior is not None and len(prior) == 6
    assert {p.source for p in prior.points} == {"past"}
    assert new.study_.system_attrs["warm_start"]["sources"][0][0] == "past"
    # the default sampler (Auto -> GP on a small numeric space) tries the past best first
    first = new.trials_[0]
    assert first.params["C"] == pytest.approx(past.best_params_["C"])
    assert len(new.cv_results_["params"]) == 3  # three new candidates, none re-run
    # the past search is untouched
    assert len(tf.load_study("past", storage=url).trials) == 6


def test_a_tpe_search_uses_the_prior_from_its_first_trial(iris):
    X, y = iris
    storage = tf.InMemoryStorage()
    past = _search(n_trials=8, storage=storage, study_name="past", random_state=0,
                   sampler=tf.RandomSampler(seed=0)).fit(X, y)
    sampler = tf.TPESampler(seed=3, n_startup_trials=10)
    new = _search(n_trials=2, storage=storage, study_name="new", sampler=sampler,
                  warm_start=[WarmSource("past", similarity=0.5)]).fit(X, y)
    prior = new.study_.sampler.prior
    assert prior is not None and {p.weight for p in prior.points} == {0.5}
    assert min(prior.points, key=lambda p: p.rank).params == dict(past.best_params_)
    cold = _search(n_trials=2, storage=storage, study_name="cold",
                   sampler=tf.TPESampler(seed=3, n_startup_trials=10)).fit(X, y)
    assert cold.study_.sampler.prior is None
    # with a prior TPE skips its random start-up: the two searches propose differently
    assert [t.params for t in new.trials_] != [t.params for t in cold.trials_]


def test_bad_warm_starts_fail_before_any_candidate_is_fitted(iris):
    X, y = iris
    storage = tf.InMemoryStorage()
    with pytest.raises(StudyNotFoundError, match="no study named 'nope'"):
        _search(n_trials=2, storage=storage, study_name="a", warm_start=["nope"]).fit(X, y)
    with pytest.raises(TypeError, match="warm_start must be a study name"):
        _search(n_trials=2, storage=storage, study_name="b", warm_start=42).fit(X, y)
    with pytest.raises(ValueError, match="single-objective"):
        TuneSearchCV(LogisticRegression(max_iter=300), SPACE, n_trials=2, cv=3, refit=False,
                     scoring=["accuracy", "f1_macro"], objectives=["accuracy", "f1_macro"],
                     warm_start=["a"]).fit(X, y)
    assert storage.list_studies() == []  # a bad source leaves no empty study behind
    with pytest.raises(ValueError, match="reuse the last fit"):
        _search(n_trials=2, storage=storage, warm_start=True).fit(X, y)
    # False is scikit-learn's "no warm start" (its estimator checks set it): a cold search
    cold = _search(n_trials=2, storage=storage, study_name="c", warm_start=False).fit(X, y)
    assert cold.study_.sampler.prior is None


def test_warm_start_is_a_constructor_parameter_that_clone_keeps():
    from sklearn.base import clone

    search = _search(n_trials=2, warm_start=["past"])
    assert search.get_params()["warm_start"] == ["past"]
    assert clone(search).warm_start == ["past"]
