"""TuneSearchCV: a scikit-learn search estimator whose candidates are tuneforge trials.

Each trial draws a candidate from the search space, cross-validates it fold by fold
(reporting to the study's pruner) and stores its fold scores on the trial; `fit` then
reads the study back into scikit-learn's `cv_results_`, picks the best candidate and
refits it. With a storage URL and a study name the search is logged and resumable.
"""

from __future__ import annotations

import copy
import numbers
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.exceptions import FitFailedWarning, NotFittedError
from sklearn.utils import get_tags, indexable
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from tuneforge.evaluate.cv import make_splits
from tuneforge.integrations.sklearn.metrics import ScoringPlan, plan_scoring, scorers
from tuneforge.integrations.sklearn.objective import CV_ATTR, CandidateFitFailed, SearchObjective
from tuneforge.integrations.sklearn.results import cv_results
from tuneforge.integrations.sklearn.space import ParamSpace
from tuneforge.integrations.sklearn.state import records_from_plain, records_to_plain
from tuneforge.integrations.sklearn.studies import (
    describe,
    evaluated,
    open_search_study,
    record_search_task,
)
from tuneforge.pruners.base import check_pruner
from tuneforge.samplers import AutoSampler, check_sampler
from tuneforge.study import Study, load_study
from tuneforge.trial.records import TrialRecord, TrialState

_FITTED = ("cv_results_", "best_index_", "best_params_", "best_score_", "best_estimator_",
           "refit_time_", "feature_names_in_", "scorer_", "n_splits_", "multimetric_",
           "trials_", "_study", "_study_location", "pareto_front_")


@dataclass(frozen=True)
class SearchSettings:
    """What differs between the search classes: space, sampler, budget, pruner, seed."""

    space: ParamSpace
    sampler: Any
    n_trials: int | None
    pruner: Any = None
    timeout: float | None = None
    seed: int | None = None


def seed_from(random_state: Any) -> int | None:
    """An int seed from scikit-learn's random_state (None, an int or a RandomState)."""
    if random_state is None:
        return None
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(np.iinfo(np.int32).max))
    raise ValueError(f"random_state must be None, an int or a numpy RandomState/Generator, got "
                     f"{random_state!r}")


def _warm_sources(value: Any) -> Any:
    """`warm_start` as create_study takes it; False (scikit-learn's "do not reuse the
    last fit", which its estimator checks set) means none."""
    if value is False or value is None:
        return None
    if value is True:
        raise ValueError("warm_start=True is scikit-learn's 'reuse the last fit'; a search "
                         "continues its study through storage= and study_name=, and "
                         "warm_start= takes past studies to learn from (names, WarmSources)")
    return value


def _check_error_score(value: Any) -> float | str:
    if isinstance(value, str) and value == "raise":
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    raise ValueError(f"error_score must be 'raise' or a number, got {value!r}")


def _estimator_has(attr: str) -> Callable[[Any], bool]:
    """For `available_if`: the refitted best estimator (or, before fit, the base one) has
    `attr`; a missing one raises AttributeError, so hasattr is False."""

    def check(self: Any) -> bool:
        target = self.best_estimator_ if hasattr(self, "best_estimator_") else self.estimator
        getattr(target, attr)
        return True

    return check


class TuneSearchCV(MetaEstimatorMixin, BaseEstimator):
    """Hyperparameter search with cross-validation, run as a tuneforge study.

    A drop-in for scikit-learn's search estimators: ``fit`` runs `n_trials` trials, each
    one candidate from `param_distributions` cross-validated fold by fold, then sets
    ``cv_results_``, ``best_params_``, ``best_score_``, ``best_index_`` and (with `refit`)
    ``best_estimator_`` as scikit-learn does, plus ``study_`` and ``trials_``.

    param_distributions : dict name -> tuneforge ``Float``/``Int``/``Categorical``, a list
        of choices (any objects) or a scipy.stats ``uniform``/``loguniform``/``randint``;
        or a list of such dicts (one branch each, picked by the categorical ``_branch``).
        Pipeline names work (``svc__C``).
    scoring : None (the estimator's ``score``), a metric name (tuneforge's such as
        ``"rmse"``, or any scikit-learn scorer name), a scorer callable, or a list/dict of
        them (multi-metric: `refit` must then name one, be a callable, or be False).
    objectives : keys of a multi-metric `scoring` optimized together (e.g. ``["f1",
        "model_size"]``): the study has one direction each, ``pareto_front_`` lists the
        indices of the Pareto-optimal candidates in ``cv_results_``, and `refit` picks
        from them: a key (the best in that metric), ``"knee"`` or True (the front's knee,
        `Study.knee_trial`), a callable of ``cv_results_``, or False.
    sampler, pruner : tuneforge ones; default ``AutoSampler(seed=random_state)`` (as
        ``create_study``: a GP for small numeric budgets, TPE for conditional, categorical or
        long searches) and none. The pruner sees the running mean after each fold (step =
        fold index).
    callbacks : functions ``f(study, trial)`` called after each candidate, as in
        ``Study.optimize``; e.g. ``tuneforge.evaluate.NoiseAwareStopping()`` ends the search
        when recent gains are within the CV standard error.
    storage, study_name : e.g. ``"sqlite:///search.db"``; a second fit with the same study
        continues it: its evaluated trials count toward `n_trials` and appear in
        ``cv_results_`` (the study must hold the same estimator class, space, scoring and
        CV splits). `n_jobs` > 1 runs trials in worker processes.
    warm_start : past studies to start from, as ``create_study(warm_start=...)`` takes
        them (names in `storage`, ``WarmSource``s such as
        ``tuneforge.warmstart.similar_studies`` returns, or a ``WarmStart``): their best
        candidates become the sampler's prior, matched by parameter name, without being
        cross-validated again (docs: tutorials/warm-start). Single-objective searches only;
        False or None: none.

    Conventions: trials store scores in natural units (the study minimizes an RMSE), but
    ``cv_results_``, ``best_score_``, ``scorer_`` and ``score`` follow scikit-learn's
    "greater is better": a loss is negated there, as ``make_scorer(greater_is_better=
    False)`` does. A candidate whose fit fails gets `error_score` on that fold (NaN: the
    trial is FAIL with the reason, and a FitFailedWarning summarizes; "raise" re-raises).
    A PRUNED trial appears in ``cv_results_`` with the folds it ran and NaN for the others,
    so its mean is NaN and it ranks last, tied with failed ones. ``best_*`` only come from
    COMPLETE trials.
    """

    def __init__(self, estimator: Any, param_distributions: Any, *, n_trials: int | None = 10,
                 scoring: Any = None, sampler: Any = None, pruner: Any = None, cv: Any = 5,
                 refit: Any = True, n_jobs: int | None = 1, error_score: Any = np.nan,
                 return_train_score: bool = False, storage: Any = None,
                 study_name: str | None = None, random_state: Any = None,
                 timeout: float | None = None, callbacks: Any = None, verbose: int = 0,
                 objectives: Any = None, warm_start: Any = None) -> None:
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.n_trials = n_trials
        self.scoring = scoring
        self.sampler = sampler
        self.pruner = pruner
        self.cv = cv
        self.refit = refit
        self.n_jobs = n_jobs
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.storage = storage
        self.study_name = study_name
        self.random_state = random_state
        self.timeout = timeout
        self.callbacks = callbacks
        self.verbose = verbose
        self.objectives = objectives
        self.warm_start = warm_start

    # -- what the subclasses change ----------------------------------------------------
    def _settings(self) -> SearchSettings:
        """Space, sampler and budget of this search (read at each fit)."""
        n_trials = self.n_trials
        if n_trials is not None and (isinstance(n_trials, bool)
                                     or not isinstance(n_trials, numbers.Integral)
                                     or n_trials < 1):
            raise ValueError(f"n_trials must be a positive integer or None, got {n_trials!r}")
        if n_trials is None and self.timeout is None:
            raise ValueError("n_trials=None needs a timeout, or the search never ends")
        seed = seed_from(self.random_state)
        sampler = (copy.deepcopy(self.sampler) if self.sampler is not None
                   else AutoSampler(seed=seed))
        check_sampler(sampler)
        pruner = copy.deepcopy(self.pruner)
        if pruner is not None:
            check_pruner(pruner)
        return SearchSettings(ParamSpace.from_distributions(self.param_distributions), sampler,
                              None if n_trials is None else int(n_trials), pruner,
                              self.timeout, seed)

    # -- fitting -----------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, groups: Any = None, **fit_params: Any) -> TuneSearchCV:
        """Run the search (or continue its study), then refit the best candidate. `X` may
        be a CSV/Parquet path and `y` the name of its target column."""
        from tuneforge.evaluate.tables import as_xy

        X, y = as_xy(X, y)
        for name in _FITTED:
            self.__dict__.pop(name, None)
        settings = self._settings()
        # subclasses with their own signature have no objectives
        plan = plan_scoring(self.scoring, self.refit, self.estimator,
                            getattr(self, "objectives", None))
        error_score = _check_error_score(self.error_score)
        X, y, groups = indexable(X, y, groups)
        splits = make_splits(5 if self.cv is None else self.cv, X, y, groups=groups,
                             classifier=is_classifier(self.estimator))
        study = open_search_study(
            self.study_name, self.storage,
            direction=plan.directions if len(plan.objectives) > 1 else plan.direction,
            sampler=settings.sampler,
            pruner=settings.pruner, seed=settings.seed,
            warm_start=_warm_sources(getattr(self, "warm_start", None)),
            description=describe(self.estimator, settings.space, plan, splits))
        record_search_task(study, X, y, settings.space, plan.primary,
                           classifier=is_classifier(self.estimator),
                           estimator=self.estimator)
        before = {t.number for t in evaluated(study.trials)}
        budget = None if settings.n_trials is None else max(0, settings.n_trials - len(before))
        if self.verbose > 0:
            print(f"{type(self).__name__}: study {study.study_name!r} has {len(before)} "
                  f"candidates; fitting {len(splits)} folds for each of "
                  f"{'the remaining' if budget is None else budget} candidates")
        if budget != 0:
            objective = SearchObjective(
                self.estimator, X, y, space=settings.space, splits=splits,
                metrics=plan.metrics, primary=plan.primary, fit_params=fit_params,
                error_score=error_score, return_train_score=self.return_train_score,
                objectives=plan.objectives)
            study.optimize(objective, n_trials=budget, timeout=settings.timeout,
                           n_jobs=1 if self.n_jobs is None else self.n_jobs,
                           catch=(CandidateFitFailed,),
                           callbacks=self._callbacks(plan))
        records = evaluated(study.trials)
        params = [settings.space.decode(r.params) for r in records]
        results = cv_results(records, params, plan, len(splits), self.return_train_score)
        _warn_fit_failures([r for r in records if r.number not in before], error_score)
        self.cv_results_ = results
        self.multimetric_ = plan.multimetric
        self.n_splits_ = len(splits)
        self.scorer_ = scorers(plan)
        self.trials_ = records
        self._study = study
        self._select_best(records, results, plan, study)
        if self.refit:
            self._refit(X, y, fit_params)
        return self

    def _callbacks(self, plan: ScoringPlan) -> list[Any]:
        """The user's callbacks (checked), then the verbose reporter."""
        given = self.callbacks
        if given is None:
            given = []
        elif callable(given):
            given = [given]
        given = list(given)
        for cb in given:
            if not callable(cb):
                raise TypeError(f"callbacks must be callables f(study, trial), got {cb!r}")
        return given + ([_Reporter(plan)] if self.verbose > 1 else [])

    def _select_best(self, records: Sequence[TrialRecord], results: dict[str, Any],
                     plan: ScoringPlan, study: Study) -> None:
        """best_index_/best_params_/best_score_, as scikit-learn sets them for `refit`;
        with several objectives also pareto_front_ (and refit "knee"/True: its knee)."""
        if len(plan.objectives) > 1:
            front = {t.number for t in study.best_trials}
            self.pareto_front_ = [i for i, r in enumerate(records) if r.number in front]
            if (self.refit is True or self.refit == "knee") and front:
                knee = study.knee_trial().number
                self.best_index_ = next(i for i, r in enumerate(records) if r.number == knee)
                self.best_params_ = results["params"][self.best_index_]
                return
        if callable(self.refit):
            index = self.refit(results)
            if isinstance(index, bool) or not isinstance(index, numbers.Integral):
                raise TypeError(f"the refit callable returned {index!r}, not an integer index")
            if not 0 <= int(index) < len(records):
                raise IndexError(f"the refit callable returned index {index}, outside the "
                                 f"{len(records)} candidates")
            self.best_index_ = int(index)
            self.best_params_ = results["params"][self.best_index_]
            return
        key = plan.refit_key
        if key is None:  # several metrics and refit=False: no best_* (as scikit-learn)
            return
        complete = [i for i, r in enumerate(records) if r.state is TrialState.COMPLETE]
        if not complete:
            message = _no_complete_message(type(self).__name__, study, records)
            if self.refit:
                raise ValueError(message)
            warnings.warn(message, UserWarning, stacklevel=3)
            return
        ranks = results[f"rank_test_{key}"]
        self.best_index_ = min(complete, key=lambda i: (ranks[i], i))
        self.best_params_ = results["params"][self.best_index_]
        self.best_score_ = float(results[f"mean_test_{key}"][self.best_index_])

    def _refit(self, X: Any, y: Any, fit_params: dict[str, Any]) -> None:
        best = clone(self.estimator).set_params(**clone(self.best_params_, safe=False))
        start = time.perf_counter()
        if y is not None:
            best.fit(X, y, **fit_params)
        else:
            best.fit(X, **fit_params)
        self.refit_time_ = time.perf_counter() - start
        self.best_estimator_ = best
        if hasattr(best, "feature_names_in_"):
            self.feature_names_in_ = best.feature_names_in_

    # -- fitted state ------------------------------------------------------------------
    @property
    def study_(self) -> Study:
        """The tuneforge Study of the last fit (reopened from its storage after pickling)."""
        if "_study" in self.__dict__:
            return self.__dict__["_study"]
        location = self.__dict__.get("_study_location")
        if location is None:
            raise AttributeError(f"this {type(self).__name__} has no study_ yet: call fit")
        url, name = location
        if url is None:
            raise AttributeError("study_ was in memory and is not kept when the search is "
                                 "pickled; give storage= (e.g. sqlite:///search.db) to keep it")
        self.__dict__["_study"] = load_study(name, storage=url)
        return self.__dict__["_study"]

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        study = state.pop("_study", None)
        if study is not None:
            state["_study_location"] = (study.storage.url, study.study_name)
        if "trials_" in state:
            state["trials_"] = records_to_plain(state["trials_"])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        if "trials_" in state:
            state["trials_"] = records_from_plain(state["trials_"])
        super().__setstate__(state)

    @property
    def n_features_in_(self) -> int:
        """Number of features seen by the refitted best estimator."""
        try:
            check_is_fitted(self)
        except NotFittedError as exc:
            raise AttributeError(f"{type(self).__name__} has no n_features_in_ before "
                                 "fit") from exc
        return self.best_estimator_.n_features_in_

    @property
    def classes_(self) -> np.ndarray:
        """The class labels of the refitted best estimator."""
        self._check_refit("classes_")
        return self.best_estimator_.classes_

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = copy.deepcopy(inner.classifier_tags)
        tags.regressor_tags = copy.deepcopy(inner.regressor_tags)
        tags.input_tags.pairwise = inner.input_tags.pairwise  # so CV sees precomputed X
        tags.input_tags.sparse = inner.input_tags.sparse
        return tags

    # -- delegation to the best estimator ----------------------------------------------
    def _check_refit(self, method: str) -> None:
        if not self.refit:
            raise AttributeError(
                f"{type(self).__name__} was created with refit=False: {method} needs the "
                "best estimator refitted; refit one yourself with best_params_")
        check_is_fitted(self)

    def score(self, X: Any, y: Any = None) -> float:
        """The refit metric on (X, y), greater is better (a loss is negated)."""
        self._check_refit("score")
        scorer = self.scorer_
        if isinstance(scorer, dict):
            # refit "knee" (several objectives) names no metric: the first objective's
            key = self.refit if isinstance(self.refit, str) and self.refit in scorer \
                else next(iter(scorer))
            scorer = scorer[key]
        return float(scorer(self.best_estimator_, X, y))

    @available_if(_estimator_has("predict"))
    def predict(self, X: Any) -> Any:
        """Predict with the best estimator."""
        self._check_refit("predict")
        return self.best_estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X: Any) -> Any:
        """Class probabilities from the best estimator."""
        self._check_refit("predict_proba")
        return self.best_estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X: Any) -> Any:
        """Log class probabilities from the best estimator."""
        self._check_refit("predict_log_proba")
        return self.best_estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X: Any) -> Any:
        """Decision function of the best estimator."""
        self._check_refit("decision_function")
        return self.best_estimator_.decision_function(X)

    @available_if(_estimator_has("score_samples"))
    def score_samples(self, X: Any) -> Any:
        """Per-sample scores of the best estimator."""
        self._check_refit("score_samples")
        return self.best_estimator_.score_samples(X)

    @available_if(_estimator_has("transform"))
    def transform(self, X: Any) -> Any:
        """Transform with the best estimator."""
        self._check_refit("transform")
        return self.best_estimator_.transform(X)

    @available_if(_estimator_has("inverse_transform"))
    def inverse_transform(self, X: Any) -> Any:
        """Inverse transform with the best estimator."""
        self._check_refit("inverse_transform")
        return self.best_estimator_.inverse_transform(X)


class _Reporter:
    """verbose > 1: one line per finished trial (runs in the main process)."""

    def __init__(self, plan: ScoringPlan) -> None:
        self.metric = plan.metrics[plan.primary].name

    def __call__(self, study: Study, record: TrialRecord) -> None:
        value = "-" if record.values is None else f"{record.values[0]:.6g}"
        print(f"trial {record.number} {record.state.value}: {dict(record.params)} "
              f"{self.metric}={value}")


def _warn_fit_failures(records: Sequence[TrialRecord], error_score: Any) -> None:
    """One FitFailedWarning for the folds of these trials that failed to fit."""
    failed = [(r, r.user_attrs[CV_ATTR]) for r in records
              if r.user_attrs[CV_ATTR].get("errors")]
    if not failed:
        return
    n_failed = sum(len(cv["errors"]) for _, cv in failed)
    n_fits = sum(int(cv.get("folds_done", 0)) for r in records
                 for cv in [r.user_attrs[CV_ATTR]])
    first, cv = failed[0]
    warnings.warn(
        f"{n_failed} of {n_fits} fits failed, in {len(failed)} of {len(records)} candidates; "
        f"their score is error_score={error_score!r}. First failure, trial {first.number} "
        f"{dict(first.params)}: {cv['errors'][0]}", FitFailedWarning, stacklevel=3)


def _no_complete_message(owner: str, study: Study, records: Sequence[TrialRecord]) -> str:
    n_failed = sum(r.state is TrialState.FAIL for r in records)
    n_pruned = sum(r.state is TrialState.PRUNED for r in records)
    text = (f"{owner}.fit: none of the {len(records)} candidates of study "
            f"{study.study_name!r} completed ({n_failed} failed, {n_pruned} pruned), so there "
            "are no best parameters")
    failures = [r for r in records if r.state is TrialState.FAIL]
    if failures:
        reason = failures[0].system_attrs.get("fail_reason", "no reason stored")
        text += f". First failure, trial {failures[0].number}: {reason}"
    return text


__all__ = ["SearchSettings", "TuneSearchCV", "seed_from"]
