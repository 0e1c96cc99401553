"""Evaluation you can trust: metrics, fold-by-fold cross-validation as a study objective,
a hold-out the search never sees, nested CV, and a stopping rule that knows the CV noise.

Needs the `sklearn` extra.
"""

from tuneforge.evaluate.costs import model_size, predict_latency
from tuneforge.evaluate.cv import (
    CrossValObjective,
    CVResult,
    cross_val_objective,
    make_splits,
    run_cv,
)
from tuneforge.evaluate.holdout import (
    GapReport,
    HoldoutSplit,
    holdout_sem_estimate,
    holdout_split,
    overtuning_check,
)
from tuneforge.evaluate.nested import NestedCVResult, nested_cv
from tuneforge.evaluate.scoring import (
    Metric,
    metric_names,
    metric_task,
    resolve_metric,
    resolve_metrics,
)
from tuneforge.evaluate.stopping import NoiseAwareStopping

__all__ = [
    "CVResult",
    "CrossValObjective",
    "GapReport",
    "HoldoutSplit",
    "Metric",
    "NestedCVResult",
    "NoiseAwareStopping",
    "cross_val_objective",
    "make_splits",
    "metric_names",
    "metric_task",
    "model_size",
    "nested_cv",
    "resolve_metric",
    "resolve_metrics",
    "holdout_sem_estimate",
    "holdout_split",
    "overtuning_check",
    "predict_latency",
    "run_cv",
]
