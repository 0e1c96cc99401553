"""Pure helpers that turn trial records into arrays for the figures, and down-sample them.

Figures of a 100,000-trial study must stay small enough for a browser: every builder keeps
a bounded number of points, chosen so that what a reader looks for survives (the best
trials, the envelope of the values, the trials of every state).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tuneforge.space.distributions import Categorical, Distribution, Float, Int
from tuneforge.storage.cached import Snapshot
from tuneforge.trial.records import Direction, History, TrialRecord, TrialState

MAX_POINTS = 2000  # points per scatter trace sent to a browser


def as_history(source: Any, directions: Sequence[Direction | str] | None = None) -> History:
    """A History from a Study, a History, or a sequence of records (+ `directions`)."""
    from tuneforge.study.study import Study

    if isinstance(source, Study):
        return Snapshot(source.directions, list(source.trials))
    if isinstance(source, (list, tuple)):
        if directions is None:
            directions = (Direction.MINIMIZE,)
        dirs = tuple(Direction.parse(d) for d in directions)
        for i, t in enumerate(source):
            if not isinstance(t, TrialRecord):
                raise TypeError(f"trials[{i}] is {type(t).__name__}, not a TrialRecord")
        return Snapshot(dirs, list(source))
    if hasattr(source, "trials") and hasattr(source, "directions") and callable(source.trials):
        return source  # type: ignore[no-any-return]
    raise TypeError(f"expected a Study, a History or a list of TrialRecord, got "
                    f"{type(source).__name__}")


def complete(trials: Sequence[TrialRecord], n_objectives: int) -> list[TrialRecord]:
    """COMPLETE trials with `n_objectives` finite values."""
    done = [t for t in trials if t.state is TrialState.COMPLETE and t.values is not None
            and len(t.values) == n_objectives]
    if not done:
        return done
    vals = np.array([t.values for t in done], dtype=np.float64)
    finite = np.asarray(np.isfinite(vals).all(axis=1))
    if finite.all():
        return done
    return [t for t, ok in zip(done, finite, strict=True) if ok]


def values_of(trials: Sequence[TrialRecord], objective: int) -> np.ndarray:
    """Objective `objective` of each trial (n,), NaN where it has no value."""
    return np.array([t.values[objective] if t.values is not None else np.nan
                     for t in trials], dtype=np.float64)


def check_objective(objective: int, directions: Sequence[Direction]) -> None:
    """A clear error when `objective` is not an index of the study's objectives."""
    if not 0 <= objective < len(directions):
        raise ValueError(f"objective={objective} but the study has {len(directions)} "
                         f"objective(s) (0..{len(directions) - 1})")


def best_so_far(values: np.ndarray, direction: Direction) -> np.ndarray:
    """The running best of `values` (n,) in trial order (NaN-free input)."""
    if len(values) == 0:
        return values.astype(float)
    acc = np.maximum.accumulate if direction is Direction.MAXIMIZE else np.minimum.accumulate
    out: np.ndarray = acc(values)
    return out


def envelope_indices(y: np.ndarray, max_points: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most `max_points` of `y` (n,) keeping its envelope: the first, the
    last, and the lowest and highest point of each of `max_points // 2` equal buckets."""
    n = len(y)
    if n <= max_points:
        return np.arange(n)
    buckets = max(max_points // 2, 1)
    bucket = (np.arange(n) * buckets) // n                 # (n,) bucket of each point
    order = np.lexsort((np.nan_to_num(y, nan=np.inf), bucket))  # by bucket, then value
    starts = np.flatnonzero(np.r_[True, bucket[order][1:] != bucket[order][:-1]])
    ends = np.r_[starts[1:], n] - 1
    finite = np.isfinite(y[order][ends])
    # the highest: the last finite one of each bucket (NaN sorted after it)
    high = ends.copy()
    if not finite.all():
        ok = np.isfinite(y[order])
        last_ok = np.maximum.accumulate(np.where(ok, np.arange(n), -1))
        high = np.maximum(last_ok[ends], starts)
    keep = np.concatenate([[0, n - 1], order[starts], order[high]])
    return np.unique(keep)


def sample_indices(n: int, max_points: int, *, keep: Sequence[int] = (),
                   seed: int = 0) -> np.ndarray:
    """Sorted indices of at most `max_points` of `n` rows: every index in `keep` (the
    best, say) plus a fixed-seed uniform sample of the rest."""
    if n <= max_points:
        return np.arange(n)
    kept = np.unique(np.asarray(list(keep), dtype=int))[:max_points]
    rest = np.setdiff1d(np.arange(n), kept)
    rng = np.random.default_rng(seed)
    extra = rng.choice(rest, size=max_points - len(kept), replace=False)
    return np.sort(np.concatenate([kept, extra]))


def step_points(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points of a step function (`y` changes only at some `x`): where it changes,
    plus the last one, so a best-so-far line of 100,000 trials stays a few points."""
    if len(y) == 0:
        return x, y
    change = np.ones(len(y), dtype=bool)
    change[1:] = y[1:] != y[:-1]
    change[-1] = True
    return x[change], y[change]


def distribution_of(trials: Sequence[TrialRecord], name: str) -> Distribution | None:
    """The distribution of parameter `name` in the latest trial that has it."""
    for t in reversed(trials):
        d = t.distributions.get(name)
        if d is not None:
            return d
    return None


def param_names(trials: Sequence[TrialRecord]) -> list[str]:
    """Every parameter name of `trials`, in first-seen order."""
    seen: dict[str, None] = {}
    for t in trials:
        for k in t.params:
            seen.setdefault(k, None)
    return list(seen)


def is_log(dist: Distribution | None) -> bool:
    return isinstance(dist, (Float, Int)) and dist.log


def numeric_column(trials: Sequence[TrialRecord], name: str,
                   dist: Distribution | None) -> tuple[np.ndarray, list[str] | None]:
    """Parameter `name` of each trial as floats (NaN where absent), and for a categorical
    the choices as labels (the floats are then indices into them)."""
    if isinstance(dist, Categorical):
        labels = [str(c) for c in dist.choices]
        index = {repr(c): i for i, c in enumerate(dist.choices)}
        col = np.array([index.get(repr(t.params[name]), np.nan) if name in t.params
                        else np.nan for t in trials], dtype=np.float64)
        return col, labels
    out = np.full(len(trials), np.nan)
    for i, t in enumerate(trials):
        v = t.params.get(name)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out[i] = float(v)
    return out, None


def objective_label(k: int, n_objectives: int, names: Sequence[str] | None = None) -> str:
    """How objective `k` of `n_objectives` is named on an axis."""
    if names and k < len(names):
        return str(names[k])
    return "value" if n_objectives == 1 else f"objective {k}"
