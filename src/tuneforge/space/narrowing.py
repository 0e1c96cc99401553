"""Refine a search space around the best trials, and map old values into a refined space.

Each Float/Int shrinks to the box spanned by the top trials' values (a quantile box, on a
log scale for log parameters) padded by `margin` of its span and clipped to the original
bounds; a bound that the top trials sit on (within `edge_tolerance` of the range) is moved
outward by `widen` spans instead, since the optimum may lie beyond it. A Categorical keeps
the choices the top trials used. Pure functions: no study, no storage.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from tuneforge.exceptions import SearchSpaceError
from tuneforge.math.numbers import unwrap
from tuneforge.space.distributions import Categorical, Distribution, Float, Int
from tuneforge.space.search_space import SearchSpace

Action = Literal["unchanged", "narrowed", "widened-low", "widened-high", "widened-both"]


@dataclass(frozen=True)
class ParamChange:
    """What refinement did to one parameter: its distribution before and after."""

    action: Action
    before: Distribution
    after: Distribution

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "before": self.before.to_json(),
                "after": self.after.to_json()}


def refine_space(space: SearchSpace, top_params: Sequence[Mapping[str, Any]], *,
                 quantiles: tuple[float, float] = (0.0, 1.0), margin: float = 0.1,
                 edge_tolerance: float = 0.02, widen: float = 2.0) -> SearchSpace:
    """The space refined around `top_params` (the best trials' params); see the module doc."""
    return refine_space_report(space, top_params, quantiles=quantiles, margin=margin,
                               edge_tolerance=edge_tolerance, widen=widen)[0]


def refine_space_report(space: SearchSpace, top_params: Sequence[Mapping[str, Any]], *,
                        quantiles: tuple[float, float] = (0.0, 1.0), margin: float = 0.1,
                        edge_tolerance: float = 0.02, widen: float = 2.0
                        ) -> tuple[SearchSpace, dict[str, ParamChange]]:
    """The refined space and, per parameter, what changed (narrowed, widened, unchanged)."""
    q_lo, q_hi, margin, edge_tolerance, widen = _check_options(quantiles, margin,
                                                               edge_tolerance, widen)
    out: dict[str, Distribution] = {}
    changes: dict[str, ParamChange] = {}
    for name, dist in space.items():
        values = [p[name] for p in top_params if name in p]
        try:
            if not values:
                new: Distribution = dist
            elif isinstance(dist, Categorical):
                new = _refine_categorical(dist, values)
            else:
                new = _refine_numeric(dist, values, q_lo, q_hi, margin, edge_tolerance, widen)
        except SearchSpaceError as exc:
            raise SearchSpaceError(f"refining parameter {name!r}: {exc}") from None
        out[name] = new
        changes[name] = ParamChange(_action(dist, new), dist, new)
    return SearchSpace(out), changes


def _check_options(quantiles: tuple[float, float], margin: float, edge_tolerance: float,
                   widen: float) -> tuple[float, float, float, float, float]:
    """The options as Python floats (numpy numbers accepted), or a SearchSpaceError."""
    try:
        q_lo, q_hi = (float(q) for q in quantiles)
    except (TypeError, ValueError):
        raise SearchSpaceError(f"quantiles must be two numbers, got {quantiles!r}") from None
    if not 0.0 <= q_lo <= q_hi <= 1.0:
        raise SearchSpaceError(f"quantiles must satisfy 0 <= low <= high <= 1, got {quantiles!r}")
    margin, widen, edge_tolerance = (unwrap(v) for v in (margin, widen, edge_tolerance))
    for what, v in (("margin", margin), ("widen", widen)):
        if isinstance(v, bool) or not (isinstance(v, (int, float)) and math.isfinite(v)
                                       and v >= 0):
            raise SearchSpaceError(f"{what} must be a finite number >= 0, got {v!r}")
    if isinstance(edge_tolerance, bool) or not (isinstance(edge_tolerance, (int, float))
                                                and 0 <= edge_tolerance < 0.5):
        raise SearchSpaceError(f"edge_tolerance must be in [0, 0.5), got {edge_tolerance!r}")
    return q_lo, q_hi, float(margin), float(edge_tolerance), float(widen)


def _action(before: Distribution, after: Distribution) -> Action:
    if after == before:
        return "unchanged"
    if isinstance(before, Categorical) or isinstance(after, Categorical):
        return "narrowed"
    low, high = after.low < before.low, after.high > before.high
    if low and high:
        return "widened-both"
    if low:
        return "widened-low"
    if high:
        return "widened-high"
    return "narrowed"


def _refine_categorical(dist: Categorical, values: Sequence[Any]) -> Categorical:
    """The choices used by the top trials (all of them with fewer than two top trials)."""
    if len(values) < 2:
        return dist
    used = {dist.index(v) for v in values if dist.contains(v)}
    if not used:
        return dist
    return Categorical(tuple(c for i, c in enumerate(dist.choices) if i in used))


def _scale(dist: Float | Int, x: float) -> float:
    return math.log(x) if dist.log else float(x)


def _unscale(dist: Float | Int, t: float) -> float:
    return math.exp(t) if dist.log else t


def _refine_numeric(dist: Float | Int, values: Sequence[Any], q_lo: float, q_hi: float,
                    margin: float, tol: float, widen: float) -> Float | Int:
    """The padded quantile box of `values`, widened at a bound they sit on (module doc)."""
    lo0, hi0 = _scale(dist, dist.low), _scale(dist, dist.high)
    scaled = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise SearchSpaceError(f"top-trial value {v!r} is not a finite number")
        if dist.log and v <= 0:
            raise SearchSpaceError(f"top-trial value {v!r} is not positive (log scale)")
        # a value beyond a bound (e.g. from an earlier, wider space) sits on that bound
        scaled.append(min(max(_scale(dist, v), lo0), hi0))
    box_lo, box_hi = (float(q) for q in np.quantile(scaled, [q_lo, q_hi]))
    rng = hi0 - lo0
    # with a single distinct value the box has no width: pad and widen by the range instead
    span = box_hi - box_lo if box_hi > box_lo else rng
    new_lo, new_hi = max(box_lo - margin * span, lo0), min(box_hi + margin * span, hi0)
    widen_lo = box_lo - lo0 <= tol * rng and widen > 0
    widen_hi = hi0 - box_hi <= tol * rng and widen > 0
    if widen_lo:
        new_lo = lo0 - widen * span
    if widen_hi:
        new_hi = hi0 + widen * span
    low = dist.low if new_lo == lo0 else _unscale(dist, new_lo)
    high = dist.high if new_hi == hi0 else _unscale(dist, new_hi)
    if isinstance(dist, Int):
        return _int_box(dist, low, high)
    return _float_box(dist, low, high)


def _int_box(dist: Int, low: float, high: float) -> Int:
    """Int bounds rounded outward onto the step grid anchored at the original low."""
    k_lo = math.floor((low - dist.low) / dist.step + 1e-9)
    k_hi = math.ceil((high - dist.low) / dist.step - 1e-9)
    new_low, new_high = dist.low + k_lo * dist.step, dist.low + k_hi * dist.step
    if dist.log:
        new_low = max(new_low, 1)
    return Int(new_low, new_high, log=dist.log, step=dist.step)


def _float_box(dist: Float, low: float, high: float) -> Float:
    """Float bounds, rounded outward onto the step grid when there is one; a log low stays
    positive even where exp() underflows."""
    if dist.step is not None:
        k_lo = math.floor((low - dist.low) / dist.step + 1e-9)
        k_hi = math.ceil((high - dist.low) / dist.step - 1e-9)
        low, high = dist.low + k_lo * dist.step, dist.low + k_hi * dist.step
    if dist.log and low <= 0:
        low = sys.float_info.min
    return Float(low, high, log=dist.log, step=dist.step)


def project_params(space: Mapping[str, Distribution], params: Mapping[str, Any], *,
                   outside: Literal["clip", "drop"] = "clip") -> dict[str, Any]:
    """`params` with each value of a parameter of `space` made a value of its distribution.

    Numbers are clipped into the bounds and snapped to the grid (`outside="drop"` drops a
    value beyond the bounds instead); a categorical value that is no longer a choice, or a
    value of the wrong kind, is dropped. Parameters not in `space` are kept as they are.
    Used to show trials run on an earlier space to a sampler working on a refined one.
    """
    if outside not in ("clip", "drop"):
        raise ValueError(f"outside must be 'clip' or 'drop', got {outside!r}")
    out: dict[str, Any] = {}
    for name, value in params.items():
        dist = space.get(name)
        if dist is None or dist.contains(value):
            out[name] = value
        elif isinstance(dist, Categorical):
            continue
        elif isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value):
            continue
        elif outside == "drop" and not dist.low <= value <= dist.high:
            continue
        else:
            out[name] = dist.round(value)
    return out


__all__ = ["ParamChange", "project_params", "refine_space", "refine_space_report"]
