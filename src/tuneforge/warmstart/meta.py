"""Meta-features of a task (a table and its target) and the distance between two tasks.

Meta-features are what a study's task looks like without its values: size, feature
types, missing cells, class balance or target shape. `meta_vector` maps them to a
fixed-length vector of comparable units (each roughly in [0, 1]) so that a plain
Euclidean distance ranks past tasks by how alike they are.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

META_VERSION = 1
# the vector's components, in order; `meta_vector` documents each unit
VECTOR_NAMES = ("log_rows", "log_features", "categorical_fraction", "missing_fraction",
                "classification", "log_classes", "class_entropy", "minority_fraction",
                "target_skew", "target_log_scale")
MAX_CLASSES = 50  # a numeric target with more distinct values is a regression target


def _columns(X: Any) -> list[np.ndarray]:
    """The columns of a 2-D table: a DataFrame (by column, dtypes kept) or an array."""
    if hasattr(X, "columns") and hasattr(X, "iloc"):
        return [np.asarray(X.iloc[:, j]) for j in range(X.shape[1])]
    arr = np.asarray(X, dtype=object if not hasattr(X, "dtype") else None)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(f"meta_features needs a 2-D table of rows and columns, got shape "
                         f"{arr.shape}")
    return [arr[:, j] for j in range(arr.shape[1])]


def _is_numeric(col: np.ndarray) -> bool:
    if col.dtype.kind in "biuf":
        return col.dtype.kind != "b"
    try:
        col.astype(float)
    except (TypeError, ValueError):
        return False
    return True


def _missing(col: np.ndarray) -> np.ndarray:
    if col.dtype.kind == "f":
        out: np.ndarray = np.isnan(col)
        return out
    return np.array([v is None or (isinstance(v, float) and math.isnan(v)) for v in col],
                    dtype=bool)


def meta_features(X: Any, y: Any = None, *, task: str | None = None) -> dict[str, Any]:
    """What a task looks like (JSON): rows, columns, numeric and categorical columns,
    the fraction of missing cells, and the target's type, classes and balance (class
    entropy, minority share) or its mean, spread and skew. `task` ("classification" or
    "regression") overrides the guess from `y` (integer-like with few values: classes)."""
    cols = _columns(X)
    n_rows = len(cols[0]) if cols else (0 if y is None else len(y))
    if n_rows == 0:
        raise ValueError("meta_features needs at least one row")
    numeric = [_is_numeric(c) for c in cols]
    cells = n_rows * max(len(cols), 1)
    missing = sum(int(_missing(c).sum()) for c in cols) / cells if cols else 0.0
    out: dict[str, Any] = {"version": META_VERSION, "n_rows": int(n_rows),
                           "n_features": len(cols), "n_numeric": int(sum(numeric)),
                           "n_categorical": int(len(cols) - sum(numeric)),
                           "missing_fraction": float(missing)}
    if y is None:
        out["task"] = None
        return out
    target = np.asarray(y)
    if target.ndim != 1 or len(target) != n_rows:
        raise ValueError(f"meta_features: y must be one value per row ({n_rows}), got shape "
                         f"{target.shape}")
    if task is None:
        values = np.unique(target)
        discrete = not _is_numeric(target) or (
            len(values) <= MAX_CLASSES and np.all(np.mod(target.astype(float), 1) == 0))
        task = "classification" if discrete else "regression"
    if task not in ("classification", "regression"):
        raise ValueError(f"task must be 'classification' or 'regression', got {task!r}")
    out["task"] = task
    if task == "classification":
        _, counts = np.unique(target.astype(str), return_counts=True)
        p = counts / counts.sum()
        k = len(p)
        out.update(n_classes=int(k), minority_fraction=float(p.min()),
                   class_entropy=float(-(p * np.log(p)).sum() / math.log(k)) if k > 1 else 0.0)
    else:
        t = target.astype(float)
        t = t[np.isfinite(t)]
        sd = float(t.std()) if len(t) else 0.0
        skew = float(((t - t.mean()) ** 3).mean() / sd ** 3) if sd > 0 else 0.0
        out.update(target_mean=float(t.mean()) if len(t) else 0.0, target_std=sd,
                   target_skew=skew)
    return out


def meta_vector(meta: Mapping[str, Any]) -> np.ndarray:
    """The meta-features (10,) in comparable units (`VECTOR_NAMES`): log10 rows / 6,
    log10(1 + columns) / 4, the categorical and missing fractions, 1 for classification,
    log2(classes) / 6, normalized class entropy, 2 x minority share, tanh(skew / 3) and
    tanh(log10 target spread / 3) (0 where a component does not apply)."""
    rows = max(float(meta.get("n_rows", 1)), 1.0)
    cols = max(float(meta.get("n_features", 0)), 0.0)
    cat = float(meta.get("n_categorical", 0)) / cols if cols else 0.0
    cls = meta.get("task") == "classification"
    reg = meta.get("task") == "regression"
    k = float(meta.get("n_classes", 1) or 1)
    sd = float(meta.get("target_std", 0.0) or 0.0)
    return np.array([
        math.log10(rows) / 6.0, math.log10(1.0 + cols) / 4.0, cat,
        float(meta.get("missing_fraction", 0.0)), 1.0 if cls else 0.0,
        math.log2(k) / 6.0 if cls else 0.0,
        float(meta.get("class_entropy", 0.0)) if cls else 0.0,
        2.0 * float(meta.get("minority_fraction", 0.0)) if cls else 0.0,
        math.tanh(float(meta.get("target_skew", 0.0)) / 3.0) if reg else 0.0,
        math.tanh(math.log10(sd) / 3.0) if reg and sd > 0 else 0.0,
    ])


def meta_distance(a: Mapping[str, Any], b: Mapping[str, Any]) -> float:
    """Euclidean distance between two tasks' `meta_vector`s (0: alike; a classification
    task and a regression task are at least 1 apart)."""
    return float(np.linalg.norm(meta_vector(a) - meta_vector(b)))


__all__ = ["META_VERSION", "VECTOR_NAMES", "meta_distance", "meta_features", "meta_vector"]
