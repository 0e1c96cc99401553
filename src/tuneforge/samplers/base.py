"""The Sampler protocol: one call that proposes parameters for one trial."""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

import numpy as np

from tuneforge.space.distributions import Distribution
from tuneforge.trial.records import History, TrialRecord

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Suggestion:
    """Proposed params and why (`attrs` are stored on the trial's system attributes)."""

    params: Mapping[str, Any]
    attrs: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)


@runtime_checkable
class Sampler(Protocol):
    """Propose values for `space` (joint, or a single new define-by-run parameter).

    `trial` is the record of the trial being sampled (its number, the params it already
    has); `rng` is derived from the study seed and the trial number, so a sampler that
    uses only `rng` is reproducible under any parallelism.
    """

    def sample(self, space: Mapping[str, Distribution], history: History,
               rng: np.random.Generator, trial: TrialRecord) -> Suggestion: ...


@runtime_checkable
class QueueingSampler(Protocol):
    """A sampler that knows its trials up front (a grid): they are enqueued once per study."""

    def initial_queue(self) -> tuple[str, Sequence[Mapping[str, Any]]]: ...


def design_seed(sampler_seed: int | None, history: object) -> int:
    """The seed of a sampler's space-filling (Sobol) design: the sampler's own seed, else
    the study seed the history carries, so unseeded studies do not share one design."""
    if sampler_seed is not None:
        return int(sampler_seed)
    seed = getattr(history, "seed", None)
    return int(seed) if seed is not None else 0


def trial_rng(seed: int, number: int, name: str | None = None) -> np.random.Generator:
    """The random state of trial `number` (and of one parameter `name` in it).

    Derived, not reseeded (DESIGN principle 5): the same seed gives the same trial under
    any parallelism, and any trial can be replayed alone.
    """
    if name is None:
        return np.random.default_rng([seed, number])
    return np.random.default_rng([seed, number, zlib.crc32(name.encode()) + 1])
