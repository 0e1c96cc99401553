"""scikit-learn estimators trained step by step: per-epoch (`partial_fit`) or growing
(`warm_start`) loops with early stopping and per-step reporting to a trial.

Each step's validation score goes to `trial.report(score, step)` and the trial stops
with TrialPruned when `trial.should_prune()`; `early_stopping` ends the loop when the
score stops improving and puts the best estimator back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tuneforge.exceptions import TrialPruned
from tuneforge.training.early_stopping import EarlyStopping

Scorer = Callable[[Any, Any, Any], float]


@dataclass
class TrainingLog:
    """What a loop did: the score at each step, where it stopped and which step won."""

    steps: list[int] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    stopped_early: bool = False
    best_step: int | None = None


def _score(estimator: Any, X: Any, y: Any, scoring: Scorer | None) -> float:
    return float(scoring(estimator, X, y) if scoring is not None else estimator.score(X, y))


def _after_step(estimator: Any, step: int, score: float, log: TrainingLog,
                early_stopping: EarlyStopping | None, trial: Any) -> bool:
    log.steps.append(step)
    log.scores.append(score)
    if trial is not None:
        trial.report(score, step)
        if trial.should_prune():
            raise TrialPruned(f"pruned at step {step} (validation score {score:.6g})")
    if early_stopping is not None and early_stopping.step(score, estimator):
        log.stopped_early = True
        return True
    return False


def _finish(estimator: Any, log: TrainingLog, early_stopping: EarlyStopping | None) -> Any:
    if early_stopping is not None and early_stopping.best_step is not None:
        log.best_step = log.steps[early_stopping.best_step]
        if early_stopping.best_state is not None:
            return early_stopping.restore(estimator)
    elif log.scores:
        log.best_step = log.steps[max(range(len(log.scores)), key=log.scores.__getitem__)]
    return estimator


def fit_incremental(estimator: Any, X: Any, y: Any, *, validation: tuple[Any, Any],
                    max_epochs: int, classes: Sequence[Any] | None = None,
                    scoring: Scorer | None = None,
                    early_stopping: EarlyStopping | None = None,
                    trial: Any = None) -> tuple[Any, TrainingLog]:
    """Call `estimator.partial_fit(X, y)` once per epoch (steps 1..max_epochs), scoring
    on `validation` = (X_val, y_val) with `scoring(est, X, y)` (default `est.score`,
    higher is better). `classes` is passed to classifiers. Returns the estimator (the
    best one when early stopping restored it) and the log."""
    if not callable(getattr(estimator, "partial_fit", None)):
        raise TypeError(f"{type(estimator).__name__} has no partial_fit; use fit_warm_start "
                        "for estimators that grow with warm_start")
    if max_epochs < 1:
        raise ValueError(f"max_epochs must be >= 1, got {max_epochs!r}")
    X_val, y_val = validation
    log = TrainingLog()
    for epoch in range(1, max_epochs + 1):
        if classes is not None:
            estimator.partial_fit(X, y, classes=classes)
        else:
            estimator.partial_fit(X, y)
        if _after_step(estimator, epoch, _score(estimator, X_val, y_val, scoring), log,
                       early_stopping, trial):
            break
    return _finish(estimator, log, early_stopping), log


def fit_warm_start(estimator: Any, X: Any, y: Any, *, validation: tuple[Any, Any],
                   param: str, values: Sequence[int], scoring: Scorer | None = None,
                   early_stopping: EarlyStopping | None = None,
                   trial: Any = None) -> tuple[Any, TrainingLog]:
    """Grow an ensemble with ``warm_start=True``: set `param` (``n_estimators`` of forests
    and gradient boosting, ``max_iter`` of HistGradientBoosting) to each of `values` in
    turn and refit, which adds only the new trees or boosting rounds. The step reported
    is the value itself."""
    if "warm_start" not in estimator.get_params():
        raise TypeError(f"{type(estimator).__name__} has no warm_start parameter")
    if param not in estimator.get_params():
        raise ValueError(f"{type(estimator).__name__} has no parameter {param!r}")
    values = [int(v) for v in values]
    pairs = zip(values, values[1:], strict=False)
    if not values or any(b <= a for a, b in pairs) or values[0] < 1:
        raise ValueError(f"values must be increasing positive integers, got {values!r}")
    X_val, y_val = validation
    estimator.set_params(warm_start=True)
    log = TrainingLog()
    for value in values:
        estimator.set_params(**{param: value})
        estimator.fit(X, y)
        if _after_step(estimator, value, _score(estimator, X_val, y_val, scoring), log,
                       early_stopping, trial):
            break
    return _finish(estimator, log, early_stopping), log
