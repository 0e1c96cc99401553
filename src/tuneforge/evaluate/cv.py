"""Cross-validation, fold by fold, so that a trial can report and be pruned after each fold.

`run_cv` fits a fresh clone of an estimator on each training split and scores it with
every metric; `cross_val_objective` turns that into a study objective: it suggests the
hyperparameters, reports the running mean after each fold (so the study's pruner can stop
a hopeless trial after one or two folds) and stores the per-fold scores on the trial.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from tuneforge.evaluate.scoring import Metric, _require_sklearn, metric_task, resolve_metrics
from tuneforge.exceptions import TrialPruned, TuneforgeError

if TYPE_CHECKING:
    from tuneforge.study.trial import Trial


@dataclass
class CVResult:
    """Per-fold scores of one cross-validation (only the folds that ran)."""

    metrics: tuple[str, ...]
    n_splits: int
    test_scores: dict[str, list[float]] = field(default_factory=dict)
    train_scores: dict[str, list[float]] = field(default_factory=dict)
    fit_times: list[float] = field(default_factory=list)
    score_times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def n_done(self) -> int:
        return len(self.fit_times)

    @property
    def primary(self) -> str:
        return self.metrics[0]

    def mean(self, metric: str | None = None) -> float:
        vals = self.test_scores[metric or self.primary]
        return float(np.mean(vals)) if vals else math.nan

    def std(self, metric: str | None = None) -> float:
        vals = self.test_scores[metric or self.primary]
        return float(np.std(vals)) if vals else math.nan

    def sem(self, metric: str | None = None) -> float:
        """Standard error of the mean over folds (sample std / sqrt(k)); the CV noise."""
        vals = self.test_scores[metric or self.primary]
        if len(vals) < 2:
            return math.nan
        return float(np.std(vals, ddof=1) / math.sqrt(len(vals)))

    def summary(self) -> dict[str, Any]:
        """JSON-ready: per metric the fold scores, mean, std and standard error."""
        return {
            "folds_done": self.n_done,
            "n_splits": self.n_splits,
            "scores": {m: list(v) for m, v in self.test_scores.items()},
            "mean": {m: self.mean(m) for m in self.metrics},
            "std": {m: self.std(m) for m in self.metrics},
            "sem": {m: self.sem(m) for m in self.metrics},
            "fit_time": float(sum(self.fit_times)),
            **({"train_mean": {m: float(np.mean(v)) if v else math.nan
                               for m, v in self.train_scores.items()}}
               if self.train_scores else {}),
        }


def make_splits(cv: Any, X: Any, y: Any, *, groups: Any = None,
                classifier: bool = True) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (train, test) index arrays of `cv` (an int, a splitter or an iterable), as
    scikit-learn's `check_cv` reads it: an int means (Stratified)KFold."""
    _require_sklearn()
    from sklearn.model_selection import check_cv

    splitter = check_cv(cv, y, classifier=classifier)
    splits = [(np.asarray(tr), np.asarray(te)) for tr, te in splitter.split(X, y, groups)]
    if not splits:
        raise ValueError(f"cv={cv!r} produced no splits")
    return splits


def _subset(X: Any, idx: np.ndarray) -> Any:
    from sklearn.utils import _safe_indexing

    return _safe_indexing(X, idx)


def run_cv(estimator: Any, X: Any, y: Any, *, splits: Sequence[tuple[np.ndarray, np.ndarray]],
           metrics: Mapping[str, Metric], fit_params: Mapping[str, Any] | None = None,
           return_train_score: bool = False, error_score: Any = "raise",
           on_fold: Callable[[int, CVResult], None] | None = None,
           on_model: Callable[[int, Any, Any], None] | None = None) -> CVResult:
    """Fit a clone of `estimator` on each split and score it with every metric.

    `on_fold(i, result)` runs after fold i (0-based) and may raise (e.g. TrialPruned) to
    stop early; before it, `on_model(i, fitted, X_test)` sees each fold's fitted model (to
    keep its predictions, `automl.blend`). `error_score`: "raise" re-raises a failing
    fit; a number records that score for every metric of the fold and a
    FitFailedWarning, as scikit-learn does.
    """
    _require_sklearn()
    from sklearn.base import clone
    from sklearn.exceptions import FitFailedWarning

    names = tuple(metrics)
    result = CVResult(metrics=names, n_splits=len(splits),
                      test_scores={m: [] for m in names},
                      train_scores={m: [] for m in names} if return_train_score else {})
    for i, (train, test) in enumerate(splits):
        model = clone(estimator)
        X_tr, X_te = _subset(X, train), _subset(X, test)
        y_tr = None if y is None else _subset(y, train)
        y_te = None if y is None else _subset(y, test)
        params = _fold_fit_params(fit_params, train, X)
        t0 = time.perf_counter()
        try:
            model.fit(X_tr, y_tr, **params)
        except Exception as exc:
            from tuneforge.evaluate.tables import TableInputError, explain_fit_error

            explained = explain_fit_error(exc, X_tr, _final_step(estimator))
            if isinstance(error_score, str) and error_score == "raise":
                if explained is not None:
                    raise TableInputError(explained) from exc
                raise
            fit_time = time.perf_counter() - t0
            msg = f"fold {i}: {explained or f'{type(exc).__name__}: {exc}'}"
            result.errors.append(msg)
            warnings.warn(f"fitting failed on {msg}; its score is set to {error_score}",
                          FitFailedWarning, stacklevel=2)
            for m in names:
                result.test_scores[m].append(float(error_score))
                if return_train_score:
                    result.train_scores[m].append(float(error_score))
            result.fit_times.append(fit_time)
            result.score_times.append(0.0)
        else:
            fit_time = time.perf_counter() - t0
            t1 = time.perf_counter()
            for m, metric in metrics.items():
                result.test_scores[m].append(metric(model, X_te, y_te))
                if return_train_score:
                    result.train_scores[m].append(metric(model, X_tr, y_tr))
            result.fit_times.append(fit_time)
            result.score_times.append(time.perf_counter() - t1)
            if on_model is not None:
                on_model(i, model, X_te)
        if on_fold is not None:
            on_fold(i, result)
    return result


def _final_step(estimator: Any) -> Any:
    """The model at the end of a pipeline (the estimator itself otherwise)."""
    steps = getattr(estimator, "steps", None)
    return steps[-1][1] if isinstance(steps, list) and steps else estimator


def _fold_fit_params(fit_params: Mapping[str, Any] | None, train: np.ndarray,
                     X: Any) -> dict[str, Any]:
    """Fit parameters indexed per sample (e.g. sample_weight) are cut to the fold."""
    if not fit_params:
        return {}
    n = len(X) if hasattr(X, "__len__") else None
    out = {}
    for k, v in fit_params.items():
        if n is not None and hasattr(v, "__len__") and not isinstance(v, (str, dict)) \
                and len(v) == n:
            out[k] = _subset(v, train)
        else:
            out[k] = v
    return out


MAX_FLOAT_CLASSES = 20  # more distinct float values than this: a regression target


class CrossValObjective:
    """A study objective: suggest hyperparameters, cross-validate, return the mean score.

    After each fold it reports the running mean of the optimized metric (step = fold
    index; with several `objectives`, the vector of their running means), or each fold's
    own score when the study's pruner compares folds (`per_fold_reports`, WilcoxonPruner),
    and asks the pruner whether to stop. The trial keeps, as user attributes, ``cv``
    (per-metric fold scores, mean, std, standard error) and, for each metric,
    ``cv_<metric>`` (the mean). Picklable, so ``optimize(n_jobs=k)`` works.
    """

    def __init__(self, estimator: Any, X: Any, y: Any, *, space: Mapping[str, Any] | None,
                 cv: Any, scoring: Any, groups: Any, fit_params: Mapping[str, Any] | None,
                 prune: bool, error_score: Any, objectives: Any = None,
                 return_train_score: bool = False) -> None:
        _require_sklearn()
        from sklearn.base import is_classifier, is_regressor

        from tuneforge.evaluate.tables import as_xy

        X, y = as_xy(X, y)  # a CSV/Parquet path; the target named by its column
        if space is None and not callable(estimator):
            raise TypeError("cross_val_objective needs an estimator factory (a function of the "
                            "trial that returns an estimator) or an estimator and a space")
        # an estimator (with a space) says its own kind; a factory says nothing
        classifier = space is not None and is_classifier(estimator)
        known = classifier or (space is not None and is_regressor(estimator))
        given = scoring
        if scoring is None:  # the estimator's own score: accuracy or R2
            scoring = "accuracy" if (classifier if known else looks_like_classes(y)) else "r2"
        if objectives is not None:  # optimized together; `scoring` adds recorded ones
            self.metrics = resolve_metrics(objectives)
            self.objectives: tuple[str, ...] = tuple(self.metrics)
            if given is not None:
                self.metrics.update({k: m for k, m in resolve_metrics(given).items()
                                     if k not in self.metrics})
        else:
            self.metrics = resolve_metrics(scoring)
            self.objectives = (next(iter(self.metrics)),)
        self.metric = self.metrics[self.objectives[0]]
        self.estimator = estimator
        self.space = space
        self.X, self.y = X, y
        self._fingerprint: str | None = None  # provenance: which data the trials saw
        task = metric_task(self.metric)
        if known and task is not None and classifier != (task == "classification"):
            kind = "a classifier" if classifier else "a regressor"
            raise ValueError(f"metric {self.metric.name!r} is a {task} metric but "
                             f"{type(estimator).__name__} is {kind}; pick a "
                             f"{'classification' if classifier else 'regression'} metric")
        if space is None:  # a factory: judge the task by the metric, then by the target
            classifier = task == "classification" if task else looks_like_classes(y)
        self.splits = make_splits(cv, X, y, groups=groups, classifier=classifier)
        self.task: str | None = None if y is None else \
            ("classification" if classifier else "regression")
        self._recorded: set[str] = set()
        self.fit_params = dict(fit_params or {})
        self.prune = prune
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.deadline: float | None = None  # no fold starts that would end after this time.time()
        # keeps complete trials' test-fold predictions (`automl.blend.FoldPredictions`)
        self.keep: Any = None

    @property
    def direction(self) -> str:
        """The direction a study of this objective must have: that of the first metric."""
        return self.metric.direction

    @property
    def directions(self) -> list[str]:
        """One direction per optimized metric (`objectives`), for
        ``create_study(directions=objective.directions)``."""
        return [self.metrics[m].direction for m in self.objectives]

    def _catalog(self, study: Any) -> None:
        """Record the task's meta-features and space on the study, once (the catalog
        that `tuneforge.warmstart.similar_studies` searches)."""
        if study.study_name in self._recorded:
            return
        from tuneforge.space.distributions import Categorical, Float, Int
        from tuneforge.warmstart.catalog import record_task

        self._recorded.add(study.study_name)
        space = None if self.space is None else \
            {n: d for n, d in self.space.items() if isinstance(d, (Float, Int, Categorical))}
        try:
            record_task(study, self.X, self.y, space=space, metric=self.metric.name,
                        task=self.task, estimator=None if space is None else self.estimator)
        except (ValueError, TypeError) as exc:  # e.g. a sparse matrix: tuning goes on
            warnings.warn(f"study {study.study_name!r}: task meta-features not recorded "
                          f"for the warm-start catalog ({exc})", stacklevel=2)

    def build(self, trial: Trial) -> Any:
        """The estimator of this trial (its hyperparameters suggested on `trial`)."""
        if self.space is not None:
            from sklearn.base import clone

            params = trial.suggest_space(self.space)
            return clone(self.estimator).set_params(**params)
        model = self.estimator(trial)
        if model is None or not hasattr(model, "fit"):
            raise TypeError(f"the estimator factory returned {model!r}, not an estimator")
        return model

    def __call__(self, trial: Trial) -> float | tuple[float, ...]:
        study = getattr(trial, "study", None)
        if study is not None and len(self.objectives) > 1:
            have = [d.value for d in study.directions]
            if have != self.directions:
                raise TuneforgeError(
                    f"study {study.study_name!r} has directions {have} but the objectives "
                    f"{list(self.objectives)} need {self.directions}; create it with "
                    "directions=objective.directions")
        elif study is not None and len(study.directions) == 1 \
                and study.direction.value != self.direction:
            better = "higher" if self.metric.greater_is_better else "lower"
            raise TuneforgeError(
                f"study {study.study_name!r} is set to {study.direction.value} but metric "
                f"{self.metric.name!r} is better when {better}; create it with "
                f"direction={self.direction!r}")
        if study is not None and len(study.directions) == 1:
            self._catalog(study)
        model = self.build(trial)
        if self._fingerprint is None:  # once per objective: the data never changes
            from tuneforge.study.provenance import data_fingerprint

            self._fingerprint = data_fingerprint(self.X, self.y)
        trial.set_system_attr("data_fingerprint", self._fingerprint)
        primary = self.metric.name
        reported: str | tuple[str, ...] = primary if len(self.objectives) == 1 \
            else self.objectives
        per_fold = bool(getattr(getattr(study, "pruner", None), "per_fold_reports", False))

        deadline = self.deadline

        def on_fold(i: int, res: CVResult) -> None:
            report_fold(trial, res, i, reported, prune=self.prune,
                        before_prune=lambda: _store(trial, res, self.metric), per_fold=per_fold)
            # the next fold is expected to take as long as this trial's folds so far
            fold = (sum(res.fit_times) + sum(res.score_times)) / max(res.n_done, 1)
            if deadline is not None and i + 1 < res.n_splits \
                    and time.time() + fold > deadline:
                _store(trial, res, self.metric)
                raise TrialPruned(f"the time budget ran out after fold {i}: the next fold "
                                  f"would end past the deadline")

        keep = self.keep
        try:
            res = run_cv(model, self.X, self.y, splits=self.splits, metrics=self.metrics,
                         fit_params=self.fit_params, error_score=self.error_score,
                         return_train_score=self.return_train_score,
                         on_fold=on_fold if hasattr(trial, "report") else None,
                         on_model=None if keep is None else
                         lambda i, fitted, X_te: keep.fold(trial, i, fitted, X_te))
            if keep is not None and not res.errors:
                keep.done(trial, res.mean(primary))
        finally:
            if keep is not None:
                keep.discard(trial)  # a pruned or failed trial's folds
        _store(trial, res, self.metric)
        if len(self.objectives) > 1:
            return tuple(res.mean(m) for m in self.objectives)
        return res.mean(primary)


def report_fold(trial: Any, res: CVResult, fold: int, metric: str | Sequence[str], *,
                prune: bool = True, before_prune: Callable[[], None] | None = None,
                per_fold: bool = False) -> None:
    """After fold `fold`: report the running mean of `metric` (step = fold; several
    metrics: the vector of their means; with `per_fold`, the fold's own score) and, when
    the study's pruner says so before the last fold, save what ran and raise TrialPruned."""
    names = [metric] if isinstance(metric, str) else list(metric)
    running = [res.mean(m) for m in names]
    reported = [float(res.test_scores[m][fold]) for m in names] if per_fold else running
    if not all(math.isfinite(v) for v in reported):
        return
    trial.report(reported[0] if isinstance(metric, str) else reported, step=fold)
    if prune and fold + 1 < res.n_splits and trial.should_prune():
        if before_prune is not None:
            before_prune()
        said = ", ".join(f"{m} = {v:.6g}" for m, v in zip(names, running, strict=True))
        raise TrialPruned(f"pruned after fold {fold + 1} of {res.n_splits}: running "
                          f"mean {said}")


def _store(trial: Any, res: CVResult, metric: Metric | None = None) -> None:
    if not hasattr(trial, "set_user_attr"):
        return
    summary = res.summary()
    trial.set_user_attr("cv", json_safe(summary))
    for m in res.metrics:
        trial.set_user_attr(f"cv_{m}", json_safe(summary["mean"][m]))
    if res.errors:
        trial.set_user_attr("cv_errors", res.errors)
    if res.train_scores and metric is not None and res.train_scores.get(metric.name):
        from tuneforge.evaluate.fitting import fit_diagnosis

        train = float(np.mean(res.train_scores[metric.name]))
        trial.set_user_attr("train_score", json_safe(train))
        trial.set_user_attr("fit", fit_diagnosis(metric, train, res.mean(metric.name),
                                                 res.sem(metric.name)))


def json_safe(value: Any, *, inf_as_text: bool = False) -> Any:
    """Strict JSON for trial attributes: NaN becomes None; +-inf None too, or "inf"/"-inf"
    with `inf_as_text` (for readers that turn them back into numbers)."""
    if isinstance(value, float):
        if inf_as_text and math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v, inf_as_text=inf_as_text) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v, inf_as_text=inf_as_text) for v in value]
    return value


def looks_like_classes(y: Any) -> bool:
    """Whether a target looks like class labels: binary or multiclass to scikit-learn, but
    not a float target with many distinct values (load_diabetes' integral floats)."""
    if y is None:
        return False
    from sklearn.utils.multiclass import type_of_target

    try:
        kind = type_of_target(y)
    except ValueError:
        return False
    if kind not in ("binary", "multiclass"):
        return False
    arr = np.asarray(y)
    return not (arr.dtype.kind == "f" and len(np.unique(arr)) > MAX_FLOAT_CLASSES)


def cross_val_objective(estimator: Any, X: Any, y: Any = None, *,
                        space: Mapping[str, Any] | None = None, cv: Any = 5,
                        scoring: Any = None, groups: Any = None,
                        fit_params: Mapping[str, Any] | None = None, prune: bool = True,
                        error_score: Any = "raise", objectives: Any = None,
                        return_train_score: bool = False) -> CrossValObjective:
    """An objective that cross-validates a model with the trial's hyperparameters.

    `estimator` is either a factory ``f(trial) -> estimator`` (it calls ``trial.suggest_*``
    itself, so the space may be conditional) or a scikit-learn estimator together with
    `space` (a dict name -> distribution, set with ``set_params``). `scoring` is one metric
    or several (list or dict): the first is optimized, the others recorded; None is the
    estimator's own score, as in scikit-learn (accuracy for a classifier, R2 for a
    regressor; for a factory, judged by the target). Create the study with
    ``direction=objective.direction``.

    `objectives` (a list of metric names, e.g. ``["f1", "model_size"]``) optimizes several
    metrics together: the objective returns one mean per metric, reports their vector per
    fold (for `ParetoPruner`), and the study needs ``directions=objective.directions``;
    metrics in `scoring` but not in `objectives` are recorded only.

    `X` may be a DataFrame or a CSV/Parquet path and `y` the name of its target column;
    a fit that fails on text or missing cells names the columns. `return_train_score`
    also scores each fold's training rows: the trial records ``train_score`` and ``fit``
    (``over-fitting`` when training is better than validation by more than the noise).

        objective = cross_val_objective(SVC(), X, y, space={"C": Float(1e-3, 1e3, log=True)})
        study = create_study(direction=objective.direction)
        study.optimize(objective, n_trials=50)
    """
    return CrossValObjective(estimator, X, y, space=space, cv=cv, scoring=scoring,
                             groups=groups, fit_params=fit_params, prune=prune,
                             error_score=error_score, objectives=objectives,
                             return_train_score=return_train_score)


__all__ = ["CVResult", "CrossValObjective", "cross_val_objective", "json_safe", "make_splits",
           "report_fold", "run_cv"]
