"""Nested CV: the inner search never sees the outer-test rows; results add up; seeds replay."""

import numpy as np
import pytest

from tests.conftest import require_module

require_module("sklearn", "sklearn")

from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402
from sklearn.datasets import make_classification, make_regression  # noqa: E402
from sklearn.linear_model import Ridge, RidgeClassifier  # noqa: E402

import tuneforge as tf  # noqa: E402
from tuneforge.evaluate.nested import nested_cv  # noqa: E402

LOG: list[tuple[str, frozenset]] = []  # (fit | predict, row ids): clones share it


class RowRecorder(ClassifierMixin, BaseEstimator):
    """A ridge classifier that logs which rows (column 0 holds the row id) it sees."""

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def fit(self, X, y):
        LOG.append(("fit", frozenset(X[:, 0].astype(int).tolist())))
        self.model_ = RidgeClassifier(alpha=self.alpha).fit(X[:, 1:], y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        LOG.append(("predict", frozenset(X[:, 0].astype(int).tolist())))
        return self.model_.predict(X[:, 1:])


SPACE = {"alpha": tf.Float(1e-3, 1e2, log=True)}


def data(n=60):
    X, y = make_classification(n_samples=n, n_features=4, random_state=0)
    return np.column_stack([np.arange(n), X]), y


def run(seed=0, **kw):
    LOG.clear()
    X, y = data()
    result = nested_cv(RowRecorder(), SPACE, X, y, outer_cv=3, inner_cv=2, n_trials=4,
                       seed=seed, **kw)
    return result, list(LOG)


def test_outer_test_rows_are_never_seen_by_the_inner_search():
    result, log = run()
    everything = frozenset(range(60))
    folds = [(everything - frozenset(t.tolist()), frozenset(t.tolist()))
             for t in result.test_indices]
    k, i, inner_fits = 0, 0, [0, 0, 0]
    while i < len(log):
        kind, rows = log[i]
        train, test = folds[k]
        if kind == "fit" and rows == train and log[i + 1] == ("predict", test):
            k, i = k + 1, i + 2  # the winner refit on outer-train, scored on outer-test
            continue
        assert rows <= train and not rows & test, (k, kind, sorted(rows & test))
        inner_fits[k] += kind == "fit"
        i += 1
    assert k == 3  # every outer fold was refit and scored once, in order
    assert inner_fits == [4 * 2] * 3  # n_trials x inner folds, all on outer-train rows


def test_result_fields_are_consistent():
    result, _ = run()
    assert result.n_folds == 3 and result.metric == "accuracy" and result.greater_is_better
    both = np.sort(np.concatenate(result.test_indices))
    np.testing.assert_array_equal(both, np.arange(60))
    assert result.mean == pytest.approx(np.mean(result.outer_scores))
    assert result.std == pytest.approx(np.std(result.outer_scores))
    assert result.sem == pytest.approx(np.std(result.outer_scores, ddof=1) / np.sqrt(3))
    assert result.optimism == pytest.approx(np.mean(result.inner_best_scores) - result.mean)
    for params in result.best_params:
        assert SPACE["alpha"].contains(params["alpha"])
    assert len(set(result.study_names)) == 3
    out = result.to_json()
    assert out["outer_scores"] == list(result.outer_scores)
    assert sorted(i for idx in out["test_indices"] for i in idx) == list(range(60))
    assert "optimism" in result.message


def test_reproducible_with_a_seed():
    a, log_a = run(seed=7)
    b, log_b = run(seed=7)
    assert a.best_params == b.best_params and a.outer_scores == b.outer_scores
    assert a.inner_best_scores == b.inner_best_scores and log_a == log_b
    c, _ = run(seed=8, sampler_factory=lambda s: tf.RandomSampler(seed=s))
    d, _ = run(seed=8, sampler_factory=lambda s: tf.RandomSampler(seed=s))
    assert c.best_params == d.best_params
    assert c.best_params != a.best_params  # a continuous parameter: other seeds, other draws


def test_minimized_metric_and_factory():
    X, y = make_regression(n_samples=60, n_features=3, noise=5.0, random_state=1)

    def factory(trial):
        return Ridge(alpha=trial.suggest_float("alpha", 1e-3, 1e2, log=True))

    result = nested_cv(factory, None, X, y, outer_cv=3, inner_cv=2, scoring="rmse",
                       n_trials=3, seed=0)
    assert not result.greater_is_better and all(s > 0 for s in result.outer_scores)
    assert result.optimism == pytest.approx(result.mean - np.mean(result.inner_best_scores))


def test_storage_keeps_the_fold_studies(tmp_path):
    url = f"sqlite:///{tmp_path / 'nested.db'}"
    result, _ = run(storage=url)
    for name, params in zip(result.study_names, result.best_params, strict=True):
        study = tf.load_study(name, storage=url)
        assert len(study.trials) == 4 and study.best_params == params
