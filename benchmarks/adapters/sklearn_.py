"""scikit-learn's own search strategies for the `ml` suite.

GridSearchCV and RandomizedSearchCV draw their candidates with ParameterGrid and
ParameterSampler; we use exactly those generators and evaluate each candidate through
the runner's objective (the same cross-validation GridSearchCV would run), so that the
runner counts, times and caps the evaluations as for every other optimizer.

- grid: per parameter a few levels (log-spaced where the scale is log), the levels
  added one parameter at a time while the grid stays within the budget; a conditional
  space gets one grid per branch, the budget shared between branches.
- random: scipy.stats distributions as a user would write them (loguniform for log
  scales, randint for integers, lists for categoricals); a conditional space is a list
  of dicts, one per branch, which ParameterSampler picks uniformly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from benchmarks.adapters.base import Adapter, Objective, need
from benchmarks.problems.base import Param, Problem


def _levels(p: Param, k: int) -> list[Any]:
    if p.kind == "cat":
        return list(p.choices)[:k]
    u = (np.arange(k) + 0.5) / k   # cell centres: never the edges
    if p.log:
        vals = np.exp(np.log(p.low) + u * (np.log(p.high) - np.log(p.low)))
    else:
        vals = p.low + u * (p.high - p.low)
    if p.kind == "int":
        return sorted({int(round(v)) for v in vals})
    return [float(v) for v in vals]


def grid_for(params: Sequence[Param], budget: int) -> dict[str, list[Any]]:
    """Levels per parameter, grown round-robin while the grid size stays <= budget."""
    counts = {p.name: 1 for p in params}
    cap = {p.name: (len(p.choices) if p.kind == "cat" else
                    int(p.high - p.low + 1) if p.kind == "int" else 10**6) for p in params}
    grown = True
    while grown:
        grown = False
        for p in params:
            if counts[p.name] >= cap[p.name]:
                continue
            trial = dict(counts, **{p.name: counts[p.name] + 1})
            if int(np.prod(list(trial.values()))) <= budget:
                counts = trial
                grown = True
    return {p.name: _levels(p, counts[p.name]) for p in params}


def _branches(space: Sequence[Param]) -> list[tuple[dict[str, Any], list[Param]]]:
    """(fixed parent choice, free parameters) per branch of a conditional space."""
    parents = [p for p in space if any(q.condition and q.condition[0] == p.name for q in space)]
    free = [p for p in space if p.condition is None and p not in parents]
    if not parents:
        return [({}, free)]
    if len(parents) > 1:
        raise ValueError("sklearn adapters support one conditional parent")
    parent = parents[0]
    return [({parent.name: v}, free + [q for q in space if q.condition == (parent.name, v)])
            for v in parent.choices]


def _distribution(p: Param) -> Any:
    from scipy import stats

    if p.kind == "cat":
        return list(p.choices)
    if p.kind == "int":
        if p.log:
            return _IntLogUniform(int(p.low), int(p.high))
        return stats.randint(int(p.low), int(p.high) + 1)
    if p.log:
        return stats.loguniform(p.low, p.high)
    return stats.uniform(p.low, p.high - p.low)


class _IntLogUniform:
    """An integer drawn log-uniformly (scipy has no such distribution)."""

    def __init__(self, low: int, high: int) -> None:
        from scipy import stats
        self.low, self.high = low, high
        self.dist = stats.loguniform(low, high + 1)

    def rvs(self, random_state: Any = None, size: Any = None) -> int:
        return int(min(max(int(self.dist.rvs(random_state=random_state)), self.low), self.high))


class SklearnSearch(Adapter):
    conditional = True

    def __init__(self, *, seed: int, method: str) -> None:
        super().__init__(seed=seed)
        self.method = method  # "grid" or "random"

    def prepare(self) -> None:
        need("sklearn.model_selection")
        need("scipy.stats")

    def candidates(self, problem: Problem, budget: int) -> list[dict[str, Any]]:
        from sklearn.model_selection import ParameterGrid, ParameterSampler

        branches = _branches(problem.space)
        if self.method == "random":
            dists = [dict({k: [v] for k, v in fixed.items()},
                          **{p.name: _distribution(p) for p in free}) for fixed, free in branches]
            return list(ParameterSampler(dists if len(dists) > 1 else dists[0], n_iter=budget,
                                         random_state=self.seed))
        share = max(1, budget // len(branches))
        grids = [dict({k: [v] for k, v in fixed.items()}, **grid_for(free, share))
                 for fixed, free in branches]
        return list(ParameterGrid(grids))[:budget]

    def run(self, problem: Problem, objective: Objective, budget: int) -> None:
        for params in self.candidates(problem, budget):
            objective({k: (v.item() if hasattr(v, "item") else v) for k, v in params.items()})
