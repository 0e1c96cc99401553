"""Shared data and settings for the scikit-learn search tests."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def one_blas_thread():
    """Tiny fits on a shared machine: BLAS threads only add contention."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="session")
def iris():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    return X, y


@pytest.fixture(scope="session")
def regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + rng.normal(scale=0.5, size=80)
    return X, y
