"""Which task a target is: classification or regression, and the default metric of each."""

from __future__ import annotations

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


__all__ = ["DEFAULT_SCORING", "MAX_CLASSES", "check_task", "infer_task"]
