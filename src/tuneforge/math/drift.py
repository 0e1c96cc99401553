"""Two-sample statistics for data drift: pure numpy/scipy over arrays.

Kolmogorov-Smirnov for numbers, chi-square and the population stability index (PSI)
for categories and binned numbers, adjusted p-values for many features at once
(Benjamini-Hochberg 1995, Holm 1979), the rank AUC of a score and a one-sided test of a
mean increase (Welch 1947).
"""

from __future__ import annotations

import math

import numpy as np

from .arrays import FloatArray

PSI_FLOOR = 1e-4  # empty bins count as this share, so PSI stays finite


def ks_test(reference: FloatArray, current: FloatArray) -> tuple[float, float]:
    """(D, p-value) of the two-sample Kolmogorov-Smirnov test on finite values (n,), (m,)."""
    from scipy.stats import ks_2samp

    a = np.asarray(reference, float)
    b = np.asarray(current, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) == 0 or len(b) == 0:
        return 0.0, 1.0
    res = ks_2samp(a, b)
    return float(res.statistic), float(res.pvalue)


def quantile_edges(reference: FloatArray, n_bins: int = 10) -> FloatArray:
    """Inner bin edges (<= n_bins - 1,) at the reference's quantiles (ties merged)."""
    a = np.asarray(reference, float)
    a = a[np.isfinite(a)]
    if len(a) == 0:
        return np.empty(0)
    edges: FloatArray = np.unique(np.quantile(a, np.linspace(0, 1, n_bins + 1)[1:-1]))
    return edges


def binned_counts(values: FloatArray, edges: FloatArray) -> FloatArray:
    """Counts (len(edges) + 2,) of finite values per bin, then of missing ones."""
    v = np.asarray(values, float)
    ok = np.isfinite(v)
    counts = np.bincount(np.searchsorted(edges, v[ok], side="right"),
                         minlength=len(edges) + 1).astype(float)
    return np.append(counts, float((~ok).sum()))


def psi(reference_counts: FloatArray, current_counts: FloatArray) -> float:
    """Population stability index sum (c - r) ln(c / r) over the bins' shares (k,);
    0 = the same; about 0.1 is a small, 0.25 a large shift (a common rule of thumb)."""
    r = np.asarray(reference_counts, float)
    c = np.asarray(current_counts, float)
    r = np.maximum(r / max(r.sum(), 1.0), PSI_FLOOR)
    c = np.maximum(c / max(c.sum(), 1.0), PSI_FLOOR)
    return float(np.sum((c - r) * np.log(c / r)))


def chi2_test(reference_counts: FloatArray, current_counts: FloatArray) -> tuple[float, float]:
    """(chi-square, p-value) of homogeneity of two count vectors (k,) over categories
    (those empty in both dropped; one category left: no evidence, p = 1)."""
    from scipy.stats import chi2_contingency

    table = np.vstack([np.asarray(reference_counts, float), np.asarray(current_counts, float)])
    table = table[:, table.sum(0) > 0]
    if table.shape[1] < 2 or np.any(table.sum(1) == 0):
        return 0.0, 1.0
    stat, p, _, _ = chi2_contingency(table, correction=False)
    return float(stat), float(p)


def bh_adjust(p_values: FloatArray) -> FloatArray:
    """Benjamini-Hochberg adjusted p-values (n,): reject those <= alpha to keep the
    false discovery rate at alpha (independent or positively dependent tests)."""
    p = np.asarray(p_values, float)
    n = len(p)
    if n == 0:
        empty: FloatArray = np.empty(0)
        return empty
    order = np.argsort(p)
    scaled = p[order] * n / np.arange(1, n + 1)
    scaled = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(scaled, 1.0)
    return out


def holm_adjust(p_values: FloatArray) -> FloatArray:
    """Holm step-down adjusted p-values (n,): reject those <= alpha to keep the
    family-wise error rate at alpha under any dependence."""
    p = np.asarray(p_values, float)
    n = len(p)
    if n == 0:
        empty: FloatArray = np.empty(0)
        return empty
    order = np.argsort(p)
    scaled = np.maximum.accumulate(p[order] * (n - np.arange(n)))
    out = np.empty(n)
    out[order] = np.minimum(scaled, 1.0)
    return out


def rank_auc(scores: FloatArray, labels: FloatArray) -> float:
    """Area under the ROC curve of `scores` (n,) for binary `labels` (n,) from ranks
    (the Mann-Whitney U over n1 n0; ties count one half)."""
    from scipy.stats import rankdata

    s = np.asarray(scores, float)
    y = np.asarray(labels).astype(bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return 0.5
    ranks = rankdata(s)
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def binomial_greater(successes: int, trials: int, p0: float = 0.5) -> float:
    """P(X >= successes) for X ~ Binomial(trials, p0): the one-sided p-value of a
    classifier doing better than chance."""
    from scipy.stats import binom

    if trials <= 0:
        return 1.0
    return float(binom.sf(successes - 1, trials, p0))


def mean_increase_test(reference: FloatArray, current: FloatArray,
                       margin: float = 0.0) -> tuple[float, float]:
    """(mean(current) - mean(reference), one-sided p-value that it exceeds `margin`)
    by Welch's t-test: is the current loss per row higher than before?"""
    from scipy.stats import t as student_t

    a = np.asarray(reference, float)
    b = np.asarray(current, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        return float(b.mean() - a.mean()) if len(a) and len(b) else 0.0, 1.0
    diff = float(b.mean() - a.mean())
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return diff, 0.0 if diff > margin else 1.0
    df = (va + vb) ** 2 / ((va ** 2 / (len(a) - 1) if va else 0.0)
                           + (vb ** 2 / (len(b) - 1) if vb else 0.0) or 1e-300)
    return diff, float(student_t.sf((diff - margin) / se, df))


__all__ = ["PSI_FLOOR", "bh_adjust", "binned_counts", "binomial_greater", "chi2_test",
           "holm_adjust", "ks_test", "mean_increase_test", "psi", "quantile_edges",
           "paired_improvement", "rank_auc"]


def paired_improvement(champion: FloatArray, challenger: FloatArray) -> tuple[float, float, str]:
    """(mean loss saved per row, one-sided p-value, test) for a challenger's losses (n,)
    against a champion's on the same rows: the exact McNemar test on the rows where
    exactly one is wrong when the losses are 0/1, else a paired t-test on the
    differences. Small p: the challenger is better beyond chance."""
    from scipy.stats import t as student_t

    a = np.asarray(champion, float)
    b = np.asarray(challenger, float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"paired losses need equal 1-D shapes, got {a.shape} and {b.shape}")
    d = a - b
    saved = float(d.mean()) if len(d) else 0.0
    if np.isin(a, (0.0, 1.0)).all() and np.isin(b, (0.0, 1.0)).all():
        wins, losses = int(((a == 1) & (b == 0)).sum()), int(((a == 0) & (b == 1)).sum())
        return saved, binomial_greater(wins, wins + losses), "mcnemar"
    if len(d) < 2:
        return saved, 1.0, "paired-t"
    sd = float(d.std(ddof=1))
    if sd == 0:
        return saved, 0.0 if saved > 0 else 1.0, "paired-t"
    return saved, float(student_t.sf(saved / (sd / math.sqrt(len(d))), len(d) - 1)), "paired-t"
