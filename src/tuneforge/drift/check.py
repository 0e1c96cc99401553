"""`check(reference, current)`: every drift test in one call, one report."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tuneforge.drift.features import feature_drifts
from tuneforge.drift.joint import classifier_test
from tuneforge.drift.performance import performance_drop
from tuneforge.drift.report import DriftReport, PerformanceDrop
from tuneforge.drift.table import paired_tables


def check(reference: Any, current: Any, *, categorical: Sequence[str] | None = None,
          alpha: float = 0.05, correction: str = "bh", n_bins: int = 10,
          psi_threshold: float | None = None, joint: bool = True, cv: int = 5,
          permutations: int = 0, max_rows: int = 2000, seed: int = 0,
          model: Any = None, reference_labels: Any = None, current_labels: Any = None,
          loss: str = "auto", margin: float = 0.0) -> DriftReport:
    """Compare a `current` table with a `reference` one (DataFrames with the same
    columns, or 2-D arrays): per feature (KS for numbers, chi-square for columns in
    `categorical`, default: the non-numeric ones; PSI for both), p-values adjusted over
    the features by `correction` ("bh" false discovery rate, "holm" family-wise error,
    "none"); with `joint`, the classifier two-sample test (`drift.joint`); with a fitted
    `model` and both tables' labels, the performance drop (`drift.performance`)."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    names, refs, curs, cats = paired_tables(reference, current, categorical)
    features = feature_drifts(names, refs, curs, cats, alpha=alpha, correction=correction,
                              n_bins=n_bins, psi_threshold=psi_threshold)
    notes: list[str] = []
    joint_result = None
    if joint:
        try:
            joint_result = classifier_test(names, refs, curs, cats, alpha=alpha, cv=cv,
                                           permutations=permutations, max_rows=max_rows,
                                           seed=seed)
        except ValueError as exc:
            notes.append(f"joint test skipped: {exc}")
    perf: PerformanceDrop | None = None
    if model is not None:
        if reference_labels is None or current_labels is None:
            raise ValueError("drift.check(model=...) needs reference_labels and "
                             "current_labels to compare the model's loss")
        perf = performance_drop(model, reference, reference_labels, current, current_labels,
                                loss=loss, margin=margin, alpha=alpha)
    return DriftReport(tuple(features), alpha, correction, len(refs[0]), len(curs[0]),
                       joint_result, perf, tuple(notes))


__all__ = ["check"]
