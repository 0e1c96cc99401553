"""Transferred observations from past studies: the prior a warm start hands to samplers.

A `TransferPrior` is data (JSON, stored on the study): past configurations with their
rank in their own study (0 = best, 1 = worst; ranks make studies of different scales
comparable) and a weight (the similarity of the study they came from). Model-based
samplers (`SupportsPrior`: TPE, the GP, Auto) use it until the new study's own trials
outweigh it; `map_params` decides whether a past configuration lies in a new space.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from tuneforge.exceptions import TuneforgeError
from tuneforge.space.distributions import Distribution, Float, Int

PRIOR_VERSION = 1


def map_value(value: Any, dist: Distribution) -> tuple[bool, Any]:
    """(ok, value) of a past value in a new distribution: an integral float becomes an
    int for an Int, an int a float for a Float; ok is False when it is outside."""
    if isinstance(dist, Int) and isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(dist, Float) and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    try:
        return bool(dist.contains(value)), value
    except (TypeError, ValueError):
        return False, value


def map_params(params: Mapping[str, Any], space: Mapping[str, Distribution], *,
               partial: bool = False) -> dict[str, Any] | None:
    """A past configuration in a new `space`: its values for the space's parameters
    (parameters the space lacks are dropped), or None when one is outside its new
    distribution, or missing (unless `partial`, which keeps the ones present)."""
    out: dict[str, Any] = {}
    for name, dist in space.items():
        if name not in params:
            if partial:
                continue
            return None
        ok, value = map_value(params[name], dist)
        if not ok:
            return None
        out[name] = value
    return out


@dataclass(frozen=True)
class PriorPoint:
    """One past configuration: `rank` in its study (0 best .. 1 worst), `weight` in
    (0, 1] (its study's similarity to the new one), and the study it came from."""

    params: Mapping[str, Any]
    rank: float
    weight: float
    source: str


@dataclass(frozen=True)
class TransferPrior:
    """What a warm start transfers: past configurations, best first, with their ranks
    and weights, and the source studies with their similarity."""

    points: tuple[PriorPoint, ...]
    sources: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        for p in self.points:
            if not (0.0 <= p.rank <= 1.0) or not (0.0 < p.weight <= 1.0):
                raise TuneforgeError(f"prior point from {p.source!r}: rank must be in [0, 1] "
                                     f"and weight in (0, 1], got {p.rank!r}, {p.weight!r}")

    def __len__(self) -> int:
        return len(self.points)

    def in_space(self, space: Mapping[str, Distribution]) -> list[tuple[dict[str, Any],
                                                                        PriorPoint]]:
        """The points that map into `space` (all its parameters present and inside),
        with their mapped values, best rank first."""
        out = []
        for p in self.points:
            mapped = map_params(p.params, space)
            if mapped is not None:
                out.append((mapped, p))
        out.sort(key=lambda mp: (mp[1].rank, -mp[1].weight))
        return out

    def to_json(self) -> dict[str, Any]:
        return {"version": PRIOR_VERSION,
                "sources": [[name, sim] for name, sim in self.sources],
                "points": [{"params": dict(p.params), "rank": p.rank, "weight": p.weight,
                            "source": p.source} for p in self.points]}

    @staticmethod
    def from_json(data: Any) -> TransferPrior:
        """Rebuild a prior stored by `to_json`; a TuneforgeError says what is malformed."""
        if not isinstance(data, dict) or data.get("version") != PRIOR_VERSION:
            raise TuneforgeError(f"not a version-{PRIOR_VERSION} warm-start prior: {data!r:.200}")
        try:
            points = tuple(PriorPoint(dict(p["params"]), float(p["rank"]), float(p["weight"]),
                                      str(p["source"])) for p in data["points"])
            sources = tuple((str(n), float(s)) for n, s in data["sources"])
        except (KeyError, TypeError, ValueError) as exc:
            raise TuneforgeError(f"malformed warm-start prior: {exc}") from None
        return TransferPrior(points, sources)


def fade(n_own: int, half_life: float = 10.0) -> float:
    """How much the prior still counts after `n_own` finished trials of the new study:
    1 at the start, 1/2 after `half_life` trials, -> 0 (its own evidence takes over)."""
    return half_life / (half_life + max(0, n_own))


def rank_scores(losses: Sequence[float]) -> list[float]:
    """Ranks (0 best .. 1 worst) of `losses` (lower is better; ties share the mean rank;
    NaN last): a study's values made comparable with another study's."""
    n = len(losses)
    if n == 1:
        return [0.0]
    keyed = sorted(range(n), key=lambda i: (math.isnan(losses[i]), losses[i]))
    ranks = [0.0] * n
    i = 0
    while i < n:
        j = i
        while j + 1 < n and losses[keyed[j + 1]] == losses[keyed[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[keyed[k]] = (i + j) / 2 / (n - 1)
        i = j + 1
    return ranks


@runtime_checkable
class SupportsPrior(Protocol):
    """A sampler that can use a warm start's transferred observations."""

    def set_prior(self, prior: TransferPrior | None) -> None: ...


__all__ = ["PriorPoint", "SupportsPrior", "TransferPrior", "fade", "map_params", "map_value",
           "rank_scores"]
