"""The Sampler protocol, everything a sampler may declare, and BaseSampler's defaults."""

from __future__ import annotations

import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from tuneforge.math.arrays import FloatArray
from tuneforge.space.distributions import Distribution
from tuneforge.trial.records import History, TrialRecord

_EMPTY: Mapping[str, Any] = MappingProxyType({})

Space = Mapping[str, Distribution]
Queue = tuple[str, Sequence[Mapping[str, Any]]]
# Optuna's `constraints_func`: the finished trial -> its outcome constraint values
# (feasible when every one is <= 0); the study calls it after the objective returns
ConstraintsFunc = Callable[[TrialRecord], Sequence[float]]


@dataclass(frozen=True)
class Suggestion:
    """Proposed params and why (`attrs` are stored on the trial's system attributes)."""

    params: Mapping[str, Any]
    attrs: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)


@runtime_checkable
class Sampler(Protocol):
    """What the study asks of a sampler. Inherit `BaseSampler` for every default.

    - `sample(space, history, rng, trial)`: propose values for `space` (the joint space,
      or one new define-by-run parameter). `trial` is the record being sampled (its
      number, the params it already has); `rng` derives from the study seed and the trial
      number, and `history.seed` is the study seed: a sampler that uses only these is
      reproducible under any parallelism.
    - `relative`: whether the study samples the joint space (inferred from finished
      trials, or `joint_space`) with this sampler before the objective runs; False asks
      it one parameter at a time.
    - `seed`: the seed the sampler was made with (Optuna's `seed=`); it becomes the study
      seed when the study is given none, and is never read while sampling.
    - `constraints_func`: Optuna's outcome constraints, a function of the completed trial
      returning its constraint values (feasible when all <= 0), or None; the study calls
      it after the objective returns and stores the values on the trial.
    - `joint_space(space)`: the space to sample jointly, given the inferred one (e.g. a
      refined space declared up front).
    - `initial_queue()`: `(tag, points)` enqueued once per study (a grid), or None; a
      study whose sampler has a queue ends when the queue is empty.
    """

    @property
    def relative(self) -> bool: ...

    @property
    def seed(self) -> int | None: ...

    @property
    def constraints_func(self) -> ConstraintsFunc | None: ...

    def sample(self, space: Space, history: History, rng: np.random.Generator,
               trial: TrialRecord) -> Suggestion: ...

    def joint_space(self, space: Space) -> Space: ...

    def initial_queue(self) -> Queue | None: ...


class BaseSampler(ABC):
    """The defaults of every Sampler member but `sample`, for ours and for plugins.

    Caches that must not travel to worker processes (samplers are pickled there) are
    declared in `_transient` as ``{attribute: factory}``: pickling drops them and
    unpickling (and `super().__init__()`) sets each to ``factory()``. Declare only what
    is rebuilt from the trials, so a pickled sampler proposes what its original would.
    """

    seed: int | None = None
    # outcome constraints of each finished trial (Optuna's name; the study calls it)
    constraints_func: ConstraintsFunc | None = None
    _transient: ClassVar[Mapping[str, Callable[[], Any]]] = _EMPTY

    def __init__(self) -> None:
        self._reset_transient()

    @property
    def relative(self) -> bool:
        """Joint by default (a class attribute ``relative = False`` overrides it)."""
        return True

    @abstractmethod
    def sample(self, space: Space, history: History, rng: np.random.Generator,
               trial: TrialRecord) -> Suggestion:
        """Propose values for `space` (see Sampler)."""

    def joint_space(self, space: Space) -> Space:
        """The inferred joint space, unchanged."""
        return space

    def initial_queue(self) -> Queue | None:
        """No points up front."""
        return None

    def _reset_transient(self) -> None:
        for name, factory in self._transient.items():
            setattr(self, name, factory())

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in self._transient}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reset_transient()


def checked_constraints_func(func: object, owner: object) -> ConstraintsFunc | None:
    """`func` if it is None or callable; a TypeError naming `owner` otherwise."""
    if func is not None and not callable(func):
        raise TypeError(f"{type(owner).__name__}: constraints_func must be a function of the "
                        f"finished trial returning its constraint values, got {func!r}")
    return func


_MEMBERS = ("sample", "relative", "seed", "constraints_func", "joint_space", "initial_queue")
_METHODS = ("sample", "joint_space", "initial_queue")


def check_sampler(sampler: object) -> Sampler:
    """`sampler` if it has every Sampler member; a TypeError naming what it lacks."""
    missing = [m for m in _MEMBERS if not hasattr(sampler, m)]
    missing += [m for m in _METHODS if m not in missing and not callable(getattr(sampler, m))]
    if missing:
        raise TypeError(
            f"{sampler!r} is not a tuneforge sampler: it lacks {', '.join(missing)}. "
            "Subclass tuneforge.samplers.BaseSampler, which provides relative, seed, "
            "constraints_func, joint_space and initial_queue, and implement sample()")
    return sampler  # type: ignore[return-value]  # its members are checked above


def design_seed(history: History) -> int:
    """The seed of a sampler's space-filling (Sobol) design: the study seed, so unseeded
    studies do not share one design."""
    return int(history.seed)


def sobol_point(space: Mapping[str, Distribution], *, number: int,
                history: History) -> FloatArray:
    """Point `number` (d,) in [0, 1]^d of the study's scrambled Sobol design over `space`
    (Owen 1998). One sequence per space, scrambled from the design seed, the space size
    and its names, and indexed by trial number, so parallel workers never repeat a point."""
    from scipy.stats import qmc  # on first use: scipy.stats is slow to import

    d = len(space)
    names = zlib.crc32("\0".join(space).encode())
    scramble = np.random.default_rng([design_seed(history), d, names])
    sobol = qmc.Sobol(d, scramble=True, seed=scramble)
    if number:
        sobol.fast_forward(number)
    point: FloatArray = sobol.random(1)[0]
    return point


def trial_rng(seed: int, number: int, name: str | None = None) -> np.random.Generator:
    """The random state of trial `number` (and of one parameter `name` in it).

    Derived, not reseeded (DESIGN principle 5): the same seed gives the same trial under
    any parallelism, and any trial can be replayed alone.
    """
    if name is None:
        return np.random.default_rng([seed, number])
    return np.random.default_rng([seed, number, zlib.crc32(name.encode()) + 1])
