"""Random search, independent uniform or quasi-random (scrambled Sobol)."""

from __future__ import annotations

import zlib
from collections.abc import Mapping

import numpy as np

from tuneforge.samplers.base import BaseSampler, Suggestion, design_seed
from tuneforge.space.distributions import Distribution
from tuneforge.space.encoding import decode
from tuneforge.trial.records import History, TrialRecord


class RandomSampler(BaseSampler):
    """Uniform random search in the unit-cube encoding (log scales respected).

    `qmc=True` draws trial n from a scrambled Sobol sequence (point n), which covers
    the space more evenly than independent draws for the same budget. `seed`, when
    given, becomes the study seed (see `create_study`); draws use only the study's.
    """

    def __init__(self, seed: int | None = None, *, qmc: bool = False) -> None:
        self.seed = seed
        self.qmc = qmc

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
            from scipy.stats import qmc

            # One scrambled sequence per space (scramble from the study seed and the space
            # size), indexed by trial number: parallel workers never repeat a point.
            names = zlib.crc32("\0".join(space).encode())
            scramble = np.random.default_rng([design_seed(history), d, names])
            sobol = qmc.Sobol(d, scramble=True, seed=scramble)
            if trial.number:
                sobol.fast_forward(trial.number)
            u = sobol.random(1)[0]
            return Suggestion(decode(space, u), {"sampler": "RandomSampler(qmc)"})
        return Suggestion(decode(space, rng.random(d)), {"sampler": "RandomSampler"})
