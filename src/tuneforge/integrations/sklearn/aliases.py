"""GridSearchCV and RandomSearchCV: scikit-learn's signatures, run as tuneforge studies.

Same behaviour as TuneSearchCV (results, conventions, storage and resuming); only the
space, the sampler and the budget differ: every grid point once through tuneforge's
GridSampler, or `n_iter` draws from RandomSampler(seed=random_state) (without replacement
when every parameter is a list, as scikit-learn's ParameterSampler does).

Both accept scikit-learn's `pre_dispatch` so that code written for scikit-learn runs
unchanged; it has no effect: tuneforge's `n_jobs` workers each claim one candidate at a
time from the study, so there is no queue of pre-dispatched jobs to bound. They also take
tuneforge's `storage`, `study_name` and `callbacks` (see TuneSearchCV).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from tuneforge.exceptions import SearchSpaceError
from tuneforge.integrations.sklearn.param_grid import grid_sampler
from tuneforge.integrations.sklearn.search import SearchSettings, TuneSearchCV, seed_from
from tuneforge.integrations.sklearn.space import ParamSpace
from tuneforge.samplers import RandomSampler


class GridSearchCV(TuneSearchCV):
    """Every point of `param_grid` (a dict of lists, or a list of such dicts) once, in
    scikit-learn's ParameterGrid order; a resumed study runs only the points left."""

    def __init__(self, estimator: Any, param_grid: Any, *, scoring: Any = None,
                 n_jobs: int | None = None, refit: Any = True, cv: Any = None,
                 verbose: int = 0, pre_dispatch: Any = "2*n_jobs", error_score: Any = np.nan,
                 return_train_score: bool = False, storage: Any = None,
                 study_name: str | None = None, callbacks: Any = None) -> None:
        self.estimator = estimator
        self.param_grid = param_grid
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit
        self.cv = cv
        self.verbose = verbose
        self.pre_dispatch = pre_dispatch
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.storage = storage
        self.study_name = study_name
        self.callbacks = callbacks

    def _settings(self) -> SearchSettings:
        space = ParamSpace.from_grid(self.param_grid)
        return SearchSettings(space, grid_sampler(space), n_trials=None)


class RandomSearchCV(TuneSearchCV):
    """`n_iter` candidates drawn at random from `param_distributions`: lists, tuneforge
    distributions, or scipy.stats uniform, loguniform and randint. The same `random_state`
    gives the same candidates. As in scikit-learn, when every parameter is a list the
    candidates are distinct points of that grid (at most all of them, with a warning)."""

    def __init__(self, estimator: Any, param_distributions: Any, *, n_iter: int = 10,
                 scoring: Any = None, n_jobs: int | None = None, refit: Any = True,
                 cv: Any = None, verbose: int = 0, pre_dispatch: Any = "2*n_jobs",
                 random_state: Any = None, error_score: Any = np.nan,
                 return_train_score: bool = False, storage: Any = None,
                 study_name: str | None = None, callbacks: Any = None) -> None:
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.n_iter = n_iter
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit
        self.cv = cv
        self.verbose = verbose
        self.pre_dispatch = pre_dispatch
        self.random_state = random_state
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.storage = storage
        self.study_name = study_name
        self.callbacks = callbacks

    def _settings(self) -> SearchSettings:
        n_iter = self.n_iter
        if isinstance(n_iter, bool) or not isinstance(n_iter, (int, np.integer)) or n_iter < 1:
            raise ValueError(f"n_iter must be a positive integer, got {n_iter!r}")
        seed = seed_from(self.random_state)
        space = ParamSpace.from_distributions(self.param_distributions)
        try:
            sampler = grid_sampler(space, shuffle=True, seed=seed)
        except SearchSpaceError:  # some parameter is a distribution: independent draws
            return SearchSettings(space, RandomSampler(seed=seed), n_trials=int(n_iter),
                                  seed=seed)
        size = len(sampler)
        if n_iter > size:
            warnings.warn(f"the search space has {size} points, fewer than n_iter={n_iter}; "
                          f"running {size} candidates (GridSearchCV tries them all)",
                          UserWarning, stacklevel=3)
        return SearchSettings(space, sampler, n_trials=min(int(n_iter), size), seed=seed)


__all__ = ["GridSearchCV", "RandomSearchCV"]
