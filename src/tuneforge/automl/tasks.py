"""Which task a target is: classification or regression, and the default metric of each."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from tuneforge.evaluate import metric_task, resolve_metric
from tuneforge.evaluate.cv import MAX_FLOAT_CLASSES
from tuneforge.presets import TASKS

DEFAULT_SCORING = {"classification": "accuracy", "regression": "rmse"}
MAX_CLASSES = MAX_FLOAT_CLASSES  # a float target with more distinct values is a regression


def infer_task(y: Any) -> str:
    """"regression" for a float target with fractional values or more than MAX_CLASSES
    distinct values; otherwise (labels, strings, booleans, integers) "classification"."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"y must be one-dimensional to infer the task, got shape {arr.shape}; "
                         "pass task='classification' or task='regression'")
    if arr.dtype.kind != "f":
        return "classification"
    finite = arr[np.isfinite(arr)]
    if len(finite) != len(arr):
        raise ValueError("y contains NaN or infinite values")
    if np.any(finite != np.round(finite)) or len(np.unique(finite)) > MAX_CLASSES:
        return "regression"
    return "classification"


def check_task(task: str | None, y: Any, scoring: Any) -> tuple[str, Any]:
    """The task (given or inferred) and the scoring (given or the task's default); raises
    when a named metric belongs to the other task."""
    inferred = task is None
    if task is None:
        task = infer_task(y)
    elif task not in TASKS:
        raise ValueError(f"task must be one of {TASKS} or None (infer from y), got {task!r}")
    if scoring is None:
        return task, DEFAULT_SCORING[task]
    named = (list(scoring) if isinstance(scoring, (list, tuple)) else
             list(scoring.values()) if isinstance(scoring, dict) else [scoring])
    for spec in named:  # every named metric: the optimized one and those recorded
        if not isinstance(spec, str):
            continue
        kind = metric_task(resolve_metric(spec))
        if kind is not None and kind != task:
            raise ValueError(f"scoring {spec!r} is a {kind} metric but the task is {task}"
                             f"{' (inferred from y)' if inferred else ''}; pass a "
                             f"{task} metric or task={kind!r}")
    return task, scoring


def target_problems(y: Any, task: str | None, holdout: Any = None, *, first: int = 0,
                    word: str = "row") -> list[str]:
    """What makes `y` unusable as the target of `task` (None: not yet inferred), one line
    per kind, each with its rows (`first`: the number of the first row; `word`: what a row
    is called) and split ("search rows" or "hold-out": `holdout` holds the hold-out's row
    positions, None: no hold-out). A regression target must be finite numbers; no target
    may be missing. Checked before any trial, so a bad target is not reported late."""
    arr = np.asarray(y, dtype=object if np.asarray(y).dtype.kind in "OSU" else None)
    if arr.ndim != 1 or len(arr) == 0:
        return []  # the task checks say what is wrong with the shape
    name = getattr(y, "name", None)
    what = "y" if name is None else f"target column {str(name)!r}"
    held = set() if holdout is None else {int(i) for i in holdout}
    where = functools.partial(rows_text, held=held, first=first, word=word)
    regression = task == "regression" or (task is None and arr.dtype.kind == "f")
    if arr.dtype.kind == "O":
        missing = np.array([v is None or (isinstance(v, float) and v != v) for v in arr])
        numbers = np.array([_as_number(v) for v in arr], dtype=float)
        text = np.isnan(numbers) & ~missing
    else:
        numbers = arr.astype(float) if arr.dtype.kind in "iufb" else np.zeros(len(arr))
        missing = np.isnan(numbers) if arr.dtype.kind in "fc" else np.zeros(len(arr), bool)
        text = np.zeros(len(arr), bool)
    out = []
    if missing.any():
        out.append(f"{what} has {_count(missing, 'missing value')} at {where(missing)}; "
                   "drop those rows first")
    if regression and text.any():
        first_text = arr[text][0]
        out.append(f"{what} has {_count(text, 'text value')} (such as {str(first_text)!r}) at "
                   f"{where(text)}; a regression target must be numbers")
    infinite = np.isinf(numbers)
    if regression and infinite.any():
        out.append(f"{what} has {_count(infinite, 'infinite value')} at {where(infinite)}; "
                   "a regression target must be finite")
    return out


def _as_number(value: Any) -> float:
    """A cell of an object column as a float; NaN when it is not a number."""
    if isinstance(value, bool) or value is None:
        return float("nan")
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return float("nan")


def _count(mask: Any, what: str) -> str:
    n = int(mask.sum())
    return f"{n} {what}" + ("" if n == 1 else "s")


def rows_text(mask: Any, held: set[int], *, first: int = 1, word: str = "data row",
              limit: int = 5) -> str:
    """``data rows 4, 9 (search rows) and 12 (hold-out)``: the rows where `mask` is set,
    numbered from `first`, a few of each split (`held`: the hold-out's row positions)."""
    parts = []
    rows = [int(i) for i in np.flatnonzero(mask)]
    for label, part in (("search rows", [i for i in rows if i not in held]),
                        ("hold-out", [i for i in rows if i in held])):
        if part:
            shown = ", ".join(str(i + first) for i in part[:limit])
            more = f", ... ({len(part)} in all)" if len(part) > limit else ""
            parts.append(f"{shown}{more} ({label})")
    return f"{word}{'' if len(rows) == 1 else 's'} " + " and ".join(parts)


__all__ = ["DEFAULT_SCORING", "MAX_CLASSES", "check_task", "infer_task", "rows_text",
           "target_problems"]
