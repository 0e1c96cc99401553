"""Grid search over a `ParamSpace`: tuneforge's GridSampler for one dict, and a sampler
that enqueues the points of several grids (a list of dicts) once each."""

from __future__ import annotations

from tuneforge.integrations.sklearn.space import ParamSpace
from tuneforge.samplers.grid import BranchGridSampler, GridSampler


def grid_sampler(space: ParamSpace, *, shuffle: bool = False,
                 seed: int | None = None) -> GridSampler | BranchGridSampler:
    """tuneforge's GridSampler for a single non-empty grid, else a BranchGridSampler;
    `shuffle` visits the points in a random order (seeded)."""
    grids = space.grids()
    if len(grids) == 1 and grids[0]:
        return GridSampler(grids[0], shuffle=shuffle, seed=seed)
    return BranchGridSampler(grids, shuffle=shuffle, seed=seed)


__all__ = ["grid_sampler"]
