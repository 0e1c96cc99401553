"""Which metrics a search computes, which one it optimizes, and scikit-learn's sign rule.

Trials store scores in tuneforge's natural units (an RMSE is an RMSE, minimized);
`cv_results_`, `best_score_` and `scorer_` follow scikit-learn's convention that greater
is better, so a loss is negated there (as ``make_scorer(greater_is_better=False)`` does).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tuneforge.evaluate.scoring import Metric, resolve_metric, resolve_metrics

SINGLE = "score"  # scikit-learn's result key when there is one metric

_MULTIMETRIC_REFIT = (
    "For multi-metric scoring, the parameter refit must be set to a scorer key or a "
    "callable to refit an estimator with the best parameter setting on the whole data and "
    "make the best_* attributes available for that metric. If this is not needed, refit "
    "should be set to False explicitly. {refit!r} was passed (metrics: {keys})."
)


@dataclass(frozen=True)
class ScoringPlan:
    """Metrics by result key; `primary` is optimized by the study, `refit_key` picks
    best_* (None: a callable refit decides, or multi-metric without refit)."""

    metrics: dict[str, Metric]
    multimetric: bool
    primary: str
    refit_key: str | None
    objectives: tuple[str, ...] = ()   # several keys optimized together (a front)

    @property
    def direction(self) -> str:
        return self.metrics[self.primary].direction

    @property
    def directions(self) -> list[str]:
        """The study's directions: one per objective (the primary alone by default)."""
        return [self.metrics[k].direction for k in (self.objectives or (self.primary,))]

    def sign(self, key: str) -> float:
        """+1 or -1: natural units times this is scikit-learn's greater-is-better score."""
        return 1.0 if self.metrics[key].greater_is_better else -1.0

    def names(self) -> dict[str, str]:
        """Result key -> metric name, stored so a resumed search checks it is the same."""
        return {k: m.name for k, m in self.metrics.items()}


class SignedScorer:
    """A scorer ``scorer(estimator, X, y)`` in scikit-learn's convention for one Metric."""

    def __init__(self, metric: Metric) -> None:
        self.metric = metric

    def __call__(self, estimator: Any, X: Any, y: Any = None) -> float:
        value = self.metric(estimator, X, y)
        return value if self.metric.greater_is_better else -value

    def __repr__(self) -> str:
        sign = "" if self.metric.greater_is_better else "-"
        return f"SignedScorer({sign}{self.metric.name})"


def plan_scoring(scoring: Any, refit: Any, estimator: Any,
                 objectives: Any = None) -> ScoringPlan:
    """Resolve `scoring` and check `refit` against it, as scikit-learn's searches do.
    With `objectives` (keys of a multi-metric `scoring`), those are optimized together
    and `refit` may also be True or "knee": the front's knee."""
    from sklearn.metrics import check_scoring

    if objectives is not None:
        return _plan_objectives(scoring, refit, objectives)

    if scoring is None:
        metric = Metric(SINGLE, check_scoring(estimator), True)
        return ScoringPlan({SINGLE: metric}, False, SINGLE, SINGLE)
    if isinstance(scoring, (str, Metric)) or callable(scoring):
        metrics = {SINGLE: resolve_metric(scoring)}
        if isinstance(refit, str) and refit not in (SINGLE, metrics[SINGLE].name):
            raise ValueError(f"refit={refit!r} names no metric of scoring={scoring!r}; with "
                             "one metric use refit=True")
        return ScoringPlan(metrics, False, SINGLE, SINGLE)
    if isinstance(scoring, (set, frozenset)):
        scoring = sorted(scoring)
    if isinstance(scoring, Mapping) and not all(isinstance(k, str) for k in scoring):
        raise ValueError(f"the keys of a scoring dict must be strings, got {list(scoring)}")
    metrics = resolve_metrics(scoring)
    keys = list(metrics)
    valid_key = isinstance(refit, str) and refit in metrics
    if refit is not False and not valid_key and not callable(refit):
        raise ValueError(_MULTIMETRIC_REFIT.format(refit=refit, keys=keys))
    primary = refit if valid_key else keys[0]
    return ScoringPlan(metrics, True, primary, refit if valid_key else None)


def _plan_objectives(scoring: Any, refit: Any, objectives: Any) -> ScoringPlan:
    if isinstance(objectives, str) or not isinstance(objectives, (list, tuple)) \
            or not objectives:
        raise ValueError(f"objectives must be a list of scoring keys, got {objectives!r}")
    if scoring is None or isinstance(scoring, (str, Metric)) or callable(scoring):
        raise ValueError("objectives need a multi-metric scoring (a list or dict of "
                         f"metrics) holding them, got scoring={scoring!r}")
    metrics = resolve_metrics(scoring)
    missing = [k for k in objectives if k not in metrics]
    if missing or len(set(objectives)) != len(objectives):
        raise ValueError(f"objectives {list(objectives)} must be distinct keys of scoring "
                         f"(keys: {list(metrics)})")
    valid_key = isinstance(refit, str) and refit in metrics
    if not (valid_key or refit is False or refit is True or refit == "knee"
            or callable(refit)):
        raise ValueError(f"refit={refit!r}: with objectives, refit is a scoring key (the "
                         "best in that metric), 'knee' or True (the front's knee), a "
                         f"callable or False (keys: {list(metrics)})")
    return ScoringPlan(metrics, True, objectives[0], refit if valid_key else None,
                       tuple(objectives))


def scorers(plan: ScoringPlan) -> Any:
    """`scorer_`: one scorer, or a dict of them for several metrics."""
    if not plan.multimetric:
        return SignedScorer(plan.metrics[SINGLE])
    return {k: SignedScorer(m) for k, m in plan.metrics.items()}


__all__ = ["SINGLE", "ScoringPlan", "SignedScorer", "plan_scoring", "scorers"]
