"""NSGA-II (Deb, Pratap, Agarwal, Meyarivan, "A fast and elitist multiobjective genetic
algorithm: NSGA-II", IEEE TEC 6(2), 2002) whose population lives in the trials.

Each proposal stores `{"generation": g, "parents": [numbers]}` on its trial. Generation
0 is the study's scrambled Sobol design; when generation g has `population_size` members
(FAIL trials do not count, so they are replaced), the next ask starts g + 1. The parents
of generation g + 1 are the `population_size` best finished trials of generations <= g
under constraint domination (feasible first, by non-dominated front, then by crowding
distance; infeasible ones by total violation): NSGA-II's elitist survival, taken over
the whole history instead of the last parents and children, so that no worker or resume
needs the previous population. They meet in binary tournaments (front, then crowding),
and a child takes SBX crossover and polynomial mutation on its numeric genes, uniform
crossover and random resetting on its categorical ones.

Mutation steps adapt (`adaptive_mutation`): each child draws short steps (1 / d genes,
`eta_mutation`) or long ones (about 4 genes at eta 5), stored as its "operator" (0 or
1); the share of long steps follows each kind's survival into the last population. Long
steps pull the distance variables of ZDT-like problems in fast, short ones refine a
three-objective front such as DTLZ2's (benchmarks/README.md, "NSGA-II and MOEA/D").

Nothing blocks: while generation g still runs, children of g + 1 are bred from what has
finished. With one objective the fronts are the ranks and NSGA-II is an elitist GA.
Outcome constraints are read from each trial (`Trial.set_constraint`, or the study's
`constraints_func`); a trial is feasible when every value is <= 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tuneforge.math import ga
from tuneforge.math.pareto import crowding_distance, non_dominated_fronts
from tuneforge.samplers._population import (
    STRONG_ETA,
    STRONG_GENES,
    Census,
    Genome,
    PopulationReader,
    operator_share,
    safe_losses,
    signature,
)
from tuneforge.samplers.base import (
    BaseSampler,
    ConstraintsFunc,
    Suggestion,
    checked_constraints_func,
    sobol_point,
)
from tuneforge.space.distributions import Distribution
from tuneforge.space.encoding import decode
from tuneforge.trial.records import History, TrialRecord


class NSGAIISampler(BaseSampler):
    """NSGA-II over the unit-cube encoding (see the module docstring).

    - `population_size`: members per generation (default 24).
    - `crossover_prob`: probability that a child is a crossover of its two parents (else
      a mutated copy of one).
    - `eta_crossover`, `eta_mutation`: distribution indices of SBX and of polynomial
      mutation (larger: children closer to their parents).
    - `mutation_prob`: per-gene probability of the short steps (None: 1 / number of genes).
    - `adaptive_mutation`: mix short and long mutation steps by their survival (see the
      module docstring); False: short steps only.
    - `constraints_func`: Optuna's spelling: called by the study with each finished trial,
      its values stored as the trial's constraints (<= 0 feasible).
    - `seed`: becomes the study seed (see `create_study`), which scrambles generation 0.
    """

    relative = True
    _transient = {"_reader": PopulationReader, "_chosen": dict}
    _reader: PopulationReader
    _chosen: dict[tuple[Any, ...], tuple[np.ndarray, np.ndarray, np.ndarray]]

    def __init__(self, *, population_size: int = 24, crossover_prob: float = 0.9,
                 eta_crossover: float = 15.0, eta_mutation: float = 20.0,
                 mutation_prob: float | None = None, adaptive_mutation: bool = True,
                 constraints_func: ConstraintsFunc | None = None, seed: int | None = None) -> None:
        if population_size < 2:
            raise ValueError(f"population_size must be >= 2, got {population_size}")
        if not 0.0 <= crossover_prob <= 1.0:
            raise ValueError(f"crossover_prob must be in [0, 1], got {crossover_prob}")
        if eta_crossover < 0 or eta_mutation < 0:
            raise ValueError(f"eta_crossover and eta_mutation must be >= 0, got "
                             f"{eta_crossover}, {eta_mutation}")
        if mutation_prob is not None and not 0.0 <= mutation_prob <= 1.0:
            raise ValueError(f"mutation_prob must be in [0, 1] or None, got {mutation_prob}")
        self.population_size = population_size
        self.crossover_prob = crossover_prob
        self.eta_crossover = eta_crossover
        self.eta_mutation = eta_mutation
        self.mutation_prob = mutation_prob
        self.adaptive_mutation = adaptive_mutation
        self.constraints_func = checked_constraints_func(constraints_func, self)
        self.seed = seed
        super().__init__()

    def __repr__(self) -> str:
        return (f"NSGAIISampler(population_size={self.population_size}, "
                f"crossover_prob={self.crossover_prob}, seed={self.seed!r})")

    def sample(self, space: Mapping[str, Distribution], history: History,
               rng: np.random.Generator, trial: TrialRecord) -> Suggestion:
        if not space:
            return Suggestion({})
        census = self._reader.read(space, history, trial)
        counts, size = census.counts, self.population_size
        top = max(counts) if counts else 0
        target = top if counts.get(top, 0) < size else top + 1
        attrs: dict[str, Any] = {"sampler": "NSGAIISampler", "generation": target}
        pool = np.flatnonzero(census.members.generation < target)
        if target > 0 and len(pool) < 2:  # too few finished to breed: one more of `top`
            attrs["generation"] = target = top
            pool = np.flatnonzero(census.members.generation < target)
        if target == 0 or len(pool) < 2:
            attrs["parents"] = []
            point = sobol_point(space, number=trial.number, history=history)
            return Suggestion(decode(space, point), attrs)
        chosen, front, crowd = self._parents(space, census, pool, target)
        i, j = (chosen[self._tournament(rng, front, crowd)] for _ in range(2))
        strong = False
        if self.adaptive_mutation:
            strong = bool(rng.random() < operator_share(census.members.operator, chosen,
                                                       census.members.generation, target))
            attrs["operator"] = int(strong)
        params = self._child(space, census.members.genes[i], census.members.genes[j], rng,
                             strong)
        attrs["parents"] = [census.members.numbers[i], census.members.numbers[j]]
        return Suggestion(params, attrs)

    def _parents(self, space: Mapping[str, Distribution], census: Census, pool: np.ndarray,
                 target: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The parents of generation `target` (indices into the members), their fronts
        and crowding distances: survival over the members of earlier generations,
        cached while no new one finishes."""
        key = (signature(space), target, len(pool))
        hit = self._chosen.get(key)
        if hit is None:
            members = census.members
            hit = select(safe_losses(members.losses[pool]), members.violation[pool],
                         self.population_size)
            hit = (pool[hit[0]], hit[1], hit[2])
            if len(self._chosen) >= 16:
                self._chosen.clear()
            self._chosen[key] = hit
        return hit

    @staticmethod
    def _tournament(rng: np.random.Generator, front: np.ndarray, crowd: np.ndarray) -> int:
        """Binary tournament: the lower front wins, then the larger crowding distance,
        then the first drawn."""
        n = len(front)
        a, b = (int(k) for k in rng.choice(n, size=2, replace=n < 2))
        if front[b] < front[a] or (front[b] == front[a] and crowd[b] > crowd[a]):
            return b
        return a

    def _child(self, space: Mapping[str, Distribution], a: np.ndarray, b: np.ndarray,
               rng: np.random.Generator, strong: bool) -> dict[str, Any]:
        genome = Genome(space)
        rate = self.mutation_prob if self.mutation_prob is not None else 1.0 / len(space)
        eta = self.eta_mutation
        if strong:
            rate, eta = min(0.5, max(rate, STRONG_GENES / len(space))), STRONG_ETA
        xa, xb = a[~genome.is_cat], b[~genome.is_cat]
        if rng.random() < self.crossover_prob:
            c1, c2 = ga.sbx(rng, xa, xb, eta=self.eta_crossover)
            x = c1 if rng.random() < 0.5 else c2
            c = genome.mutate_categorical(rng, a, b, rate)
        else:
            x = xa.copy()
            c = genome.mutate_categorical(rng, a, a, rate)
        x = ga.polynomial_mutation(rng, x, rate, eta=eta)
        return genome.params(x, c)


def select(losses: np.ndarray, violation: np.ndarray, size: int
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NSGA-II survival: the indices of the `size` best rows of `losses` (n, m) under
    constraint domination, with their fronts and crowding distances. Feasible rows
    (violation <= 0) by front, the last front that fits only in part by crowding distance
    (largest first); then infeasible rows by violation (fronts after every feasible one)."""
    n = len(losses)
    feas = np.flatnonzero(~(violation > 0))
    infeas = np.flatnonzero(violation > 0)
    idx: list[np.ndarray] = []
    fronts: list[np.ndarray] = []
    crowds: list[np.ndarray] = []
    left = min(size, n)
    level = 0
    if len(feas):
        f = non_dominated_fronts(losses[feas], stop_after=left)
        while left > 0:
            members = feas[f == level]
            if not len(members):
                break
            crowd = crowding_distance(losses[members])
            if len(members) > left:
                keep = np.argsort(-crowd, kind="stable")[:left]
                members, crowd = members[keep], crowd[keep]
            idx.append(members)
            fronts.append(np.full(len(members), level))
            crowds.append(crowd)
            left -= len(members)
            level += 1
    if left > 0 and len(infeas):
        order = infeas[np.argsort(violation[infeas], kind="stable")][:left]
        _, rank = np.unique(violation[order], return_inverse=True)
        idx.append(order)
        fronts.append(level + rank.reshape(-1))
        crowds.append(np.zeros(len(order)))
    if not idx:
        return (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    return np.concatenate(idx), np.concatenate(fronts), np.concatenate(crowds)


__all__ = ["NSGAIISampler", "select"]
