"""A hold-out the search never touches, and the check that the tuned score holds on it.

Tuning many configurations against the same CV folds over-fits those folds: the best CV
score is optimistically biased. `holdout_split` puts a test part aside *before* any search
(its indices are recorded so tests and users can verify it was never used; on time-ordered
rows it is the latest rows, so no model is tuned on the future of what it is checked on), and
`overtuning_check` compares the winner's CV score with its hold-out score against the noise
of both (the CV standard error over folds and, when given, the hold-out score's own
standard error): a gap beyond that noise is reported as a warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from tuneforge.evaluate.scoring import Metric, _require_sklearn


@dataclass(frozen=True)
class HoldoutSplit:
    """Row indices of the search part and of the hold-out part (disjoint; sorted, or in
    time order for a time-ordered split)."""

    search_index: np.ndarray
    holdout_index: np.ndarray

    def search(self, X: Any, y: Any = None) -> tuple[Any, Any]:
        """The rows the search may use."""
        return _take(X, self.search_index), _take(y, self.search_index)

    def holdout(self, X: Any, y: Any = None) -> tuple[Any, Any]:
        """The rows kept for the final check only."""
        return _take(X, self.holdout_index), _take(y, self.holdout_index)

    def to_json(self) -> dict[str, Any]:
        return {"n_search": int(len(self.search_index)),
                "n_holdout": int(len(self.holdout_index)),
                "holdout_index": [int(i) for i in self.holdout_index]}


def _take(data: Any, idx: np.ndarray) -> Any:
    if data is None:
        return None
    from sklearn.utils import _safe_indexing

    return _safe_indexing(data, idx)


def holdout_split(X: Any, y: Any = None, *, test_size: float = 0.2, stratify: bool | None = None,
                  seed: int = 0, ordered: bool = False, times: Any = None) -> HoldoutSplit:
    """Split rows into a search part and a hold-out part of fraction `test_size`.

    `stratify=None` stratifies when `y` looks like class labels (binary or multiclass).
    Time-ordered rows (`ordered=True`: the rows are in time order; or `times`: one sortable
    time per row) are neither shuffled nor stratified: the hold-out is the latest rows and
    the search part the rows before them, both in time order, and rows sharing a time stay
    on one side (the hold-out's), so no future row leaks into the past.
    """
    _require_sklearn()
    from sklearn.model_selection import train_test_split
    from sklearn.utils.multiclass import type_of_target

    if not (isinstance(test_size, (int, float)) and 0 < test_size < 1):
        raise ValueError(f"test_size must be a fraction in (0, 1), got {test_size!r}")
    n = len(X)
    if n < 4:
        raise ValueError(f"a hold-out needs at least 4 rows, got {n}")
    if ordered or times is not None:
        return _latest_rows(n, test_size, np.arange(n) if times is None else times)
    if stratify is None:
        try:
            stratify = y is not None and type_of_target(y) in ("binary", "multiclass") \
                and bool(np.min(np.unique(np.asarray(y), return_counts=True)[1]) >= 2)
        except ValueError:
            stratify = False
    idx = np.arange(n)
    search, hold = train_test_split(idx, test_size=test_size, random_state=seed,
                                    stratify=np.asarray(y) if stratify else None)
    return HoldoutSplit(np.sort(search), np.sort(hold))


def _latest_rows(n: int, test_size: float, times: Any) -> HoldoutSplit:
    """The last ceil(test_size * n) rows by `times` as the hold-out (grown backwards so
    that no time is on both sides), the earlier rows as the search part."""
    keys = np.asarray(times)
    if keys.shape != (n,):
        raise ValueError(f"times must hold one value per row ({n}), got shape {keys.shape}")
    missing = int(np.isnat(keys).sum()) if keys.dtype.kind in "mM" else \
        int(np.isnan(keys).sum()) if keys.dtype.kind in "fc" else \
        sum(v is None or v != v for v in keys.tolist()) if keys.dtype.kind == "O" else 0
    if missing:
        raise ValueError(f"times has {missing} missing value(s); every row needs a time")
    try:
        order = np.argsort(keys, kind="stable")
    except TypeError as exc:
        raise ValueError(f"times cannot be ordered: {exc}") from None
    cut = n - math.ceil(test_size * n)
    while 0 < cut < n and keys[order[cut - 1]] == keys[order[cut]]:
        cut -= 1
    if cut < 1:
        raise ValueError("times: every row shares the hold-out's first time; no earlier "
                         "rows are left to search on")
    return HoldoutSplit(order[:cut], order[cut:])


@dataclass(frozen=True)
class GapReport:
    """CV score vs hold-out score of the chosen configuration, and whether the gap is
    larger than the noise (`threshold` standard errors of the difference)."""

    metric: str
    greater_is_better: bool
    cv_score: float
    cv_sem: float
    holdout_score: float
    threshold: float
    holdout_sem: float = 0.0

    @property
    def gap(self) -> float:
        """How much worse the hold-out is than CV (positive: worse), in metric units."""
        d = self.cv_score - self.holdout_score
        return d if self.greater_is_better else -d

    @property
    def noise(self) -> float:
        """`threshold` standard errors of (CV score - hold-out score)."""
        if not math.isfinite(self.cv_sem):
            return math.nan
        hold = self.holdout_sem if math.isfinite(self.holdout_sem) else 0.0
        return self.threshold * math.sqrt(self.cv_sem ** 2 + hold ** 2)

    @property
    def holdout_interval(self) -> tuple[float, float] | None:
        """The hold-out score +- 1.96 of its standard error (about 95%); None when the
        standard error is unknown."""
        if not (math.isfinite(self.holdout_sem) and self.holdout_sem > 0):
            return None
        half = 1.96 * self.holdout_sem
        return (self.holdout_score - half, self.holdout_score + half)

    @property
    def overtuned(self) -> bool:
        """True when the hold-out is worse than CV by more than the CV noise allows."""
        return math.isfinite(self.noise) and self.gap > self.noise

    @property
    def message(self) -> str:
        interval = self.holdout_interval
        around = "" if interval is None else \
            f" (95% interval {interval[0]:.4g} to {interval[1]:.4g})"
        base = (f"{self.metric}: CV {self.cv_score:.4g} ± {self.cv_sem:.2g} (s.e.), "
                f"hold-out {self.holdout_score:.4g}{around}")
        if self.overtuned:
            return (base + f" — the hold-out is worse by {self.gap:.3g}, more than "
                    f"{self.threshold:g} standard errors ({self.noise:.3g}): the search "
                    "has likely over-fit its CV folds; trust the hold-out score")
        if not math.isfinite(self.noise):
            return base + " — CV noise unknown (fewer than 2 folds)"
        return base + " — within the noise"

    def to_json(self) -> dict[str, Any]:
        def f(v: float) -> float | None:
            return v if math.isfinite(v) else None

        return {"metric": self.metric, "cv_score": f(self.cv_score), "cv_sem": f(self.cv_sem),
                "holdout_score": f(self.holdout_score), "holdout_sem": f(self.holdout_sem),
                "holdout_interval": None if self.holdout_interval is None
                else [f(v) for v in self.holdout_interval],
                "gap": f(self.gap),
                "noise": f(self.noise), "overtuned": self.overtuned}


def holdout_sem_estimate(cv_sem: float, n_folds: int, n_search: int, n_holdout: int) -> float:
    """The standard error of one score on `n_holdout` rows, from the CV folds' spread.

    A fold's score on n_search / n_folds rows varies with std = cv_sem * sqrt(n_folds);
    a score's variance shrinks as 1 / rows, so on the hold-out
    se = cv_sem * sqrt(n_folds) * sqrt((n_search / n_folds) / n_holdout).
    Small hold-outs are noisy: without this, a 50-row hold-out raises false alarms.
    """
    if n_folds < 2 or n_holdout < 1 or not math.isfinite(cv_sem):
        return math.nan
    return float(cv_sem * math.sqrt(n_search / n_holdout))


def overtuning_check(metric: Metric, cv_score: float, cv_sem: float, holdout_score: float,
                     *, threshold: float = 2.0, holdout_sem: float | None = None) -> GapReport:
    """Compare the winner's CV score (mean, standard error) with its hold-out score; the
    gap must exceed `threshold` standard errors of the difference (CV and, when given,
    hold-out noise combined) to count as over-tuning."""
    hold = 0.0 if holdout_sem is None else float(holdout_sem)
    return GapReport(metric.name, metric.greater_is_better, float(cv_score), float(cv_sem),
                     float(holdout_score), float(threshold), hold)


__all__ = ["GapReport", "HoldoutSplit", "holdout_sem_estimate", "holdout_split",
           "overtuning_check"]
