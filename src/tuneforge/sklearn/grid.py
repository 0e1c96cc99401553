"""Grid search over a `ParamSpace`: tuneforge's GridSampler for one dict, and a sampler
that enqueues the points of several grids (a list of dicts) once each."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tuneforge.exceptions import SearchSpaceError
from tuneforge.samplers.base import Suggestion
from tuneforge.samplers.grid import GridSampler
from tuneforge.sklearn.space import BRANCH, ParamSpace
from tuneforge.space.distributions import Distribution
from tuneforge.trial.records import History, TrialRecord


class BranchGridSampler:
    """Every point of every grid once; points of grid i carry ``_branch = i``.

    Each grid is expanded by tuneforge's GridSampler (same validation and order); the
    points are enqueued once per study, so workers share them and a resumed study runs
    only those left.
    """

    relative = False

    def __init__(self, grids: Sequence[Mapping[str, Sequence[Any]]], *, shuffle: bool = False,
                 seed: int | None = None) -> None:
        if not grids:
            raise SearchSpaceError("BranchGridSampler needs at least one grid")
        self.grids = [{k: tuple(v) for k, v in g.items()} for g in grids]
        self.shuffle = shuffle
        self.seed = seed
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

    def initial_queue(self) -> tuple[str, Sequence[Mapping[str, Any]]]:
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


def grid_sampler(space: ParamSpace, *, shuffle: bool = False,
                 seed: int | None = None) -> GridSampler | BranchGridSampler:
    """tuneforge's GridSampler for a single non-empty grid, else a BranchGridSampler;
    `shuffle` visits the points in a random order (seeded)."""
    grids = space.grids()
    if len(grids) == 1 and grids[0]:
        return GridSampler(grids[0], shuffle=shuffle, seed=seed)
    return BranchGridSampler(grids, shuffle=shuffle, seed=seed)


__all__ = ["BranchGridSampler", "grid_sampler"]
