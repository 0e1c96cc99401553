"""Nested cross-validation: an unbiased estimate of what the whole tuning procedure delivers.

The best CV score of a search is optimistic (the search picked it among many). Nested CV
repeats the search inside each outer training part: a fresh study tunes on the outer-train
rows only (inner CV), the winner is refit on them and scored once on the outer-test rows,
which the search never saw. The mean outer score estimates the procedure; the gap to the
inner best scores (the optimism) shows how much the search flattered itself.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from tuneforge.evaluate.cv import cross_val_objective, looks_like_classes, make_splits
from tuneforge.evaluate.scoring import _require_sklearn, metric_task, resolve_metrics
from tuneforge.exceptions import TuneforgeError
from tuneforge.samplers.base import Sampler
from tuneforge.storage.base import Storage
from tuneforge.study.api import create_study
from tuneforge.trial.fixed import FixedTrial


@dataclass(frozen=True)
class NestedCVResult:
    """Per outer fold: the outer-test score of the tuned model, the inner best CV score, the
    chosen hyperparameters and the outer-test row indices; and their summary."""

    metric: str
    greater_is_better: bool
    outer_scores: tuple[float, ...]
    inner_best_scores: tuple[float, ...]
    best_params: tuple[dict[str, Any], ...]
    test_indices: tuple[np.ndarray, ...]
    study_names: tuple[str, ...]

    @property
    def n_folds(self) -> int:
        return len(self.outer_scores)

    @property
    def mean(self) -> float:
        """Mean outer score: the estimate of the tuning procedure's performance."""
        return float(np.mean(self.outer_scores))

    @property
    def std(self) -> float:
        return float(np.std(self.outer_scores))

    @property
    def sem(self) -> float:
        """Standard error of the mean outer score (sample std / sqrt(folds))."""
        if self.n_folds < 2:
            return math.nan
        return float(np.std(self.outer_scores, ddof=1) / math.sqrt(self.n_folds))

    @property
    def inner_mean(self) -> float:
        return float(np.mean(self.inner_best_scores))

    @property
    def optimism(self) -> float:
        """How much better the inner best CV scores look than the outer scores (positive:
        the search's own estimate was optimistic), in metric units."""
        gap = self.inner_mean - self.mean
        return gap if self.greater_is_better else -gap

    @property
    def message(self) -> str:
        return (f"{self.metric}: nested CV {self.mean:.4g} ± {self.sem:.2g} (s.e., "
                f"{self.n_folds} outer folds); inner best CV {self.inner_mean:.4g}, "
                f"optimism {self.optimism:+.3g}")

    def to_json(self) -> dict[str, Any]:
        def f(v: float) -> float | None:
            return v if math.isfinite(v) else None

        return {"metric": self.metric, "greater_is_better": self.greater_is_better,
                "outer_scores": [f(v) for v in self.outer_scores],
                "inner_best_scores": [f(v) for v in self.inner_best_scores],
                "best_params": [dict(p) for p in self.best_params],
                "test_indices": [[int(i) for i in idx] for idx in self.test_indices],
                "study_names": list(self.study_names), "mean": f(self.mean),
                "std": f(self.std), "sem": f(self.sem), "inner_mean": f(self.inner_mean),
                "optimism": f(self.optimism)}


def fold_seed(seed: int, fold: int) -> int:
    """The seed of outer fold `fold`'s study, derived from the run's seed."""
    return int(np.random.SeedSequence([int(seed), int(fold)]).generate_state(1)[0])


def nested_cv(estimator: Any, space: Mapping[str, Any] | None, X: Any, y: Any = None, *,
              outer_cv: Any = 5, inner_cv: Any = 3, scoring: Any = None,
              n_trials: int = 20, sampler_factory: Callable[[int], Sampler] | None = None,
              seed: int = 0, storage: str | Storage | None = None,
              show_progress: bool = False) -> NestedCVResult:
    """Tune `estimator` over `space` inside each outer fold and score the winner outside.

    `estimator`, `space` and `scoring` are as in `cross_val_objective` (an estimator with a
    space, or a factory ``f(trial)`` with ``space=None``; scoring None: accuracy or R2).
    `sampler_factory(seed)` makes each fold's sampler (default: the study default); fold
    studies are seeded from `seed`, so a run is reproducible. With `storage`, the fold
    studies are kept there (`study_names`).
    """
    _require_sklearn()
    from sklearn.base import clone

    if scoring is None:  # the estimator's own score, resolved as cross_val_objective does
        scoring = cross_val_objective(estimator, X, y, space=space, cv=inner_cv).metric
    metric = next(iter(resolve_metrics(scoring).values()))
    classifier = _is_classification(estimator, space, metric, y)
    splits = make_splits(outer_cv, X, y, classifier=classifier)
    prefix = f"nested-cv-{secrets.token_hex(4)}"
    outer, inner, params, tests, names = [], [], [], [], []
    for i, (train, test) in enumerate(splits):
        X_tr, X_te = take_rows(X, train), take_rows(X, test)
        y_tr, y_te = take_rows(y, train), take_rows(y, test)
        objective = cross_val_objective(estimator, X_tr, y_tr, space=space, cv=inner_cv,
                                        scoring=scoring)
        s = fold_seed(seed, i)
        study = create_study(f"{prefix}-outer{i}", direction=objective.direction,
                             storage=storage, seed=s,
                             sampler=sampler_factory(s) if sampler_factory else None)
        study.optimize(objective, n_trials=n_trials, show_progress=show_progress)
        try:
            best = study.best_trial
        except TuneforgeError as exc:
            raise TuneforgeError(f"nested_cv: outer fold {i}: no inner trial completed "
                                 f"({exc})") from None
        if space is not None:
            model = clone(estimator).set_params(**best.params)
        else:
            model = estimator(FixedTrial(best.params))
        model.fit(X_tr, y_tr)
        outer.append(float(metric(model, X_te, y_te)))
        inner.append(float(best.values[0]))  # type: ignore[index]
        params.append(dict(best.params))
        tests.append(np.asarray(test))
        names.append(study.study_name)
    return NestedCVResult(metric.name, metric.greater_is_better, tuple(outer), tuple(inner),
                          tuple(params), tuple(tests), tuple(names))


def take_rows(data: Any, idx: np.ndarray) -> Any:
    """Rows `idx` of an array, a DataFrame or a list (None stays None)."""
    if data is None:
        return None
    from sklearn.utils import _safe_indexing

    return _safe_indexing(data, idx)


def _is_classification(estimator: Any, space: Mapping[str, Any] | None, metric: Any,
                       y: Any) -> bool:
    """Whether the outer folds should be stratified: the estimator's kind when it is an
    estimator, else the metric's task, else whether `y` looks like class labels."""
    from sklearn.base import is_classifier

    if space is not None:
        return bool(is_classifier(estimator))
    task = metric_task(metric)
    if task:
        return task == "classification"
    return looks_like_classes(y)


__all__ = ["NestedCVResult", "fold_seed", "nested_cv", "take_rows"]
