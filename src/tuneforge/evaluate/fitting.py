"""Over- and under-fitting from the train and validation scores of a cross-validation.

A model whose training score beats its validation score by more than the fold noise and a
tenth of the score's size has learned its training rows rather than the task
(over-fitting); one whose two scores agree but whose validation score trails the best
model by more than the noise is too simple for the task (under-fitting).
"""

from __future__ import annotations

import math

from tuneforge.evaluate.scoring import Metric

OVERFIT_SHARE = 0.1  # a gap above this share of the score's size is large


def train_gap(metric: Metric, train: float, validation: float) -> float:
    """How much better the training score is than validation (positive: better)."""
    d = train - validation
    return d if metric.greater_is_better else -d


def fit_diagnosis(metric: Metric, train: float, validation: float, sem: float, *,
                  best: float | None = None, best_sem: float | None = None) -> str:
    """``"over-fitting"``, ``"under-fitting"`` (needs `best`, the leading validation score,
    and its standard error) or ``"ok"``; ``"unknown"`` without finite scores."""
    if not (math.isfinite(train) and math.isfinite(validation)):
        return "unknown"
    noise = 2.0 * sem if math.isfinite(sem) else 0.0
    gap = train_gap(metric, train, validation)
    size = max(abs(train), abs(validation))
    if gap > max(noise, OVERFIT_SHARE * size):
        return "over-fitting"
    if best is not None and math.isfinite(best):
        other = 2.0 * best_sem if best_sem is not None and math.isfinite(best_sem) else 0.0
        behind = train_gap(metric, best, validation)  # how far validation trails the best
        if behind > max(noise, other) and behind > 0.02 * max(abs(best), 1e-12):
            return "under-fitting"
    return "ok"


__all__ = ["OVERFIT_SHARE", "fit_diagnosis", "train_gap"]
