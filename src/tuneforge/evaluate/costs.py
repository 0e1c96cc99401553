"""Cost metrics of a fitted model, to trade against its score: `model_size` (how much it
stores) and `predict_latency` (how long it takes to predict). Both are minimized.

- ``model_size``: the number of stored parameters or nodes of the fitted estimator:
  tree nodes for trees and tree ensembles (summed over the trees, every class's trees of
  a gradient boosting), coefficients and intercepts for linear models, support vectors
  times features plus dual coefficients for SVMs, the stored training matrix for nearest
  neighbours, weights and biases for neural networks; any other estimator counts the
  numbers in its fitted array attributes (names ending in ``_``). A pipeline sums its steps.
- ``predict_latency``: seconds per 1,000 predictions, measured on the scored rows (the
  fastest of three runs of ``predict``, so a stray pause does not count).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

LATENCY_REPEATS = 3


def model_size(estimator: Any) -> int:
    """Stored parameters or nodes of a fitted estimator (module docstring, per family)."""
    steps = getattr(estimator, "steps", None)
    if isinstance(steps, list):  # a Pipeline
        return sum(model_size(step) for _, step in steps if step not in (None, "passthrough"))
    tree = getattr(estimator, "tree_", None)
    if tree is not None and hasattr(tree, "node_count"):
        return int(tree.node_count)
    predictors = getattr(estimator, "_predictors", None)  # HistGradientBoosting
    if isinstance(predictors, list):
        return sum(len(p.nodes) for iteration in predictors for p in iteration)
    members = getattr(estimator, "estimators_", None)
    if members is not None and not isinstance(estimator, type):
        flat = np.asarray(members, dtype=object).ravel()  # GradientBoosting: (n_iter, k)
        if len(flat) and all(hasattr(m, "fit") for m in flat):
            return sum(model_size(m) for m in flat)
    if hasattr(estimator, "coefs_"):  # MLP
        return int(sum(np.size(w) for w in estimator.coefs_) +
                   sum(np.size(b) for b in getattr(estimator, "intercepts_", [])))
    if hasattr(estimator, "support_vectors_"):  # SVM
        return int(np.size(estimator.support_vectors_) + np.size(estimator.dual_coef_) +
                   np.size(getattr(estimator, "intercept_", 0)))
    if hasattr(estimator, "_fit_X"):  # nearest neighbours keep the training rows
        return int(np.size(estimator._fit_X))
    return _fitted_numbers(estimator)


def _fitted_numbers(estimator: Any) -> int:
    """Numbers in the fitted numeric array attributes (``coef_``, ``theta_``, ...)."""
    total = 0
    for name, value in vars(estimator).items():
        if not name.endswith("_") or name.startswith("_") or name == "n_features_in_":
            continue
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            total += int(value.size)  # learned numbers; labels and counters are ints
        elif isinstance(value, float) and name == "intercept_":
            total += 1
    return total


def predict_latency(estimator: Any, X: Any) -> float:
    """Seconds per 1,000 predictions of `estimator` on the rows of `X` (best of
    LATENCY_REPEATS runs)."""
    n = len(X) if hasattr(X, "__len__") else int(np.shape(X)[0])
    if n == 0:
        raise ValueError("predict_latency needs at least one row to predict")
    best = float("inf")
    for _ in range(LATENCY_REPEATS):
        t0 = time.perf_counter()
        estimator.predict(X)
        best = min(best, time.perf_counter() - t0)
    return best * 1000.0 / n


def model_size_scorer(estimator: Any, X: Any, y: Any = None) -> float:
    """`model_size` as a scorer ``(estimator, X, y)`` (the data is not used)."""
    return float(model_size(estimator))


def predict_latency_scorer(estimator: Any, X: Any, y: Any = None) -> float:
    """`predict_latency` as a scorer ``(estimator, X, y)`` on the scored rows."""
    return predict_latency(estimator, X)


COSTS = {"model_size": model_size_scorer, "predict_latency": predict_latency_scorer}

__all__ = ["COSTS", "model_size", "predict_latency"]
