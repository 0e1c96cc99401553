"""Per-feature drift tests: Kolmogorov-Smirnov for numbers, chi-square for categories,
PSI and an effect size for both; p-values adjusted over all features."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tuneforge.drift.report import FeatureDrift
from tuneforge.drift.table import as_float, category_labels
from tuneforge.math.drift import (
    bh_adjust,
    binned_counts,
    chi2_test,
    holm_adjust,
    ks_test,
    psi,
    quantile_edges,
)

CORRECTIONS = ("bh", "holm", "none")


def numeric_drift(name: str, ref: np.ndarray, cur: np.ndarray,
                  n_bins: int) -> tuple[str, float, float, float, float]:
    """(test, statistic, p, psi, effect) of one numeric feature: KS, PSI on the
    reference's quantile bins, and the mean shift in reference standard deviations."""
    a, b = as_float(ref), as_float(cur)
    stat, p = ks_test(a, b)
    edges = quantile_edges(a, n_bins)
    value = psi(binned_counts(a, edges), binned_counts(b, edges))
    fa, fb = a[np.isfinite(a)], b[np.isfinite(b)]
    sd = float(fa.std()) if len(fa) > 1 else 0.0
    effect = float((fb.mean() - fa.mean()) / sd) if sd > 0 and len(fb) else 0.0
    return "ks", stat, p, value, effect


def categorical_drift(name: str, ref: np.ndarray,
                      cur: np.ndarray) -> tuple[str, float, float, float, float]:
    """(test, statistic, p, psi, effect) of one categorical feature: chi-square of
    homogeneity, PSI over the categories, and the largest change of a category's share."""
    a, b = category_labels(ref), category_labels(cur)
    cats = sorted(set(a) | set(b))
    index = {c: i for i, c in enumerate(cats)}
    ca = np.bincount([index[v] for v in a], minlength=len(cats)).astype(float)
    cb = np.bincount([index[v] for v in b], minlength=len(cats)).astype(float)
    stat, p = chi2_test(ca, cb)
    effect = float(np.max(np.abs(cb / max(cb.sum(), 1) - ca / max(ca.sum(), 1))))
    return "chi2", stat, p, psi(ca, cb), effect


def feature_drifts(names: Sequence[str], refs: Sequence[np.ndarray],
                   curs: Sequence[np.ndarray], cats: Sequence[bool], *, alpha: float,
                   correction: str, n_bins: int,
                   psi_threshold: float | None) -> list[FeatureDrift]:
    """Every feature's test, with p-values adjusted by `correction` ("bh":
    Benjamini-Hochberg, false discovery rate; "holm": family-wise error; "none"). A
    feature drifted when its adjusted p <= alpha (and its PSI >= `psi_threshold`, when
    given: a shift too small to matter is then not reported)."""
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {CORRECTIONS}, got {correction!r}")
    rows = [categorical_drift(n, r, c) if cat else numeric_drift(n, r, c, n_bins)
            for n, r, c, cat in zip(names, refs, curs, cats, strict=True)]
    p = np.array([row[2] for row in rows])
    adjusted = bh_adjust(p) if correction == "bh" else holm_adjust(p) \
        if correction == "holm" else p
    out = []
    for n, cat, row, q in zip(names, cats, rows, adjusted, strict=True):
        test, stat, raw, value, effect = row
        drifted = bool(q <= alpha) and (psi_threshold is None or value >= psi_threshold)
        out.append(FeatureDrift(n, "categorical" if cat else "numeric", test, float(stat),
                                float(raw), float(q), float(value), float(effect), drifted))
    return out


__all__ = ["CORRECTIONS", "categorical_drift", "feature_drifts", "numeric_drift"]
