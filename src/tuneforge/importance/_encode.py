"""Trials -> the design matrix an importance model is fitted on (one column per
parameter, on the scale the sampler searched: log10 for log parameters, the choice index
for categoricals) and the box each column ranges over."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tuneforge.exceptions import TuneforgeError
from tuneforge.space.distributions import Categorical, Distribution, Float, Int
from tuneforge.trial.records import Direction, TrialRecord, TrialState


@dataclass(frozen=True)
class Design:
    names: tuple[str, ...]
    X: np.ndarray       # (n, d)
    y: np.ndarray       # (n,)
    lower: np.ndarray   # (d,)
    upper: np.ndarray   # (d,)


def _bounds(dist: Distribution) -> tuple[float, float]:
    if isinstance(dist, Categorical):
        return -0.5, len(dist.choices) - 0.5
    assert isinstance(dist, (Float, Int))
    lo, hi = float(dist.low), float(dist.high)
    if isinstance(dist, Int) and not dist.log:
        lo, hi = lo - 0.5, hi + 0.5  # each integer gets an equal share of the axis
    if dist.log:
        lo, hi = math.log10(lo), math.log10(hi)
    return lo, hi


def _encode(dist: Distribution, value: Any) -> float:
    if isinstance(dist, Categorical):
        for i, c in enumerate(dist.choices):
            if c == value and type(c) is type(value):
                return float(i)
        return math.nan
    v = float(value)
    return math.log10(v) if getattr(dist, "log", False) and v > 0 else v


def _by_mean(codes: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Choice indices renumbered by the mean objective of each choice (Fisher 1958: for a
    regression tree, one split over choices sorted by mean response is the best split
    over any grouping of them), so one split can single out any choice."""
    k = int(codes.max()) + 1 if len(codes) else 0
    means = np.array([y[codes == c].mean() if np.any(codes == c) else np.inf
                      for c in range(k)])
    rank = np.empty(k)
    rank[np.argsort(means, kind="stable")] = np.arange(k)
    out: np.ndarray = rank[codes.astype(int)]
    return out


def design(trials: Sequence[TrialRecord], directions: Sequence[Direction], *,
           objective: int = 0, params: Sequence[str] | None = None,
           study_name: str = "") -> Design:
    """The COMPLETE trials with a finite value of `objective` that have every one of
    `params` (default: the parameters every such trial has), encoded."""
    if not 0 <= objective < len(directions):
        raise ValueError(f"objective={objective} but study {study_name!r} has "
                         f"{len(directions)} objective(s)")
    done = [t for t in trials if t.state is TrialState.COMPLETE and t.values is not None
            and len(t.values) == len(directions) and math.isfinite(t.values[objective])]
    if params is None:
        common = set(done[0].params) if done else set()
        for t in done[1:]:
            common &= set(t.params)
        names = [n for n in (done[0].params if done else ()) if n in common]
    else:
        names = list(params)
        done = [t for t in done if all(n in t.params for n in names)]
    if len(done) < 2:
        raise TuneforgeError(f"study {study_name!r}: importance needs at least 2 COMPLETE "
                             f"trials with {'every parameter' if params is None else names}, "
                             f"found {len(done)}")
    if not names:
        raise TuneforgeError(f"study {study_name!r}: no parameter is shared by every "
                             "COMPLETE trial; name some with params=[...]")
    dists = {n: done[-1].distributions[n] for n in names}
    # a parameter whose distribution changed across trials: the widest stored box holds all
    X = np.array([[_encode(dists[n], t.params[n]) for n in names] for t in done], dtype=np.float64)
    ok = np.all(np.isfinite(X), axis=1)
    X = X[ok]
    y = np.array([t.values[objective] for t, keep in zip(done, ok, strict=True)  # type: ignore[index]
                  if keep], dtype=np.float64)
    for j, n in enumerate(names):
        if isinstance(dists[n], Categorical):
            X[:, j] = _by_mean(X[:, j], y)
    bounds = np.array([_bounds(dists[n]) for n in names], dtype=np.float64)
    lower = np.minimum(bounds[:, 0], X.min(axis=0) if len(X) else bounds[:, 0])
    upper = np.maximum(bounds[:, 1], X.max(axis=0) if len(X) else bounds[:, 1])
    return Design(tuple(names), X, y, lower, upper)


__all__ = ["Design", "design"]
