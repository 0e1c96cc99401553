"""GridSearchCV and RandomSearchCV: scikit-learn's signatures and results."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import loguniform, norm, randint, uniform
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV as SkGridSearchCV
from sklearn.model_selection import RandomizedSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

import tuneforge as tf
from tuneforge.integrations.sklearn import GridSearchCV, RandomSearchCV
from tuneforge.integrations.sklearn.scipy_stats import to_distribution


def assert_same_search(ours, theirs):
    assert ours.cv_results_["params"] == theirs.cv_results_["params"]
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"],
                               theirs.cv_results_["mean_test_score"])
    np.testing.assert_array_equal(ours.cv_results_["rank_test_score"],
                                  theirs.cv_results_["rank_test_score"])
    assert ours.best_params_ == theirs.best_params_
    assert ours.best_index_ == theirs.best_index_
    assert ours.best_score_ == pytest.approx(theirs.best_score_)


def test_signatures_match_scikit_learn():
    import inspect

    for ours, theirs in ((GridSearchCV, SkGridSearchCV),
                         (RandomSearchCV, RandomizedSearchCV)):
        mine = inspect.signature(ours).parameters
        shared = {n: p for n, p in inspect.signature(theirs).parameters.items() if n in mine}
        assert set(mine) - set(shared) == {"storage", "study_name", "callbacks"}
        assert set(shared) == set(inspect.signature(theirs).parameters)
        assert list(shared) == [n for n in mine if n in shared]  # same order
        for name, param in shared.items():
            assert mine[name].kind == param.kind, name
            if name != "error_score":  # nan != nan
                assert mine[name].default == param.default, name


def test_code_written_for_scikit_learn_runs_unchanged(iris):
    """Every keyword scikit-learn takes is accepted (pre_dispatch included) and gives the
    same search."""
    X, y = iris
    kw = dict(scoring="accuracy", n_jobs=None, refit=True, cv=3, verbose=0,
              pre_dispatch="2*n_jobs", error_score=np.nan, return_train_score=False)
    grid = {"C": [0.1, 1.0]}
    ours = GridSearchCV(LogisticRegression(max_iter=300), grid, **kw).fit(X, y)
    theirs = SkGridSearchCV(LogisticRegression(max_iter=300), grid, **kw).fit(X, y)
    assert_same_search(ours, theirs)
    assert ours.get_params()["pre_dispatch"] == "2*n_jobs"
    rs = RandomSearchCV(LogisticRegression(max_iter=300), {"C": uniform(0.1, 1.0)}, n_iter=2,
                        random_state=0, **kw).fit(X, y)
    assert len(rs.cv_results_["params"]) == 2


def test_random_search_over_lists_draws_distinct_points(iris):
    """All lists: candidates are distinct points of the grid (scikit-learn's behaviour),
    the same ones for the same random_state; more than the grid holds warns and runs it
    all."""
    X, y = iris
    space = {"C": [0.01, 0.1, 1.0, 10.0], "fit_intercept": [True, False]}

    def params(n_iter, seed):
        rs = RandomSearchCV(LogisticRegression(max_iter=300), space, n_iter=n_iter, cv=3,
                            random_state=seed).fit(X, y)
        return [tuple(sorted(p.items())) for p in rs.cv_results_["params"]]

    for seed in range(5):
        got = params(6, seed)
        assert len(got) == 6 == len(set(got))
    assert params(6, 3) == params(6, 3)
    assert params(6, 3) != params(6, 4)
    with pytest.warns(UserWarning, match="has 8 points, fewer than n_iter=10"):
        got = params(10, 0)
    assert len(got) == 8 == len(set(got))
    # several dicts of lists: distinct points across the branches
    branches = [{"C": [0.1, 1.0], "tol": [1e-3]}, {"C": [0.1, 1.0, 10.0]}]
    rs = RandomSearchCV(LogisticRegression(max_iter=300), branches, n_iter=5, cv=3,
                        random_state=0).fit(X, y)
    got = [tuple(sorted(p.items())) for p in rs.cv_results_["params"]]
    assert len(got) == 5 == len(set(got))


def test_grid_search_matches_scikit_learn(iris):
    X, y = iris
    grid = {"C": [0.01, 0.1, 1.0, 10.0], "fit_intercept": [True, False]}
    ours = GridSearchCV(LogisticRegression(max_iter=300), grid, cv=3).fit(X, y)
    theirs = SkGridSearchCV(LogisticRegression(max_iter=300), grid, cv=3).fit(X, y)
    assert_same_search(ours, theirs)
    assert {t.system_attrs["sampler"] for t in ours.trials_} == {"GridSampler"}


def test_grid_search_list_of_grids_matches_scikit_learn(iris):
    X, y = iris
    grid = [{"kernel": ["linear"], "C": [0.1, 1.0]},
            {"kernel": ["rbf"], "C": [0.1, 1.0], "gamma": np.array([0.1, 1.0])}]
    ours = GridSearchCV(SVC(), grid, cv=3).fit(X, y)
    theirs = SkGridSearchCV(SVC(), grid, cv=3).fit(X, y)
    assert_same_search(ours, theirs)
    np.testing.assert_array_equal(ours.cv_results_["param_gamma"].mask,
                                  theirs.cv_results_["param_gamma"].mask)


def test_grid_of_estimator_objects(iris):
    X, y = iris
    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    grid = {"clf": [LogisticRegression(max_iter=300), DecisionTreeClassifier(max_depth=2,
                                                                            random_state=0)],
            "scale": ["passthrough", StandardScaler()]}
    ours = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    theirs = SkGridSearchCV(pipe, grid, cv=3).fit(X, y)
    for mine, their in zip(ours.cv_results_["params"], theirs.cv_results_["params"],
                           strict=True):
        assert [type(v) for v in mine.values()] == [type(v) for v in their.values()]
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"],
                               theirs.cv_results_["mean_test_score"])
    assert all(isinstance(t.params["clf"], str) for t in ours.trials_)  # stored by label
    assert type(ours.best_estimator_.named_steps["clf"]) is type(theirs.best_params_["clf"])
    assert ours.best_params_["clf"] is not ours.best_estimator_.named_steps["clf"]  # a clone


def test_grid_values_must_be_lists(iris):
    X, y = iris
    with pytest.raises(tf.SearchSpaceError, match="'C' needs a list.*wrap a single value"):
        GridSearchCV(LogisticRegression(), {"C": 1.0}).fit(X, y)


def test_random_search_is_reproducible(iris):
    X, y = iris
    dists = {"C": loguniform(1e-2, 1e2), "max_iter": randint(200, 210),
             "tol": uniform(1e-4, 1e-3), "fit_intercept": [True, False]}

    def run(seed):
        search = RandomSearchCV(LogisticRegression(), dists, n_iter=3, cv=2,
                                random_state=seed).fit(X, y)
        return search.cv_results_["params"]

    first, again, other = run(7), run(7), run(8)
    assert first == again and first != other
    for p in first + other:
        assert 1e-2 <= p["C"] <= 1e2
        assert isinstance(p["max_iter"], int) and 200 <= p["max_iter"] <= 209
        assert 1e-4 <= p["tol"] <= 1.1e-3


@pytest.mark.parametrize("frozen, expected", [
    (loguniform(1e-2, 1e2), tf.Float(1e-2, 1e2, log=True)),
    (uniform(1.0, 2.0), tf.Float(1.0, 3.0)),
    (uniform(loc=-1.0, scale=0.5), tf.Float(-1.0, -0.5)),
    (randint(3, 8), tf.Int(3, 7)),
])
def test_scipy_distributions_map_to_tuneforge(frozen, expected):
    assert to_distribution("p", frozen) == (expected, None)


def test_unsupported_scipy_distribution_names_the_parameter():
    with pytest.raises(tf.SearchSpaceError, match="parameter 'alpha'.*norm"):
        to_distribution("alpha", norm(0, 1))
    with pytest.raises(tf.SearchSpaceError, match="parameter 'alpha'.*loc"):
        to_distribution("alpha", loguniform(1e-2, 1.0, loc=1.0))
