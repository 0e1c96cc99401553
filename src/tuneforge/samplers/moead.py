"""MOEA/D (Zhang & Li, "MOEA/D: a multiobjective evolutionary algorithm based on
decomposition", IEEE TEC 11(6), 2007) whose population lives in the trials.

The objectives are decomposed into scalar subproblems, one per weight vector
(`tuneforge.math.decomposition.weight_vectors`: a Das-Dennis lattice, two layers for
many objectives). Each proposal serves one subproblem and stores
`{"generation": g, "subproblem": i, "parents": [numbers]}` on its trial. Generation 0 is
the study's scrambled Sobol design (one point per subproblem); in each later generation
every subproblem gets one child, in a seeded order.

The current solution of subproblem j is rebuilt from the finished trials: the best under
j's scalarization among the Sobol points and the children of subproblems whose
neighbourhood holds j (MOEA/D's local replacement), ranked feasible first, then by
total constraint violation. A child of subproblem i mates, with probability
`neighbour_prob`, the current solutions of i's `n_neighbours` nearest subproblems, else
any subproblem's: SBX (default) or DE/rand/1 (MOEA/D-DE: Li & Zhang, IEEE TEC 13(2),
2009) on the numeric genes, then polynomial mutation with long steps (probability
max(1/d, 0.15) at eta 5: measured on ZDT and DTLZ2, benchmarks/README.md); categorical
genes by uniform crossover and random resetting. Objectives are normalized by the ideal
point and the nadir of the feasible non-dominated trials before scalarizing, so that
objectives on different scales weigh alike.

Nothing blocks and no state is kept: a resumed study or any number of workers rebuild
the same subproblem solutions from the same trials. With one objective every weight is
[1] and MOEA/D is a steady-state DE or GA.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tuneforge.math import decomposition, ga
from tuneforge.samplers._population import Census, Genome, PopulationReader, safe_losses
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

DECOMPOSITIONS = ("tchebycheff", "pbi")
VARIATIONS = ("sbx", "de")
MUTATION_FLOOR = 0.15  # default per-gene mutation probability: at least this, or 1/d


class _Front:
    """The feasible non-dominated members, kept as members arrive in trial order (an
    archive), for the ideal point and nadir; rebuilt when the members change otherwise."""

    def __init__(self) -> None:
        self.done: list[int] = []
        self.front: list[int] = []  # indices into the members

    def bounds(self, numbers: list[int], losses: np.ndarray, feasible: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
        """Ideal point and nadir (m,) of the feasible front (of all members when none
        is feasible)."""
        if not feasible.any():
            return losses.min(axis=0), losses.max(axis=0)
        if len(self.done) > len(numbers) or numbers[:len(self.done)] != self.done:
            self.done, self.front = [], []
        for q in range(len(self.done), len(numbers)):
            self.done.append(numbers[q])
            if not feasible[q]:
                continue
            f = losses[q]
            current = losses[self.front] if self.front else np.empty((0, len(f)))
            if len(current) and np.any(np.all(current <= f, axis=1)
                                       & np.any(current < f, axis=1)):
                continue
            beaten = np.all(f <= current, axis=1) & np.any(f < current, axis=1)
            self.front = [i for i, b in zip(self.front, beaten, strict=True) if not b] + [q]
        front = losses[self.front]
        return front.min(axis=0), front.max(axis=0)


class MOEADSampler(BaseSampler):
    """MOEA/D over the unit-cube encoding (see the module docstring).

    - `population_size`: about how many subproblems (weight vectors); None: 30 for two
      objectives, 45 for three, 60 beyond (`weight_vectors` picks the lattice).
    - `n_neighbours`: subproblems in each neighbourhood (None: a fifth, at least 3).
    - `decomposition`: "tchebycheff" or "pbi" (penalty-boundary intersection, `pbi_theta`).
    - `variation`: "sbx" (`eta_crossover`) or "de" (DE/rand/1 with `de_f`, `de_cr`);
      both followed by polynomial mutation (`eta_mutation`, `mutation_prob`, None:
      max(1/d, 0.15)).
    - `neighbour_prob`: probability that the parents come from the neighbourhood.
    - `constraints_func`: Optuna's spelling: called by the study with each finished trial,
      its values stored as the trial's constraints (<= 0 feasible).
    - `seed`: becomes the study seed (see `create_study`).
    """

    relative = True
    _transient = {"_reader": PopulationReader, "_weights": dict, "_front": _Front}
    _reader: PopulationReader
    _front: _Front
    _weights: dict[int, tuple[np.ndarray, np.ndarray]]

    def __init__(self, *, population_size: int | None = None, n_neighbours: int | None = None,
                 decomposition: str = "tchebycheff", variation: str = "sbx",
                 neighbour_prob: float = 0.9, de_f: float = 0.5, de_cr: float = 1.0,
                 eta_crossover: float = 20.0, eta_mutation: float = 5.0,
                 mutation_prob: float | None = None, pbi_theta: float = 5.0,
                 constraints_func: ConstraintsFunc | None = None, seed: int | None = None) -> None:
        if population_size is not None and population_size < 2:
            raise ValueError(f"population_size must be >= 2 or None, got {population_size}")
        if n_neighbours is not None and n_neighbours < 2:
            raise ValueError(f"n_neighbours must be >= 2 or None, got {n_neighbours}")
        if decomposition not in DECOMPOSITIONS:
            raise ValueError(f"decomposition must be one of {DECOMPOSITIONS}, got "
                             f"{decomposition!r}")
        if variation not in VARIATIONS:
            raise ValueError(f"variation must be one of {VARIATIONS}, got {variation!r}")
        for name, v in (("neighbour_prob", neighbour_prob), ("de_cr", de_cr)):
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {v}")
        if not 0.0 < de_f <= 2.0:
            raise ValueError(f"de_f must be in (0, 2], got {de_f}")
        if eta_crossover < 0 or eta_mutation < 0 or pbi_theta < 0:
            raise ValueError("eta_crossover, eta_mutation and pbi_theta must be >= 0")
        if mutation_prob is not None and not 0.0 <= mutation_prob <= 1.0:
            raise ValueError(f"mutation_prob must be in [0, 1] or None, got {mutation_prob}")
        self.population_size = population_size
        self.n_neighbours = n_neighbours
        self.decomposition = decomposition
        self.variation = variation
        self.neighbour_prob = neighbour_prob
        self.de_f = de_f
        self.de_cr = de_cr
        self.eta_crossover = eta_crossover
        self.eta_mutation = eta_mutation
        self.mutation_prob = mutation_prob
        self.pbi_theta = pbi_theta
        self.constraints_func = checked_constraints_func(constraints_func, self)
        self.seed = seed
        super().__init__()

    def __repr__(self) -> str:
        return (f"MOEADSampler(population_size={self.population_size}, "
                f"decomposition={self.decomposition!r}, variation={self.variation!r}, "
                f"seed={self.seed!r})")

    def weights(self, n_obj: int) -> tuple[np.ndarray, np.ndarray]:
        """The weight vectors (k, n_obj) and each one's neighbourhood (k, T), nearest
        first."""
        hit = self._weights.get(n_obj)
        if hit is None:
            n = self.population_size or {1: 30, 2: 30, 3: 45}.get(n_obj, 60)
            w = decomposition.weight_vectors(n_obj, n)
            t = self.n_neighbours or max(3, len(w) // 5)
            near = decomposition.neighbours(w, t)
            hit = self._weights[n_obj] = (w, near)
        return hit

    def sample(self, space: Mapping[str, Distribution], history: History,
               rng: np.random.Generator, trial: TrialRecord) -> Suggestion:
        if not space:
            return Suggestion({})
        census = self._reader.read(space, history, trial)
        w, near = self.weights(len(history.directions))
        k = len(w)
        counts = census.counts
        top = max(counts) if counts else 0
        target = top if counts.get(top, 0) < k else top + 1
        attrs: dict[str, Any] = {"sampler": "MOEADSampler", "generation": target}
        members = census.members
        if target == 0 or len(members.numbers) < 2:
            if target > 0:  # too few finished to breed: one more Sobol point
                attrs["generation"] = top
            attrs["parents"] = []
            point = sobol_point(space, number=trial.number, history=history)
            return Suggestion(decode(space, point), attrs)
        sub = self._subproblem(census, target, k, history.seed, rng)
        attrs["subproblem"] = sub
        holder = self._holders(census, w, near)
        filled = np.flatnonzero(holder >= 0)
        if len(filled) < 2:
            attrs["parents"] = []
            point = sobol_point(space, number=trial.number, history=history)
            return Suggestion(decode(space, point), attrs)
        pool = near[sub] if rng.random() < self.neighbour_prob else np.arange(k)
        pool = pool[holder[pool] >= 0]
        if len(pool) < 2:
            pool = filled
        params, parents = self._child(space, census, holder, sub, pool, rng)
        attrs["parents"] = parents
        return Suggestion(params, attrs)

    @staticmethod
    def _subproblem(census: Census, target: int, k: int, seed: int,
                    rng: np.random.Generator) -> int:
        """The subproblem the next member of generation `target` serves: the first one
        not yet served in that generation, in an order seeded by the study seed and the
        generation (a random one when every one is served)."""
        order = np.random.default_rng([seed, target, 0x6D6F6561]).permutation(k)
        taken = census.taken.get(target, set())
        for s in order:
            if int(s) not in taken:
                return int(s)
        return int(rng.integers(k))

    def _holders(self, census: Census, w: np.ndarray, near: np.ndarray) -> np.ndarray:
        """Index (into the members) of each subproblem's current solution (k,): the best
        under its scalarization of the members allowed to hold it (Sobol points, and
        children of subproblems whose neighbourhood holds it); infeasible members rank
        after every feasible one, by violation. Objectives are normalized by the ideal
        point and the nadir of the feasible non-dominated members."""
        m = census.members
        losses = safe_losses(m.losses)
        feas = ~(m.violation > 0)
        ideal, nadir = self._front.bounds(m.numbers, losses, feas)
        scale = np.where(nadir - ideal > 1e-12, nadir - ideal, 1.0)
        with np.errstate(over="ignore", invalid="ignore"):
            f = np.clip((losses - ideal) / scale, -1e100, 1e100)  # inf stays comparable
            g = np.nan_to_num(self._scalarize(f, w, np.zeros(w.shape[1])), nan=np.inf)
        top = float(np.max(g[feas])) if feas.any() else 0.0
        g[~feas] = top + 1.0 + m.violation[~feas, None]
        local = (m.origin >= 0) & (m.origin < len(w))
        if local.any():
            allowed = np.ones(g.shape, dtype=bool)
            allowed[local] = False
            rows = np.flatnonzero(local)
            allowed[rows[:, None], near[m.origin[local]]] = True
            g = np.where(allowed, g, np.inf)
        out: np.ndarray = np.argmin(g, axis=0)
        return out

    def _scalarize(self, f: np.ndarray, w: np.ndarray, ideal: np.ndarray) -> np.ndarray:
        if self.decomposition == "pbi":
            return decomposition.pbi(f, w, ideal, theta=self.pbi_theta)
        return decomposition.tchebycheff(f, w, ideal)

    def _child(self, space: Mapping[str, Distribution], census: Census, holder: np.ndarray,
               sub: int, pool: np.ndarray, rng: np.random.Generator
               ) -> tuple[dict[str, Any], list[int]]:
        genome = Genome(space)
        genes = census.members.genes
        numbers = census.members.numbers
        rate = self.mutation_prob
        if rate is None:
            rate = min(0.5, max(1.0 / len(space), MUTATION_FLOOR))
        own = holder[sub] if holder[sub] >= 0 else holder[int(rng.choice(pool))]
        r1, r2 = (holder[int(s)] for s in rng.choice(pool, size=2, replace=len(pool) < 2))
        num = ~genome.is_cat
        if self.variation == "sbx":
            c1, c2 = ga.sbx(rng, genes[r1, num], genes[r2, num], eta=self.eta_crossover)
            x = c1 if rng.random() < 0.5 else c2
        else:
            x = ga.de_rand1(rng, genes[own, num], genes[r1, num], genes[r2, num],
                            genes[own, num], f=self.de_f, cr=self.de_cr)
        x = ga.polynomial_mutation(rng, x, rate, eta=self.eta_mutation)
        c = genome.mutate_categorical(rng, genes[own], genes[r1], rate)
        parents = list(dict.fromkeys(numbers[int(i)] for i in (own, r1, r2)))
        return genome.params(x, c), parents


__all__ = ["MOEADSampler"]
