"""The one shared transform between parameter values and the unit cube [0, 1]^d.

Float: linear or log; Int: each integer owns an equal slice of [0, 1] (on a log scale
when log=True); Categorical: each choice owns an equal slice. Samplers that work in
continuous space (random/QMC, GP, CMA-ES) go through these functions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tuneforge.space.distributions import Categorical, Distribution, Float, Int


def _bounds(d: Float | Int) -> tuple[float, float, bool]:
    """Continuous interval (in log space when log) that the unit interval maps onto."""
    if isinstance(d, Float):
        lo, hi = d.low, d.high
        if d.step is not None:
            lo, hi = lo - d.step / 2, hi + d.step / 2
    else:
        lo, hi = d.low - d.step / 2, d.high + d.step / 2
    if d.log:
        return math.log(lo), math.log(hi), True
    return lo, hi, False


def from_unit(d: Distribution, u: float) -> Any:
    """Map a number u in [0, 1] to a value of distribution `d`."""
    u = min(max(float(u), 0.0), 1.0)
    if isinstance(d, Categorical):
        return d.choices[min(int(u * len(d.choices)), len(d.choices) - 1)]
    lo, hi, log = _bounds(d)
    x = lo + u * (hi - lo)
    if log:
        x = math.exp(x)
    return d.round(x)


def to_unit(d: Distribution, value: Any) -> float:
    """Map a value of `d` to the centre of its slice of [0, 1] (inverse of from_unit)."""
    if isinstance(d, Categorical):
        return (d.index(value) + 0.5) / len(d.choices)
    lo, hi, log = _bounds(d)
    if hi == lo:
        return 0.5
    x = math.log(value) if log else float(value)
    return min(max((x - lo) / (hi - lo), 0.0), 1.0)


def decode(space: Mapping[str, Distribution], u: Sequence[float] | np.ndarray) -> dict[str, Any]:
    """Turn a point u of shape (d,) in the unit cube into a params dict (space order)."""
    return {name: from_unit(d, ui) for (name, d), ui in zip(space.items(), u, strict=True)}


def encode(space: Mapping[str, Distribution], params: Mapping[str, Any]) -> np.ndarray:
    """Turn a params dict into a point of shape (d,) in the unit cube (space order)."""
    return np.array([to_unit(d, params[name]) for name, d in space.items()], dtype=float)
