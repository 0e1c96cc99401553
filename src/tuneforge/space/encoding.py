"""The one shared transform between parameter values and the unit cube [0, 1]^d.

Float: linear or log; Int: each integer owns an equal slice of [0, 1] (on a log scale
when log=True); Categorical: each choice owns an equal slice. Every sampler goes
through these functions:

- `encode` / `decode`: every parameter in the unit cube (random and Sobol designs);
- `encode_mixed` / `decode_mixed`: numbers in the unit cube, categoricals as their
  choice index 0..k-1, for models that treat categorical dimensions apart (the GP's
  kernel, the GA's genes);
- `encode_indices` / `decode_indices`: the choice indices of categoricals alone (TPE's
  and the GA's categorical columns, next to `encode` of the numeric ones).
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


def encode_indices(space: Mapping[str, Categorical], params: Mapping[str, Any]) -> np.ndarray:
    """The choice indices (c,) of a params dict over categorical parameters (space order)."""
    return np.array([d.index(params[name]) for name, d in space.items()], dtype=np.int64)


def decode_indices(space: Mapping[str, Categorical],
                   k: Sequence[int] | np.ndarray) -> dict[str, Any]:
    """The choices that indices k (c,) name (inverse of `encode_indices`)."""
    return {name: d.choices[int(ki)] for (name, d), ki in zip(space.items(), k, strict=True)}


def encode_mixed(space: Mapping[str, Distribution], params: Mapping[str, Any]) -> np.ndarray:
    """A params dict as a point (d,): numbers in the unit cube (`to_unit`), categoricals
    as their choice index (space order)."""
    return np.array([float(d.index(params[name])) if isinstance(d, Categorical)
                     else to_unit(d, params[name]) for name, d in space.items()])


def decode_mixed(space: Mapping[str, Distribution],
                 x: Sequence[float] | np.ndarray) -> dict[str, Any]:
    """Inverse of `encode_mixed` for a point x (d,); a categorical coordinate is rounded
    to the nearest choice index (clipped to the choices)."""
    out: dict[str, Any] = {}
    for (name, d), xj in zip(space.items(), x, strict=True):
        if isinstance(d, Categorical):
            out[name] = d.choices[int(min(max(round(xj), 0), len(d.choices) - 1))]
        else:
            out[name] = from_unit(d, float(xj))
    return out
