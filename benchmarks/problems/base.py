"""What a benchmark problem is: a search space in a library-neutral form, an objective
to minimize, and how its values are reported.

Every optimizer sees the *internal* value, which is always minimized (a regret, a loss, a
negated accuracy). `Metric` says how the report turns it back into its natural form.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Param:
    """One hyperparameter. kind: "float", "int" or "cat". A conditional parameter is
    active only when ``params[condition[0]] == condition[1]``."""

    name: str
    kind: str
    low: float = 0.0
    high: float = 1.0
    log: bool = False
    choices: tuple[Any, ...] = ()
    condition: tuple[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("float", "int", "cat"):
            raise ValueError(f"Param {self.name!r}: unknown kind {self.kind!r}")
        if self.kind == "cat" and not self.choices:
            raise ValueError(f"Param {self.name!r}: a categorical needs choices")


def flt(name: str, low: float, high: float, *, log: bool = False,
        condition: tuple[str, Any] | None = None) -> Param:
    return Param(name, "float", float(low), float(high), log, (), condition)


def integer(name: str, low: int, high: int, *, log: bool = False,
            condition: tuple[str, Any] | None = None) -> Param:
    return Param(name, "int", int(low), int(high), log, (), condition)


def cat(name: str, choices: Sequence[Any], *, condition: tuple[str, Any] | None = None) -> Param:
    return Param(name, "cat", 0.0, 1.0, False, tuple(choices), condition)


@dataclass(frozen=True)
class Metric:
    """How an internal (minimized) value is reported.

    natural = sign * internal; with `floor`, the report shows log10(max(internal, floor))
    instead (BBOB regret). Ties in win/tie/loss: |a - b| <= max(tie_abs, tie_rel * |b|)
    on the reported scale.
    """

    name: str
    sign: int = 1
    floor: float | None = None
    tie_abs: float = 0.0
    tie_rel: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "sign": self.sign, "floor": self.floor,
                "tie_abs": self.tie_abs, "tie_rel": self.tie_rel}


@dataclass
class Problem:
    """A built problem (data loaded, constants computed): evaluate(params) -> internal
    value, or a tuple of internal values for several objectives."""

    name: str
    family: str
    space: tuple[Param, ...]
    evaluate: Callable[[Mapping[str, Any]], Any]
    metric: Metric
    checkpoints: tuple[int, ...]
    n_objectives: int = 1
    ref_point: tuple[float, ...] | None = None   # hypervolume reference (internal scale)
    max_budget: int | None = None                # a problem too costly for the suite budget
    info: dict[str, Any] = field(default_factory=dict)


# -- helpers every adapter may use --------------------------------------------------------
def is_active(p: Param, params: Mapping[str, Any]) -> bool:
    return p.condition is None or params.get(p.condition[0]) == p.condition[1]


def active(space: Sequence[Param], params: Mapping[str, Any]) -> dict[str, Any]:
    """Only the parameters that are active given the others (flat optimizers set all)."""
    return {p.name: params[p.name] for p in space if p.name in params and is_active(p, params)}


def from_unit(p: Param, u: float) -> Any:
    """The value of `p` at position u in [0, 1] (log scales respected; ints rounded into
    equal-width bins; categoricals by index)."""
    u = min(max(float(u), 0.0), 1.0)
    if p.kind == "cat":
        return p.choices[min(int(u * len(p.choices)), len(p.choices) - 1)]
    if p.kind == "int":
        if p.log:
            llo, lhi = math.log(p.low), math.log(p.high + 1.0)
            v = math.floor(math.exp(llo + u * (lhi - llo)))
        else:
            v = math.floor(p.low + u * (p.high - p.low + 1))
        return int(min(max(v, p.low), p.high))
    if p.log:
        llo, lhi = math.log(p.low), math.log(p.high)
        return float(min(max(math.exp(llo + u * (lhi - llo)), p.low), p.high))
    return float(p.low + u * (p.high - p.low))


def decode(space: Sequence[Param], u: np.ndarray) -> dict[str, Any]:
    """A point of the unit cube (one coordinate per parameter, inactive ones included)
    -> the active parameters."""
    params = {p.name: from_unit(p, ui) for p, ui in zip(space, u, strict=True)}
    return active(space, params)
