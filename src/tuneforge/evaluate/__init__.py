"""Evaluation you can trust: metrics, fold-by-fold cross-validation as a study objective,
a hold-out the search never sees, nested CV, and a stopping rule that knows the CV noise.

Needs the `sklearn` extra.
"""

from tuneforge.evaluate.cv import (
    CrossValObjective,
    CVResult,
    cross_val_objective,
    make_splits,
    run_cv,
)
from tuneforge.evaluate.holdout import GapReport, HoldoutSplit, holdout_split, overtuning_check
from tuneforge.evaluate.scoring import (
    Metric,
    metric_names,
    metric_task,
    resolve_metric,
    resolve_metrics,
)

__all__ = [
    "CVResult",
    "CrossValObjective",
    "GapReport",
    "HoldoutSplit",
    "Metric",
    "cross_val_objective",
    "make_splits",
    "metric_names",
    "metric_task",
    "resolve_metric",
    "resolve_metrics",
    "holdout_split",
    "overtuning_check",
    "run_cv",
]
