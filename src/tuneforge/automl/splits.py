"""How `select` splits rows: shuffled folds, or, for time-ordered rows, forward ones.

A shuffled split of time-ordered rows trains on the future of the rows it scores. Rows are
time-ordered when a time column is given or when the CV splitter is itself a forward split
(every training part before its test part, as scikit-learn's TimeSeriesSplit): then the
hold-out is the latest rows and every CV (or outer) fold trains only on earlier rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def time_keys(X: Any, time_column: Any) -> tuple[Any, np.ndarray | None]:
    """(the features, one time per row): `time_column` names a column of a DataFrame `X`
    (dropped from the features: it orders the rows) or holds one time per row; None: no
    time order, (X, None)."""
    if time_column is None:
        return X, None
    if isinstance(time_column, str):
        columns = getattr(X, "columns", None)
        if columns is None or time_column not in columns:
            where = "X has no named columns; pass one time per row instead" if columns is \
                None else f"columns: {', '.join(map(str, list(columns)[:20]))}"
            raise ValueError(f"time_column {time_column!r} is not a column of X ({where})")
        keys = np.asarray(X[time_column])
        X = X.drop(columns=[time_column])
    else:
        keys = np.asarray(time_column)
    if keys.shape != (len(X),):
        raise ValueError(f"time_column must hold one time per row ({len(X)}), got shape "
                         f"{keys.shape}")
    return X, keys


def in_time_order(data: Any, times: np.ndarray | None) -> Any:
    """The rows of `data` sorted by `times` (stable); unchanged without times."""
    if data is None or times is None:
        return data
    from sklearn.utils import _safe_indexing

    return _safe_indexing(data, np.argsort(times, kind="stable"))


def is_forward(cv: Any, X: Any, y: Any) -> bool:
    """Whether `cv` is a forward split: a TimeSeriesSplit, or a splitter whose every
    training part comes before its test part on these rows."""
    from sklearn.model_selection import TimeSeriesSplit

    if isinstance(cv, TimeSeriesSplit):
        return True
    if isinstance(cv, (bool, int)) or not hasattr(cv, "split"):
        return False
    try:
        splits = list(cv.split(X, y))
    except (ValueError, TypeError):  # e.g. a group splitter without groups
        return False
    return bool(splits) and all(len(train) > 0 and len(test) > 0
                                and np.max(train) < np.min(test) for train, test in splits)


def time_ordered(cv: Any, X: Any, y: Any, times: np.ndarray | None) -> bool:
    """Whether the rows are time-ordered: a time per row is given, or `cv` is a forward
    split. With times, a splitter that is not forward is an error (it would shuffle them)."""
    forward = is_forward(cv, X, y)
    if times is not None and not forward and not isinstance(cv, int):
        raise ValueError(f"cv={cv!r} is not a forward split, so it would train on rows "
                         "later than those it scores: with a time_column pass an int "
                         "(forward folds) or a TimeSeriesSplit")
    return times is not None or forward


def splitter(cv: Any, task: str, seed: int, *, ordered: bool = False) -> Any:
    """An int becomes shuffled (stratified, for classes) K-fold seeded by `seed`, so that
    rows sorted by target do not make lopsided folds, or, for time-ordered rows, a
    TimeSeriesSplit; anything else is kept."""
    if isinstance(cv, bool) or not isinstance(cv, int):
        return cv
    if cv < 2:
        raise ValueError(f"cv must be at least 2 folds, got {cv}")
    from sklearn.model_selection import KFold, StratifiedKFold, TimeSeriesSplit

    if ordered:
        return TimeSeriesSplit(n_splits=cv)
    kind = StratifiedKFold if task == "classification" else KFold
    return kind(n_splits=cv, shuffle=True, random_state=seed)


__all__ = ["in_time_order", "is_forward", "splitter", "time_keys", "time_ordered"]
