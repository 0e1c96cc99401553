"""The study objective of a scikit-learn search: one candidate, cross-validated fold by fold.

A module-level class, so ``optimize(n_jobs=k)`` can send it to worker processes. Per fold
it reports the running mean of the optimized metric (step = fold index) and asks the
pruner; the fold scores (natural units), fit and score times and fit errors are stored on
the trial as the user attribute ``cv`` (NaN stored as null, infinities as "inf"/"-inf"),
the means as ``cv_<key>``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tuneforge.evaluate.cv import CVResult, json_safe, report_fold, run_cv
from tuneforge.evaluate.scoring import Metric
from tuneforge.exceptions import TuneforgeError
from tuneforge.integrations.sklearn.space import ParamSpace

CV_ATTR = "cv"


class CandidateFitFailed(TuneforgeError):
    """Fitting failed on some folds and error_score is NaN: the candidate has no score."""


class SearchObjective:
    """Suggest a candidate, cross-validate it with `run_cv`, return the primary mean."""

    def __init__(self, estimator: Any, X: Any, y: Any, *, space: ParamSpace,
                 splits: Sequence[tuple[np.ndarray, np.ndarray]], metrics: Mapping[str, Metric],
                 primary: str, fit_params: Mapping[str, Any], error_score: Any,
                 return_train_score: bool, objectives: Sequence[str] = ()) -> None:
        self.estimator = estimator
        self.X, self.y = X, y
        self.space = space
        self.splits = list(splits)
        self.metrics = dict(metrics)
        self.primary = primary
        self.fit_params = dict(fit_params)
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.objectives = tuple(objectives)  # several: a vector per fold and as the result

    @property
    def raises(self) -> bool:
        return isinstance(self.error_score, str)  # validated: only "raise"

    def __call__(self, trial: Any) -> float | tuple[float, ...]:
        from sklearn.base import clone
        from sklearn.exceptions import FitFailedWarning

        params = self.space.suggest(trial)
        model = clone(self.estimator).set_params(**clone(params, safe=False))
        failed: list[int] = []

        def on_fold(i: int, res: CVResult) -> None:
            if len(res.errors) > len(failed):
                failed.append(i)
                self._score_failed_fold(res, i)
            report_fold(trial, res, i,
                        self.objectives if len(self.objectives) > 1 else self.primary,
                        before_prune=lambda: store(trial, res, failed))

        with warnings.catch_warnings():  # fit failures are summarized once, by the search
            warnings.simplefilter("ignore", FitFailedWarning)
            res = run_cv(model, self.X, self.y, splits=self.splits, metrics=self.metrics,
                         fit_params=self.fit_params, return_train_score=self.return_train_score,
                         error_score="raise" if self.raises else math.nan, on_fold=on_fold)
        store(trial, res, failed)
        if failed and math.isnan(self.error_score):
            raise CandidateFitFailed(
                f"{len(failed)} of {res.n_splits} folds failed to fit with {params}: "
                + "; ".join(res.errors))
        if len(self.objectives) > 1:
            return tuple(res.mean(k) for k in self.objectives)
        return res.mean(self.primary)

    def _score_failed_fold(self, res: CVResult, i: int) -> None:
        """A failed fold scores `error_score` in scikit-learn's units (losses negated)."""
        if math.isnan(self.error_score):
            return
        for key, metric in self.metrics.items():
            value = float(self.error_score) * (1.0 if metric.greater_is_better else -1.0)
            res.test_scores[key][i] = value
            if self.return_train_score:
                res.train_scores[key][i] = value


def store(trial: Any, res: CVResult, failed: Sequence[int]) -> None:
    """Write the folds that ran to the trial's user attributes (JSON: NaN -> null)."""
    record = res.summary()
    record.update(train_scores={k: list(v) for k, v in res.train_scores.items()},
                  fit_times=list(res.fit_times), score_times=list(res.score_times),
                  failed_folds=list(failed), errors=list(res.errors))
    trial.set_user_attr(CV_ATTR, _json_safe(record))
    for key in res.metrics:
        trial.set_user_attr(f"cv_{key}", _json_safe(record["mean"][key]))


def _json_safe(value: Any) -> Any:
    """Strict JSON: NaN -> null, +-inf -> "inf"/"-inf" (read back by `fold_arrays`)."""
    return json_safe(value, inf_as_text=True)


__all__ = ["CV_ATTR", "CandidateFitFailed", "SearchObjective", "store"]
