"""The search space of a scikit-learn search: one or several branches of parameters.

A dict is one branch; a list of dicts (scikit-learn's list of grids) is one branch per
dict, and each trial first picks its branch with the categorical parameter `BRANCH`,
then the parameters of that branch. Parameter names are scikit-learn's (``svc__C``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tuneforge.exceptions import SearchSpaceError
from tuneforge.integrations.sklearn.scipy_stats import Decoder, choices, to_distribution
from tuneforge.samplers.grid import BRANCH
from tuneforge.space.distributions import Categorical, Distribution


@dataclass(frozen=True)
class Branch:
    """The distributions of one dict, and the label decoders of its non-JSON choices."""

    dists: dict[str, Distribution]
    decoders: dict[str, Decoder] = field(default_factory=dict)

    def decode(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """The estimator parameters from a trial's stored values (labels -> objects)."""
        out = {}
        for name in self.dists:
            if name not in stored:
                continue
            value = stored[name]
            out[name] = self.decoders[name][value] if name in self.decoders else value
        return out


class ParamSpace:
    """The branches of a search and how a trial draws from them."""

    def __init__(self, branches: Sequence[Branch]) -> None:
        if not branches:
            raise SearchSpaceError("the search space has no branch (an empty list of dicts)")
        self.branches = tuple(branches)
        for branch in self.branches:
            if BRANCH in branch.dists:
                raise SearchSpaceError(f"parameter name {BRANCH!r} is reserved for the branch")

    @classmethod
    def from_distributions(cls, spec: Any, *, what: str = "param_distributions") -> ParamSpace:
        """From a dict (or list of dicts) of distributions, lists or scipy.stats ones."""
        return cls([_branch(d, what, to_distribution) for d in _dicts(spec, what)])

    @classmethod
    def from_grid(cls, spec: Any, *, what: str = "param_grid") -> ParamSpace:
        """From a grid: lists of values only. Names are sorted, as scikit-learn's
        ParameterGrid does, so candidates come in its order."""

        def grid_values(name: str, values: Any) -> tuple[Categorical, Decoder | None]:
            if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
                raise SearchSpaceError(
                    f"{what}: parameter {name!r} needs a list of values, got {values!r}; "
                    "wrap a single value in a list"
                )
            if np.ndim(values) > 1 and isinstance(values, np.ndarray):
                raise SearchSpaceError(f"{what}: parameter {name!r} needs a 1-d list of values")
            return choices(name, values)

        dicts = [dict(sorted(d.items())) for d in _dicts(spec, what)]
        return cls([_branch(d, what, grid_values) for d in dicts])

    @property
    def branched(self) -> bool:
        return len(self.branches) > 1

    def suggest(self, trial: Any) -> dict[str, Any]:
        """Draw this trial's parameters; returns what `set_params` takes."""
        index = 0
        if self.branched:
            index = trial.suggest(BRANCH, Categorical(tuple(range(len(self.branches)))))
        branch = self.branches[index]
        stored = {name: trial.suggest(name, dist) for name, dist in branch.dists.items()}
        return branch.decode(stored)

    def decode(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """The estimator parameters of a finished trial (without the branch parameter)."""
        index = stored.get(BRANCH, 0) if self.branched else 0
        if not isinstance(index, int) or not 0 <= index < len(self.branches):
            raise SearchSpaceError(f"stored branch {index!r} is not one of this search space")
        return self.branches[index].decode(stored)

    def to_json(self) -> list[dict[str, Any]]:
        """What a study stores to recognise its space when a search is resumed."""
        return [{name: d.to_json() for name, d in b.dists.items()} for b in self.branches]

    def grids(self) -> list[dict[str, tuple[Any, ...]]]:
        """Per branch, the stored values of each parameter (categorical spaces only)."""
        out = []
        for b in self.branches:
            grid = {}
            for name, d in b.dists.items():
                if not isinstance(d, Categorical):
                    raise SearchSpaceError(f"grid parameter {name!r} is not a list of values")
                grid[name] = d.choices
            out.append(grid)
        return out


def _dicts(spec: Any, what: str) -> list[Mapping[str, Any]]:
    if isinstance(spec, Mapping):
        return [spec]
    if isinstance(spec, Sequence) and not isinstance(spec, (str, bytes)):
        for i, d in enumerate(spec):
            if not isinstance(d, Mapping):
                raise SearchSpaceError(f"{what}[{i}] must be a dict, got {d!r}")
        return list(spec)
    raise SearchSpaceError(f"{what} must be a dict or a list of dicts, got {spec!r}")


def _branch(d: Mapping[str, Any], what: str, convert: Any) -> Branch:
    dists: dict[str, Distribution] = {}
    decoders: dict[str, Decoder] = {}
    for name, spec in d.items():
        if not isinstance(name, str) or not name:
            raise SearchSpaceError(f"{what}: parameter names must be strings, got {name!r}")
        dist, decoder = convert(name, spec)
        dists[name] = dist
        if decoder is not None:
            decoders[name] = decoder
    return Branch(dists, decoders)


__all__ = ["BRANCH", "Branch", "ParamSpace"]
