"""Task meta-features and the distance between tasks."""

import math

import numpy as np
import pytest

from tuneforge.warmstart.meta import VECTOR_NAMES, meta_distance, meta_features, meta_vector


def test_classification_meta_features_count_rows_columns_and_balance():
    X = np.arange(40.0).reshape(10, 4)
    X[0, 0] = np.nan
    y = np.array([0] * 8 + [1] * 2)
    m = meta_features(X, y)
    assert (m["n_rows"], m["n_features"], m["n_numeric"], m["n_categorical"]) == (10, 4, 4, 0)
    assert m["missing_fraction"] == pytest.approx(1 / 40)
    assert m["task"] == "classification" and m["n_classes"] == 2
    assert m["minority_fraction"] == pytest.approx(0.2)
    p = np.array([0.8, 0.2])
    assert m["class_entropy"] == pytest.approx(-(p * np.log(p)).sum() / math.log(2))


def test_regression_target_statistics_and_mixed_columns():
    X = np.array([[1.0, "a"], [2.0, "b"], [3.0, None]], dtype=object)
    y = np.array([0.5, 1.5, 10.25])
    m = meta_features(X, y)
    assert (m["n_numeric"], m["n_categorical"]) == (1, 1)
    assert m["missing_fraction"] == pytest.approx(1 / 6)
    assert m["task"] == "regression"
    assert m["target_mean"] == pytest.approx(y.mean()) and m["target_std"] == pytest.approx(y.std())
    assert m["target_skew"] > 0


def test_dataframes_keep_their_column_types():
    import pandas as pd  # the pandas extra is installed in CI: missing is a failure
    df = pd.DataFrame({"a": [1, 2, 3, 4], "b": ["x", "y", "x", "y"]})
    assert meta_features(df, [0, 1, 0, 1])["n_categorical"] == 1


def test_distance_orders_related_tasks_before_unrelated_ones():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 10))
    y = (X[:, 0] > 0).astype(int)
    full = meta_features(X, y)
    half = meta_features(X[:500], y[:500])
    wide = meta_features(np.hstack([X, X, X])[:50], y[:50])
    reg = meta_features(X, X[:, 0] * 3.3)
    assert meta_distance(full, full) == 0.0
    assert meta_distance(full, half) < meta_distance(full, wide) < meta_distance(full, reg)
    assert meta_distance(full, reg) >= 1.0
    assert len(meta_vector(full)) == len(VECTOR_NAMES)


def test_bad_tables_are_named():
    with pytest.raises(ValueError, match="one value per row"):
        meta_features(np.zeros((3, 2)), [1, 2])
    with pytest.raises(ValueError, match="task must be"):
        meta_features(np.zeros((3, 2)), [1, 2, 3], task="ranking")
    with pytest.raises(ValueError, match="at least one row"):
        meta_features(np.zeros((0, 2)))
