"""Grid search: every combination exactly once, shared safely by several workers; and
several grids (a list of dicts), each point tagged with the grid it came from."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tuneforge.exceptions import SearchExhausted, SearchSpaceError
from tuneforge.samplers.base import (
    BaseSampler,
    ConstraintsFunc,
    Queue,
    Suggestion,
    checked_constraints_func,
)
from tuneforge.space.distributions import Categorical, Distribution
from tuneforge.trial.records import History, TrialRecord


class GridSampler(BaseSampler):
    """Try every combination of `grid` (``{"x": [1, 2], "k": ["a", "b"]}``) once.

    The combinations are enqueued as WAITING trials the first time a study uses the
    sampler (an atomic, once-only event), and workers claim them one at a time, so no
    point is run twice and a resumed study continues with the points that are left.
    When none is left the study ends (`SearchExhausted`). `shuffle` randomizes the order
    with `seed`: the queue exists before any study does, so this is the one sampler that
    reads its own seed (which also becomes the study seed, see `create_study`).
    """

    def __init__(self, grid: Mapping[str, Sequence[Any]], *, shuffle: bool = False,
                 seed: int | None = None, constraints_func: ConstraintsFunc | None = None) -> None:
        if not grid:
            raise SearchSpaceError("GridSampler needs at least one parameter")
        self.grid: dict[str, tuple[Any, ...]] = {}
        for name, values in grid.items():
            if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
                raise SearchSpaceError(f"grid parameter {name!r}: expected a list of values")
            try:
                dist = Categorical(tuple(values))  # validates: non-empty, JSON, no duplicates
            except SearchSpaceError as exc:
                raise SearchSpaceError(f"grid parameter {name!r}: {exc}") from None
            self.grid[name] = dist.choices
        self.shuffle = shuffle
        self.seed = seed
        self.constraints_func = checked_constraints_func(constraints_func, self)
        self._queue: tuple[str, list[dict[str, Any]]] | None = None

    relative = False

    def __repr__(self) -> str:
        return f"GridSampler({self.grid!r})"

    def __len__(self) -> int:
        n = 1
        for values in self.grid.values():
            n *= len(values)
        return n

    def combinations(self) -> list[dict[str, Any]]:
        names = list(self.grid)
        combos = [dict(zip(names, vals, strict=True))
                  for vals in itertools.product(*self.grid.values())]
        if self.shuffle:
            order = np.random.default_rng(self.seed).permutation(len(combos))
            combos = [combos[i] for i in order]
        return combos

    def initial_queue(self) -> Queue:
        """A tag naming this grid and its combinations, enqueued once per study."""
        if self._queue is not None:  # asked on every ask(): build it once
            return self._queue
        digest = hashlib.sha256(json.dumps(self.grid, sort_keys=True).encode()).hexdigest()
        combos = self.combinations()
        self._queue = (f"grid:{digest[:16]}", [
            {"params": c, "system_attrs": {"grid_id": i, "sampler": "GridSampler"}}
            for i, c in enumerate(combos)
        ])
        return self._queue

    def sample(self, space: Mapping[str, Distribution], history: History,
               rng: np.random.Generator, trial: TrialRecord) -> Suggestion:
        # Grid trials arrive with every grid parameter fixed, so the study only asks
        # the grid about parameters it does not have.
        for name in space:
            if name in self.grid:
                raise SearchExhausted(f"every point of the grid ({len(self)} points) was tried")
            raise SearchSpaceError(
                f"parameter {name!r} is not in the grid of GridSampler "
                f"(grid parameters: {', '.join(self.grid)})"
            )
        return Suggestion({})


BRANCH = "_branch"  # the parameter that names the grid of a list of dicts


class BranchGridSampler(BaseSampler):
    """Every point of every grid once; points of grid i carry ``BRANCH = i``
    (a list of dicts, as scikit-learn's ParameterGrid takes).

    Each grid is expanded by tuneforge's GridSampler (same validation and order); the
    points are enqueued once per study, so workers share them and a resumed study runs
    only those left.
    """

    relative = False

    def __init__(self, grids: Sequence[Mapping[str, Sequence[Any]]], *, shuffle: bool = False,
                 seed: int | None = None, constraints_func: ConstraintsFunc | None = None) -> None:
        if not grids:
            raise SearchSpaceError("BranchGridSampler needs at least one grid")
        self.grids = [{k: tuple(v) for k, v in g.items()} for g in grids]
        self.shuffle = shuffle
        self.seed = seed
        self.constraints_func = checked_constraints_func(constraints_func, self)
        self._queue: tuple[str, list[dict[str, Any]]] | None = None

    def __repr__(self) -> str:
        return f"BranchGridSampler({self.grids!r})"

    def __len__(self) -> int:
        return len(self.combinations())

    def combinations(self) -> list[dict[str, Any]]:
        """The points in order: grid by grid, each in GridSampler's order (or all of them
        in a random order, seeded, with `shuffle`)."""
        out: list[dict[str, Any]] = []
        branched = len(self.grids) > 1
        for i, grid in enumerate(self.grids):
            points = GridSampler(grid).combinations() if grid else [{}]
            out += [({BRANCH: i} if branched else {}) | p for p in points]
        if self.shuffle:
            order = np.random.default_rng(self.seed).permutation(len(out))
            out = [out[i] for i in order]
        return out

    def initial_queue(self) -> Queue:
        """A tag naming these grids and their points, enqueued once per study."""
        if self._queue is None:
            text = json.dumps([self.grids, self.shuffle, self.seed], sort_keys=True)
            digest = hashlib.sha256(text.encode()).hexdigest()
            self._queue = (f"grids:{digest[:16]}", [
                {"params": p, "system_attrs": {"grid_id": i, "sampler": "BranchGridSampler"}}
                for i, p in enumerate(self.combinations())
            ])
        return self._queue

    def sample(self, space: Mapping[str, Distribution], history: History,
               rng: np.random.Generator, trial: TrialRecord) -> Suggestion:
        # grid trials arrive with every parameter fixed; anything else is not in a grid
        for name in space:
            raise SearchSpaceError(f"parameter {name!r} is in none of the grids of this search")
        return Suggestion({})
