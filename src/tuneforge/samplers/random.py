"""Random search, independent uniform or quasi-random (scrambled Sobol)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from tuneforge.samplers.base import (
    BaseSampler,
    ConstraintsFunc,
    Suggestion,
    checked_constraints_func,
    sobol_point,
)
from tuneforge.space.distributions import Distribution
from tuneforge.space.encoding import decode
from tuneforge.trial.records import History, TrialRecord


class RandomSampler(BaseSampler):
    """Uniform random search in the unit-cube encoding (log scales respected).

    `qmc=True` draws trial n from a scrambled Sobol sequence (point n), which covers
    the space more evenly than independent draws for the same budget. `seed`, when
    given, becomes the study seed (see `create_study`); draws use only the study's.
    """

    def __init__(self, seed: int | None = None, *, qmc: bool = False,
                 constraints_func: ConstraintsFunc | None = None) -> None:
        self.seed = seed
        self.qmc = qmc
        self.constraints_func = checked_constraints_func(constraints_func, self)

    @property
    def relative(self) -> bool:
        """Sobol points are joint over the modelled space; plain random draws are not."""
        return self.qmc

    def __repr__(self) -> str:
        return f"RandomSampler(seed={self.seed!r}, qmc={self.qmc})"

    def sample(self, space: Mapping[str, Distribution], history: History,
               rng: np.random.Generator, trial: TrialRecord) -> Suggestion:
        d = len(space)
        if d == 0:
            return Suggestion({})
        if self.qmc:
            u = sobol_point(space, number=trial.number, history=history)
            return Suggestion(decode(space, u), {"sampler": "RandomSampler(qmc)"})
        return Suggestion(decode(space, rng.random(d)), {"sampler": "RandomSampler"})
