"""`cv_results_` in scikit-learn's format, built from the trials' stored fold scores.

Rows are the evaluated trials in number order. Scores are in scikit-learn's convention
(greater is better; losses negated). Folds a trial did not run (it was pruned) are NaN, so
its mean and std are NaN and it ranks last, tied with failed candidates, as scikit-learn
ranks NaN means.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.ma import MaskedArray
from scipy.stats import rankdata

from tuneforge.integrations.sklearn.metrics import ScoringPlan
from tuneforge.integrations.sklearn.objective import CV_ATTR
from tuneforge.trial.records import TrialRecord


def _number(value: Any) -> float:
    """A stored score back to a float: null -> NaN, "inf"/"-inf" -> infinities."""
    if value is None:
        return math.nan
    return float(value)


def _folds(values: Sequence[Any] | None, n_splits: int) -> list[float]:
    row = [_number(v) for v in (values or [])][:n_splits]
    return row + [math.nan] * (n_splits - len(row))


def fold_matrix(records: Sequence[TrialRecord], field: str, n_splits: int,
                key: str | None = None) -> np.ndarray:
    """(trials x folds) of one stored list (``fit_times``) or one metric's scores
    (``scores``/``train_scores`` with `key`); NaN where a fold did not run."""
    rows = []
    for record in records:
        data = record.user_attrs.get(CV_ATTR, {}).get(field)
        if key is not None:
            data = (data or {}).get(key)
        rows.append(_folds(data, n_splits))
    return np.array(rows, dtype=np.float64).reshape(len(records), n_splits)


def rank(means: np.ndarray) -> np.ndarray:
    """Rank 1 = best (greatest); ties share the lowest rank; NaN ranks after all."""
    if means.size == 0 or np.isnan(means).all():
        return np.ones(means.shape, dtype=np.int32)
    worst = np.nanmin(means) - 1.0
    filled = np.where(np.isnan(means), worst, means)
    return rankdata(-filled, method="min").astype(np.int32)


def param_columns(params: Sequence[Mapping[str, Any]]) -> dict[str, MaskedArray]:
    """``param_<name>``: a masked array per parameter, masked where a candidate lacks it;
    numeric dtype when the values allow one, else object."""
    names: list[str] = []
    for p in params:
        names += [n for n in p if n not in names]
    out = {}
    for name in names:
        present = [i for i, p in enumerate(params) if name in p]
        values = [params[i][name] for i in present]
        dtype: Any = object
        try:
            probe = np.array(values)
        except ValueError:  # ragged sequences
            probe = None
        if probe is not None and probe.ndim == 1 and probe.dtype.kind not in "OUS":
            dtype = probe.dtype
        column = MaskedArray(np.empty(len(params), dtype=dtype), mask=True)
        for i, value in zip(present, values, strict=True):
            column[i] = value
        out[f"param_{name}"] = column
    return out


def _mean_std(matrix: np.ndarray, *, skip_nan: bool = False) -> tuple[np.ndarray, np.ndarray]:
    if matrix.shape[0] == 0:
        return np.empty(0), np.empty(0)
    if not skip_nan:
        return matrix.mean(axis=1), matrix.std(axis=1)
    with warnings.catch_warnings():  # a row with no fold at all: NaN, quietly
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(matrix, axis=1), np.nanstd(matrix, axis=1)


def cv_results(records: Sequence[TrialRecord], params: Sequence[Mapping[str, Any]],
               plan: ScoringPlan, n_splits: int, return_train_score: bool) -> dict[str, Any]:
    """The `cv_results_` dict of these trials (times are over the folds that ran)."""
    results: dict[str, Any] = {}
    for field, name in (("fit_times", "fit_time"), ("score_times", "score_time")):
        mean, std = _mean_std(fold_matrix(records, field, n_splits), skip_nan=True)
        results[f"mean_{name}"], results[f"std_{name}"] = mean, std
    results.update(param_columns(params))
    results["params"] = [dict(p) for p in params]
    sets = [("test", "scores")] + ([("train", "train_scores")] if return_train_score else [])
    for key in plan.metrics:
        for part, field in sets:
            matrix = fold_matrix(records, field, n_splits, key) * plan.sign(key)
            for k in range(n_splits):
                results[f"split{k}_{part}_{key}"] = matrix[:, k]
            mean, std = _mean_std(matrix)
            results[f"mean_{part}_{key}"], results[f"std_{part}_{key}"] = mean, std
            if part == "test":
                results[f"rank_test_{key}"] = rank(mean)
    return results


__all__ = ["cv_results", "fold_matrix", "param_columns", "rank"]
