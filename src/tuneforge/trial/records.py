"""Trial records: immutable values that samplers, pruners and reports read."""

from __future__ import annotations

import enum
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from tuneforge.space.distributions import Distribution

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_NO_STEPS: Mapping[int, float] = MappingProxyType({})
_NO_VECTORS: Mapping[int, tuple[float, ...]] = MappingProxyType({})


class TrialState(str, enum.Enum):
    """Life cycle: WAITING (enqueued) -> RUNNING -> COMPLETE | PRUNED | FAIL."""

    WAITING = "WAITING"
    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    PRUNED = "PRUNED"
    FAIL = "FAIL"

    @property
    def is_finished(self) -> bool:
        return self in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


class Direction(str, enum.Enum):
    """Whether an objective is minimized or maximized."""

    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"

    @classmethod
    def parse(cls, value: Direction | str) -> Direction:
        if isinstance(value, Direction):
            return value
        try:
            return cls(str(value).lower())
        except ValueError:
            raise ValueError(
                f"direction must be 'minimize' or 'maximize', got {value!r}"
            ) from None


@dataclass(frozen=True, slots=True)
class TrialRecord:
    """Everything known about one trial at one moment; never mutated."""

    number: int
    key: str
    state: TrialState
    params: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    distributions: Mapping[str, Distribution] = field(default_factory=lambda: _EMPTY)
    values: tuple[float, ...] | None = None
    intermediate: Mapping[int, float] = field(default_factory=lambda: _NO_STEPS)
    user_attrs: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    system_attrs: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    datetime_start: float | None = None
    datetime_complete: float | None = None
    last_heartbeat: float | None = None
    fixed_params: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    # step -> one value per objective (`trial.report([v1, v2], step)`, several objectives)
    intermediate_vectors: Mapping[int, tuple[float, ...]] = field(
        default_factory=lambda: _NO_VECTORS)

    @property
    def value(self) -> float | None:
        """The single objective value (raises for multi-objective trials)."""
        if self.values is None:
            return None
        if len(self.values) != 1:
            raise ValueError(
                f"trial {self.number} has {len(self.values)} objective values; use .values"
            )
        return self.values[0]

    @property
    def intermediate_values(self) -> Mapping[int, float]:
        """Optuna's name for `intermediate` (step -> reported value)."""
        return self.intermediate

    @property
    def duration(self) -> float | None:
        if self.datetime_start is None or self.datetime_complete is None:
            return None
        return self.datetime_complete - self.datetime_start

    @property
    def last_step(self) -> int | None:
        """The last step reported (a value or a vector)."""
        steps = [*self.intermediate, *self.intermediate_vectors]
        return max(steps) if steps else None


class History(Protocol):
    """Read-only view of a study handed to samplers and pruners."""

    @property
    def directions(self) -> tuple[Direction, ...]: ...

    @property
    def seed(self) -> int:
        """The study seed: the one source of a strategy's randomness besides its rng."""
        ...

    def trials(self, states: Container[TrialState] | None = None) -> Sequence[TrialRecord]: ...
