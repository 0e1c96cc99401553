"""Parameter distributions: Float, Int and Categorical, validated when they are made.

They are frozen values; `to_json`/`distribution_from_json` give their stored form, and
`contains` says whether a value can be produced by the distribution.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar, Union

from tuneforge.exceptions import SearchSpaceError
from tuneforge.math.numbers import describe, is_integer, is_number, to_float, unwrap

JSONValue = Union[None, bool, int, float, str]

_STEP_TOL = 1e-8
MAX_INT = 2**53  # the largest |bound| of an Int: every integer up to it is exact as a float
# levels a sampler resolves one by one; a grid finer than this is treated as continuous
MAX_RESOLVED_LEVELS = 2**32
_READING: ContextVar[bool] = ContextVar("_READING", default=False)  # stored: no new limits


def _finite_number(value: Any, what: str) -> float:
    """A bound or step as a finite float (numpy scalars, 0-d arrays, Decimal accepted)."""
    if not is_number(value):
        raise SearchSpaceError(f"{what} must be a number, got {describe(unwrap(value))}")
    try:
        f = to_float(value, what)
    except ValueError as exc:
        raise SearchSpaceError(str(exc)) from None
    if not math.isfinite(f):
        raise SearchSpaceError(f"{what} must be finite, got {describe(unwrap(value))}")
    return f


@dataclass(frozen=True, slots=True)
class Float:
    """A real parameter in [low, high]; `log` samples on a log scale, `step` discretizes."""

    low: float
    high: float
    log: bool = False
    step: float | None = None

    def __post_init__(self) -> None:
        low = _finite_number(self.low, "low")
        high = _finite_number(self.high, "high")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        if low > high:
            raise SearchSpaceError(f"low={low} is greater than high={high}")
        if not math.isfinite(high - low) and not _READING.get():
            raise SearchSpaceError(
                f"the range [{low}, {high}] is wider than the largest float (high - low "
                "overflows to inf), so no sampler can move within it; narrow it, or use "
                "log=True for a positive range")
        if self.log and low <= 0:
            raise SearchSpaceError(f"log=True needs low > 0, got low={low}")
        if self.step is not None:
            step = _finite_number(self.step, "step")
            if step <= 0:
                raise SearchSpaceError(f"step must be positive, got {step}")
            if self.log:
                raise SearchSpaceError("step and log=True cannot be combined")
            n = (high - low) / step
            if abs(n - round(n)) > _STEP_TOL * max(1.0, abs(n)):
                raise SearchSpaceError(
                    f"step={step} does not divide the range [{low}, {high}]"
                )
            object.__setattr__(self, "step", step)

    def contains(self, value: Any) -> bool:
        """True when `value` is a number this distribution can produce."""
        value = unwrap(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if not (self.low <= value <= self.high):
            return False
        if self.step is not None:
            k = (value - self.low) / self.step
            return abs(k - round(k)) <= 1e-6
        return True

    def round(self, value: float) -> float:
        """Clip to [low, high] and snap to the step grid."""
        value = min(max(float(value), self.low), self.high)
        if self.step is not None:
            value = self.low + round((value - self.low) / self.step) * self.step
            value = min(max(value, self.low), self.high)
        return value

    def to_json(self) -> dict[str, Any]:
        return {"type": "float", "low": self.low, "high": self.high, "log": self.log,
                "step": self.step}


@dataclass(frozen=True, slots=True)
class Int:
    """An integer parameter in [low, high] (both included), on a `step` grid or log scale."""

    low: int
    high: int
    log: bool = False
    step: int = 1

    def __post_init__(self) -> None:
        for what in ("low", "high", "step"):
            v = unwrap(getattr(self, what))  # numpy integers and 0-d arrays are ints
            if isinstance(v, float) and v.is_integer():
                object.__setattr__(self, what, int(v))
            elif is_integer(v):
                object.__setattr__(self, what, int(v))
            else:
                raise SearchSpaceError(f"{what} must be an integer, got {describe(v)}")
        if self.low > self.high:
            raise SearchSpaceError(f"low={self.low} is greater than high={self.high}")
        for what in ("low", "high"):
            v = getattr(self, what)
            if abs(v) > MAX_INT and not _READING.get():
                raise SearchSpaceError(
                    f"{what}={describe(v)} is beyond +-2**53 ({MAX_INT}): samplers work in "
                    "floats, which cannot hold every integer past it; use a Float (log=True "
                    "for a wide positive range) or a smaller range")
        if self.step < 1:
            raise SearchSpaceError(f"step must be >= 1, got {self.step}")
        if self.log and self.low < 1:
            raise SearchSpaceError(f"log=True needs low >= 1, got low={self.low}")
        if self.log and self.step != 1:
            raise SearchSpaceError("step and log=True cannot be combined")
        if (self.high - self.low) % self.step:
            raise SearchSpaceError(
                f"step={self.step} does not divide the range [{self.low}, {self.high}]"
            )

    def contains(self, value: Any) -> bool:
        value = unwrap(value)
        if isinstance(value, bool):
            return False
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            return False
        return self.low <= value <= self.high and (value - self.low) % self.step == 0

    def round(self, value: float) -> int:
        """Clip to [low, high] and snap to the nearest grid point."""
        k = round((float(value) - self.low) / self.step)
        k = min(max(k, 0), (self.high - self.low) // self.step)
        return int(self.low + k * self.step)

    def to_json(self) -> dict[str, Any]:
        return {"type": "int", "low": self.low, "high": self.high, "log": self.log,
                "step": self.step}


def _choice_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


@dataclass(frozen=True, slots=True)
class Categorical:
    """One of a fixed tuple of JSON scalar choices (None, bool, int, float, str)."""

    choices: tuple[JSONValue, ...]

    def __post_init__(self) -> None:
        if isinstance(self.choices, (str, bytes)) or not hasattr(self.choices, "__iter__"):
            raise SearchSpaceError(f"choices must be a list or tuple, got {self.choices!r}")
        choices = tuple(unwrap(c) for c in self.choices)  # numpy scalars: Python values
        if not choices:
            raise SearchSpaceError("choices must not be empty")
        seen: set[str] = set()
        for c in choices:
            if c is not None and not isinstance(c, (bool, int, float, str)):
                raise SearchSpaceError(
                    f"choice {c!r} is not a JSON value (None, bool, int, float or str)"
                )
            if isinstance(c, float) and not math.isfinite(c):
                raise SearchSpaceError(f"choice {c!r} is not a finite number")
            key = _choice_key(c)
            if key in seen:
                raise SearchSpaceError(f"choice {c!r} appears more than once")
            seen.add(key)
        object.__setattr__(self, "choices", choices)

    def index(self, value: Any) -> int:
        """Position of `value` among the choices (type-aware: 1 and True differ)."""
        key = _choice_key(unwrap(value))
        for i, c in enumerate(self.choices):
            if _choice_key(c) == key:
                return i
        raise SearchSpaceError(f"{value!r} is not one of the choices {list(self.choices)}")

    def contains(self, value: Any) -> bool:
        try:
            self.index(value)
        except (SearchSpaceError, TypeError):
            return False
        return True

    def to_json(self) -> dict[str, Any]:
        return {"type": "categorical", "choices": list(self.choices)}


Distribution = Union[Float, Int, Categorical]


def n_levels(d: Distribution) -> int:
    """How many values `d` can take: its choices, the points of an Int's or a stepped
    Float's grid, 1 for a Float with low == high, and 0 for any other Float (an interval).
    """
    if isinstance(d, Categorical):
        return len(d.choices)
    if isinstance(d, Int):
        return (d.high - d.low) // d.step + 1
    if d.step is not None:
        return int(round((d.high - d.low) / d.step)) + 1
    return 0 if d.high > d.low else 1


def resolved_levels(d: Distribution) -> int:
    """`n_levels(d)` for a sampler that models each level of a grid, or 0 (continuous)
    when the grid is finer than MAX_RESOLVED_LEVELS: a slice of 1/2**53 of the unit
    interval is below a float's resolution, and its probability would be 0."""
    count = n_levels(d)
    return 0 if count > MAX_RESOLVED_LEVELS else count


def level_values(d: Distribution) -> list[Any]:
    """The `n_levels(d)` values of a discrete distribution in order: its choices, or its
    grid from low to high. Raises SearchSpaceError for a Float interval (no levels)."""
    count = n_levels(d)
    if isinstance(d, Categorical):
        return list(d.choices)
    if isinstance(d, Int):
        return [d.low + i * d.step for i in range(count)]
    if d.step is not None:
        return [d.round(d.low + i * d.step) for i in range(count)]
    if count == 1:
        return [d.low]
    raise SearchSpaceError(f"{d!r} is continuous: it has no levels")


def distribution_from_json(data: Any) -> Distribution:
    """Rebuild a distribution from `to_json()` output; raises SearchSpaceError if malformed."""
    if not isinstance(data, dict) or "type" not in data:
        raise SearchSpaceError(f"not a distribution: {data!r}")
    kind = data["type"]
    fields = {k: v for k, v in data.items() if k != "type"}
    token = _READING.set(True)  # a study stored before the sampler limits still reads
    try:
        if kind == "float":
            return Float(**fields)
        if kind == "int":
            return Int(**fields)
        if kind == "categorical":
            return Categorical(tuple(fields["choices"]))
    except TypeError as exc:
        raise SearchSpaceError(f"bad fields for a {kind} distribution: {exc}") from None
    finally:
        _READING.reset(token)
    raise SearchSpaceError(f"unknown distribution type {kind!r} (float, int, categorical)")


_D = TypeVar("_D", Float, Int, Categorical)


_NAMED_CACHE: dict[tuple[Any, ...], Any] = {}
_SCALARS = {float: "f", int: "i", bool: "b", type(None): "n"}


def _scalar_key(value: Any) -> Any:
    """A cache key that tells apart what `==` does not (1 / 1.0 / True, 0.0 / -0.0)."""
    tag = _SCALARS[type(value)]  # KeyError: not a plain scalar, not cached
    return (tag, value.hex()) if tag == "f" else (tag, value)


def named(name: str, factory: Callable[..., _D], *args: Any, **kwargs: Any) -> _D:
    """Build a distribution, prefixing any validation error with the parameter's name.

    A Float or Int of plain scalars is built and validated once and then reused (they are
    frozen): an objective asks for the same distributions in every trial."""
    key = None
    if factory is Float or factory is Int:
        try:
            key = (factory, *map(_scalar_key, args),
                   *((k, _scalar_key(v)) for k, v in sorted(kwargs.items())))
        except KeyError:
            key = None
        else:
            hit = _NAMED_CACHE.get(key)
            if hit is not None:
                return hit  # type: ignore[no-any-return]
    try:
        dist = factory(*args, **kwargs)
    except SearchSpaceError as exc:
        raise SearchSpaceError(f"parameter {name!r}: {exc}") from None
    if key is not None and len(_NAMED_CACHE) < 4096 and not _READING.get():
        _NAMED_CACHE[key] = dist
    return dist
