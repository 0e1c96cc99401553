"""Performance drop: is the model's loss per row higher on the current labelled rows?"""

from __future__ import annotations

from typing import Any

import numpy as np

from tuneforge.drift.report import PerformanceDrop
from tuneforge.math.drift import mean_increase_test


def row_losses(model: Any, X: Any, y: Any, loss: str) -> np.ndarray:
    """Loss per row: "error" (1 when the predicted class is wrong) or "squared_error"."""
    pred = np.asarray(model.predict(X))
    truth = np.asarray(y)
    if len(pred) != len(truth):
        raise ValueError(f"drift: {len(truth)} labels for {len(pred)} rows")
    if loss == "error":
        out: np.ndarray = (pred != truth).astype(float)
        return out
    if loss == "squared_error":
        sq: np.ndarray = (pred.astype(float) - truth.astype(float)) ** 2
        return sq
    raise ValueError(f"loss must be 'error', 'squared_error' or 'auto', got {loss!r}")


def performance_drop(model: Any, X_reference: Any, y_reference: Any, X_current: Any,
                     y_current: Any, *, loss: str = "auto", margin: float = 0.0,
                     alpha: float = 0.05) -> PerformanceDrop:
    """Whether a fitted `model` does worse on the current rows than on the reference
    rows: a one-sided Welch test that the mean loss per row rose by more than `margin`
    ("auto": error rate for a classifier, squared error otherwise). Use reference rows
    the model was not trained on (a hold-out), or its training loss flatters it."""
    if loss == "auto":
        from sklearn.base import is_classifier

        loss = "error" if is_classifier(model) else "squared_error"
    ref = row_losses(model, X_reference, y_reference, loss)
    cur = row_losses(model, X_current, y_current, loss)
    diff, p = mean_increase_test(ref, cur, margin)
    return PerformanceDrop(loss, float(ref.mean()), float(cur.mean()), diff, p,
                           bool(p <= alpha))


__all__ = ["performance_drop", "row_losses"]
