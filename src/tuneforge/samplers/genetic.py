"""A generational genetic algorithm whose population lives in the study's trials.

Each trial the GA proposes carries `{"generation": g, "parents": [numbers],
"mutation_rate": r}` in its system attributes, so the population is the storage: a
resumed study, or any number of workers, continue from it without state of their own.

Generation 0 is a scrambled Sobol design. When generation g has `population_size`
members (FAIL trials do not count, so they are replaced), the next ask starts g + 1:
its parents are drawn by tournament from the finished members of g plus the `elite`
best individuals of all earlier generations. Nothing blocks: while g is still running,
children of g + 1 are made from whatever of g has finished (with the elites), and when
fewer than two individuals are available the ask adds another member to g instead.

Operators (tuneforge.math.ga): SBX on numeric genes and uniform crossover on
categorical ones (or uniform on all with crossover="uniform"), then polynomial / random
resetting mutation with a per-gene rate that adapts to the last generation's success
(the 1/5 rule), unless `mutation_rate` fixes it.

Restarts: a GA converges on one basin; on multimodal functions it then stalls where
random search keeps finding better basins. When the last `restart_after` generations of
the current epoch brought no new best of that epoch, or the last generation collapsed to
one point (every gene's spread under 1e-3 of its range), the next generation starts a
new epoch: a fresh Sobol sample, whose parents and elites come from the new epoch only.
The epoch number and the reason are stored on each trial ("epoch", "restart").

Niches: the elites that join every parent pool are picked best first, skipping any that
lies within `niche_radius` of a better elite (clearing; Petrowski, "A clearing procedure
as a niching method for genetic algorithms", ICEC 1996), so that they hold several
basins instead of `elite` copies of one peak.

Immigrants: early on, a child is sometimes a fresh Sobol point instead (probability
`immigrants / (g + 1)` in the epoch's generation g: 25 %, 17 %, 12 %, ... at the default
0.5), so a small budget keeps sampling the space while the population settles on its
first basins, and a long run is left to the GA.

The measurements behind restarts, niches and immigrants (and their defaults) are in
benchmarks/README.md, "Design notes behind the samplers".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tuneforge.math import ga
from tuneforge.math.pareto import loss_order
from tuneforge.samplers._branches import has_space
from tuneforge.samplers.base import (
    BaseSampler,
    ConstraintsFunc,
    Suggestion,
    checked_constraints_func,
    sobol_point,
)
from tuneforge.space.distributions import Categorical, Distribution
from tuneforge.space.encoding import decode, decode_indices, encode, encode_indices, encode_mixed
from tuneforge.trial.constraints import violation
from tuneforge.trial.records import Direction, History, TrialRecord, TrialState


class GeneticSampler(BaseSampler):
    """Genetic algorithm over the unit-cube encoding (see the module docstring).

    - `population_size`: members per generation (None: max(10, 2 d) for d genes).
    - `mutation_rate`: per-gene probability; None adapts it (1/d at 20 % success).
    - `crossover`: "sbx" (numeric genes; categorical ones uniform) or "uniform".
    - `tournament_size`: individuals per tournament when choosing a parent.
    - `elite`: best individuals so far that join every generation's parent pool
      (None: a fifth of the population, at least 1).
    - `niche_radius`: elites closer than this to a better elite are skipped (distance in
      the unit cube over the numeric genes, a differing categorical gene counting 1,
      divided by sqrt(genes)); None or 0: the `elite` best, wherever they lie.
    - `restart_after`: generations without a new best of the current epoch before
      a restart (None: never restart; a collapsed population restarts regardless).
      Smaller values restart sooner but mistake slow steady progress for stagnation.
    - `immigrants`: a child of the epoch's generation g (its first is 0) is instead a
      fresh Sobol point with probability `immigrants / (g + 1)` (attribute
      "immigrant"); None or 0: never. See the module docstring.
    - `seed`: becomes the study seed (see `create_study`), which scrambles generation 0.
    """

    relative = True
    # finished trials never change: what a call reads from each is kept by key, and
    # rebuilt on demand in each worker process
    _transient = {"_facts": dict, "_compat": dict, "_genes": dict}
    _facts: dict[str, tuple[int, int, float]]  # key -> generation, epoch, violation
    _compat: dict[tuple[Any, ...], dict[str, bool]]  # space -> key -> has it
    _genes: dict[tuple[Any, ...], dict[str, np.ndarray]]  # space -> key -> unit

    def __init__(self, *, population_size: int | None = None, mutation_rate: float | None = None,
                 crossover: str = "sbx", tournament_size: int = 2, elite: int | None = None,
                 restart_after: int | None = 6, niche_radius: float | None = 0.05,
                 immigrants: float | None = 0.5, seed: int | None = None,
                 constraints_func: ConstraintsFunc | None = None) -> None:
        if population_size is not None and population_size < 2:
            raise ValueError(f"population_size must be >= 2, got {population_size}")
        if mutation_rate is not None and not 0.0 <= mutation_rate <= 1.0:
            raise ValueError(f"mutation_rate must be in [0, 1] or None, got {mutation_rate}")
        if crossover not in ("sbx", "uniform"):
            raise ValueError(f"crossover must be 'sbx' or 'uniform', got {crossover!r}")
        if tournament_size < 1:
            raise ValueError(f"tournament_size must be >= 1, got {tournament_size}")
        if elite is not None and elite < 0:
            raise ValueError(f"elite must be >= 0, got {elite}")
        if restart_after is not None and restart_after < 1:
            raise ValueError(f"restart_after must be >= 1 or None, got {restart_after}")
        if niche_radius is not None and not 0.0 <= niche_radius < 1.0:
            raise ValueError(f"niche_radius must be in [0, 1) or None, got {niche_radius}")
        if immigrants is not None and not 0.0 <= immigrants <= 1.0:
            raise ValueError(f"immigrants must be in [0, 1] or None, got {immigrants}")
        self.population_size = population_size
        self.mutation_rate = mutation_rate
        self.crossover = crossover
        self.tournament_size = tournament_size
        self.elite = elite
        self.restart_after = restart_after
        self.niche_radius = niche_radius
        self.immigrants = immigrants
        self.seed = seed
        self.constraints_func = checked_constraints_func(constraints_func, self)
        super().__init__()

    def __repr__(self) -> str:
        return (f"GeneticSampler(population_size={self.population_size}, "
                f"crossover={self.crossover!r}, restart_after={self.restart_after}, "
                f"niche_radius={self.niche_radius}, immigrants={self.immigrants}, "
                f"seed={self.seed!r})")

    def sample(self, space: Mapping[str, Distribution], history: History,
               rng: np.random.Generator, trial: TrialRecord) -> Suggestion:
        if not space:
            return Suggestion({})
        signs = np.array([1.0 if d is Direction.MINIMIZE else -1.0
                          for d in history.directions])
        counts: dict[int, int] = {}
        epochs: dict[int, int] = {}  # generation -> its epoch (from its first member)
        done: list[TrialRecord] = []  # COMPLETE trials that have every gene of `space`
        viols: list[float] = []
        by_gen: dict[int, list[int]] = {}  # generation -> indices into `done`
        compat = _per_space(self._compat, space)
        for t in history.trials():
            if t.key == trial.key or t.state is TrialState.FAIL:
                continue
            facts = self._facts.get(t.key)
            if facts is None:
                facts = (_generation(t), _epoch(t), violation(t))
                if t.state.is_finished:
                    self._facts[t.key] = facts
            g = facts[0]
            counts[g] = counts.get(g, 0) + 1
            epochs.setdefault(g, facts[1])
            if t.state is TrialState.COMPLETE and t.values is not None \
                    and len(t.values) == len(signs):
                ok = compat.get(t.key)
                if ok is None:
                    ok = compat[t.key] = has_space(t, space.items())
                if ok:
                    by_gen.setdefault(g, []).append(len(done))
                    done.append(t)
                    viols.append(facts[2])
        size = self.population_size or max(10, 2 * len(space))
        elite = self.elite if self.elite is not None else max(1, size // 5)
        top = max(counts) if counts else 0
        target = top if counts.get(top, 0) < size else top + 1
        rank = _fitness_rank(done, signs, np.array(viols))
        attrs: dict[str, Any] = {"sampler": "GeneticSampler", "generation": target}
        if target == 0:
            return self._fresh(space, trial, history, attrs)
        epoch = epochs.get(target)
        if epoch is None:  # the first member of a new generation decides a restart
            epoch = epochs.get(target - 1, 0)
            reason = self._stagnation(target - 1, epoch, epochs, by_gen, rank, space, done)
            if reason is not None:
                attrs.update(epoch=epoch + 1, restart=reason)
                return self._fresh(space, trial, history, attrs)
        attrs["epoch"] = epoch
        if epoch != epochs.get(target - 1, 0):  # a restart generation: all fresh
            return self._fresh(space, trial, history, attrs)
        pool = self._pool(target, epoch, epochs, by_gen, rank, elite, space, done)
        if len(pool) < 2 and target == top + 1 and epochs.get(top) == epoch:
            target = top  # too few finished to breed g + 1: one more member of g
            attrs["generation"] = target
            if target == 0 or epoch != epochs.get(target - 1, 0):
                return self._fresh(space, trial, history, attrs)
            pool = self._pool(target, epoch, epochs, by_gen, rank, elite, space, done)
        if len(pool) < 2:
            return self._fresh(space, trial, history, attrs)
        if self.immigrants:
            age = target - min((g for g, e in epochs.items() if e == epoch), default=target)
            if rng.random() < self.immigrants / (age + 1):
                attrs["immigrant"] = True
                return self._fresh(space, trial, history, attrs)
        rate = self.mutation_rate
        if rate is None:
            rate = ga.adaptive_rate(len(space), _success(done, by_gen.get(target - 1, []),
                                                          rank))
        i = pool[ga.tournament(rng, rank[pool], self.tournament_size)]
        rest = [p for p in pool if p != i]
        j = rest[ga.tournament(rng, rank[rest], self.tournament_size)]
        params = self._child(space, done[i], done[j], rate, rng)
        attrs["parents"] = [done[i].number, done[j].number]
        attrs["mutation_rate"] = round(float(rate), 6)
        return Suggestion(params, attrs)

    def _fresh(self, space: Mapping[str, Distribution], trial: TrialRecord, history: History,
               attrs: dict[str, Any]) -> Suggestion:
        """A Sobol point without parents (generation 0, a new epoch's first generation,
        or too few finished to breed)."""
        attrs["parents"] = []
        return Suggestion(decode(space, sobol_point(space, number=trial.number, history=history)),
                          attrs)

    def _stagnation(self, last: int, epoch: int, epochs: dict[int, int],
                    by_gen: dict[int, list[int]], rank: np.ndarray,
                    space: Mapping[str, Distribution], done: list[TrialRecord]) -> str | None:
        """Why epoch `epoch`, whose latest generation is `last`, should restart (None:
        it should not): its population collapsed, or `restart_after` generations
        brought no new best of the epoch."""
        members = by_gen.get(last, [])
        if len(members) >= 2:
            x = self._gene_rows(space, done, members)
            if float(np.max(np.ptp(x, axis=0))) < 1e-3:
                return f"generation {last} collapsed to one point"
        k = self.restart_after
        gens = sorted(g for g in by_gen if epochs.get(g, 0) == epoch and g <= last)
        if k is None or len(gens) <= k or gens[-1] != last:
            return None
        best = [float(np.min(rank[by_gen[g]])) for g in gens]
        before = min(best[:-k])
        if min(best[-k:]) < before:
            return None
        return f"no new best in the last {k} generations of epoch {epoch}"

    # -- population ------------------------------------------------------------------
    def _pool(self, target: int, epoch: int, epochs: dict[int, int],
              by_gen: dict[int, list[int]], rank: np.ndarray, elite: int,
              space: Mapping[str, Distribution], done: list[TrialRecord]) -> list[int]:
        """Indices (into the finished trials) of generation target - 1 plus the elites of
        every earlier generation of the same epoch (apart from each other: see
        `niche_radius`)."""
        pool = list(by_gen.get(target - 1, []))
        if elite:
            earlier = [i for g, idx in by_gen.items()
                       if g < target and epochs.get(g, 0) == epoch for i in idx]
            ordered = sorted(earlier, key=lambda i: rank[i])
            best = (self._cleared(ordered, elite, space, done) if self.niche_radius
                    else ordered[:elite])
            members = set(pool)
            pool += [i for i in best if i not in members]
        return pool

    def _cleared(self, ordered: list[int], elite: int, space: Mapping[str, Distribution],
                 done: list[TrialRecord]) -> list[int]:
        """Up to `elite` of `ordered` (best first), each at least `niche_radius` from every
        better one kept (clearing)."""
        categorical = np.array([isinstance(d, Categorical) for d in space.values()])
        radius = float(self.niche_radius or 0.0) * np.sqrt(len(space))
        picked = ga.clearing(self._gene_rows(space, done, ordered), radius, categorical,
                             elite)
        return [ordered[j] for j in picked]

    def _gene_rows(self, space: Mapping[str, Distribution], done: list[TrialRecord],
                   indices: list[int]) -> np.ndarray:
        """Genes (len(indices), d) of finished trials: numbers in the unit cube,
        categoricals as their choice index; cached per trial (finished trials never
        change)."""
        genes = _per_space(self._genes, space)
        rows = []
        for i in indices:
            t = done[i]
            x = genes.get(t.key)
            if x is None:
                x = genes[t.key] = encode_mixed(space, t.params)
            rows.append(x)
        return np.array(rows).reshape(len(rows), len(space))

    def _child(self, space: Mapping[str, Distribution], a: TrialRecord, b: TrialRecord,
               rate: float, rng: np.random.Generator) -> dict[str, Any]:
        nums = {n: d for n, d in space.items() if not isinstance(d, Categorical)}
        cats = {n: d for n, d in space.items() if isinstance(d, Categorical)}
        xa, xb = encode(nums, a.params), encode(nums, b.params)
        ca, cb = encode_indices(cats, a.params), encode_indices(cats, b.params)
        if self.crossover == "sbx":
            c1, c2 = ga.sbx(rng, xa, xb)
            x = c1 if rng.random() < 0.5 else c2
        else:
            x = ga.uniform_crossover(rng, xa, xb)
        c = ga.uniform_crossover(rng, ca, cb)
        x = ga.polynomial_mutation(rng, x, rate)
        n_choices = np.array([len(d.choices) for d in cats.values()], dtype=np.int64)
        c = ga.categorical_mutation(rng, c, n_choices, rate)
        out = {**decode(nums, x), **decode_indices(cats, c)}
        return {n: out[n] for n in space}


def _per_space(caches: dict[tuple[Any, ...], dict[str, Any]],
               space: Mapping[str, Distribution]) -> dict[str, Any]:
    """The per-trial cache of `space` in `caches` (at most 8 spaces kept)."""
    key = tuple(space.items())
    cache = caches.get(key)
    if cache is None:
        if len(caches) >= 8:
            caches.clear()
        cache = caches[key] = {}
    return cache


def _generation(t: TrialRecord) -> int:
    g = t.system_attrs.get("generation", 0)
    return g if isinstance(g, int) and not isinstance(g, bool) and g >= 0 else 0


def _epoch(t: TrialRecord) -> int:
    e = t.system_attrs.get("epoch", 0)
    return e if isinstance(e, int) and not isinstance(e, bool) and e >= 0 else 0


def _fitness_rank(done: list[TrialRecord], signs: np.ndarray,
                  viol: np.ndarray | None = None) -> np.ndarray:
    """Rank (n,) of the finished trials, 0 = best: feasible ones by value (front for
    several objectives), then infeasible ones by total constraint violation (`viol`,
    (n,), computed from the trials when not given)."""
    n = len(done)
    rank = np.empty(n, dtype=float)
    if not n:
        return rank
    if viol is None:
        viol = np.array([violation(t) for t in done])
    feas = np.flatnonzero(viol <= 0.0)
    infeas = np.flatnonzero(viol > 0.0)
    if len(feas):
        losses = np.array([done[i].values for i in feas], dtype=float).reshape(
            len(feas), len(signs)) * signs
        rank[feas[loss_order(losses)]] = np.arange(len(feas))
    if len(infeas):
        order = infeas[np.argsort(viol[infeas], kind="stable")]
        rank[order] = len(feas) + np.arange(len(infeas))
    return rank


def _success(done: list[TrialRecord], members: list[int], rank: np.ndarray) -> float | None:
    """Share of the finished children among `members` that rank better than both of
    their parents (None when no child with known parents has finished)."""
    index = {t.number: i for i, t in enumerate(done)}
    wins = total = 0
    for i in members:
        parents = done[i].system_attrs.get("parents") or []
        ranks = [rank[index[p]] for p in parents if p in index]
        if not ranks:
            continue
        total += 1
        wins += rank[i] < min(ranks)
    return wins / total if total else None


__all__ = ["GeneticSampler"]
