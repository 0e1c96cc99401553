"""Tables as named columns: what the drift checks read from DataFrames and arrays."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def columns(X: Any, what: str) -> tuple[list[str], list[np.ndarray]]:
    """(names, columns) of a DataFrame (its column names) or a 2-D array (x0, x1, ...)."""
    if hasattr(X, "columns") and hasattr(X, "iloc"):
        return [str(c) for c in X.columns], [np.asarray(X.iloc[:, j]) for j in range(X.shape[1])]
    arr = np.asarray(X)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise ValueError(f"drift: {what} must be a non-empty table (rows x columns), got "
                         f"shape {arr.shape}")
    return [f"x{j}" for j in range(arr.shape[1])], [arr[:, j] for j in range(arr.shape[1])]


def is_numeric(col: np.ndarray) -> bool:
    """Whether a column holds numbers (not booleans, not strings or objects)."""
    if col.dtype.kind in "iuf":
        return True
    if col.dtype.kind != "O":
        return False
    try:
        col.astype(float)
    except (TypeError, ValueError):
        return False
    return True


def as_float(col: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.asarray(col, dtype=float)
    return out


def category_labels(col: np.ndarray) -> np.ndarray:
    """The column's values as strings (missing values as "<missing>")."""
    return np.array(["<missing>" if v is None or (isinstance(v, float) and v != v) else str(v)
                     for v in col], dtype=object)


def paired_tables(reference: Any, current: Any, categorical: Sequence[str] | None
                  ) -> tuple[list[str], list[np.ndarray], list[np.ndarray], list[bool]]:
    """Both tables' columns matched by name: (names, reference columns, current columns,
    is-categorical flags). Raises ValueError naming the columns that differ."""
    names_r, cols_r = columns(reference, "reference")
    names_c, cols_c = columns(current, "current")
    if names_r != names_c:
        missing = sorted(set(names_r) ^ set(names_c))
        raise ValueError(f"drift: reference and current have different columns "
                         f"({', '.join(missing[:10]) or 'same names, other order'})")
    if categorical is not None:
        unknown = sorted(set(categorical) - set(names_r))
        if unknown:
            raise ValueError(f"drift: categorical names unknown columns {unknown}")
        cats = [n in set(categorical) for n in names_r]
    else:
        cats = [not (is_numeric(a) and is_numeric(b)) for a, b in zip(cols_r, cols_c,
                                                                      strict=True)]
    return names_r, cols_r, cols_c, cats


__all__ = ["as_float", "category_labels", "columns", "is_numeric", "paired_tables"]
