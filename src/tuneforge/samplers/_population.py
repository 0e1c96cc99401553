"""What the evolutionary multi-objective samplers (NSGA-II, MOEA/D) read from the trials:
the members of each generation, their genes, losses and constraint violations, and how a
child's genes become parameters. The population is the storage (as for the GA): every
proposal stores its generation (and parents) on the trial, so a resumed study or any
number of workers rebuild the same population from the same trials.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tuneforge.math import ga
from tuneforge.samplers._branches import has_space
from tuneforge.space.distributions import Categorical, Distribution
from tuneforge.space.encoding import decode, decode_indices, encode_mixed
from tuneforge.trial.constraints import violation
from tuneforge.trial.records import Direction, History, TrialRecord, TrialState


@dataclass
class Members:
    """The finished (COMPLETE) trials that have every parameter of a space.

    genes (n, d): numbers in the unit cube, categoricals as choice indices (space order);
    losses (n, m): the values turned so that every objective is minimized (NaN and inf
    kept); violation (n,): total constraint violation (0 feasible); generation (n,);
    origin (n,): the stored "subproblem" of each (-1 none); operator (n,): the stored
    "operator" of each (-1 none).
    """

    numbers: list[int] = field(default_factory=list)
    genes: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    losses: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    violation: np.ndarray = field(default_factory=lambda: np.empty(0))
    generation: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    origin: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    operator: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))


@dataclass
class Census:
    """Every trial but the one being sampled and FAIL ones: how many each generation has
    (`counts`), the "subproblem" each running or finished one serves (`taken`, per
    generation), and the finished members."""

    counts: dict[int, int]
    taken: dict[int, set[int]]
    members: Members


def _int_attr(t: TrialRecord, name: str, default: int) -> int:
    v = t.system_attrs.get(name, default)
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else default


class PopulationReader:
    """Reads a Census from a History, keeping what it reads from each finished trial
    (finished trials never change); the caches are rebuilt in each worker process."""

    def __init__(self) -> None:
        # key -> generation, origin, violation, operator
        self.facts: dict[str, tuple[int, int, float, int]] = {}
        self.genes: dict[tuple[Any, ...], dict[str, np.ndarray]] = {}  # space -> key -> x

    def read(self, space: Mapping[str, Distribution], history: History,
             trial: TrialRecord) -> Census:
        signs = np.array([1.0 if d is Direction.MINIMIZE else -1.0
                          for d in history.directions])
        m = len(signs)
        counts: dict[int, int] = {}
        taken: dict[int, set[int]] = {}
        genes = self._per_space(space)
        items = list(space.items())
        numbers: list[int] = []
        rows: list[np.ndarray] = []
        losses: list[Any] = []
        viols: list[float] = []
        gens: list[int] = []
        origins: list[int] = []
        operators: list[int] = []
        for t in history.trials():
            if t.key == trial.key or t.state is TrialState.FAIL:
                continue
            facts = self.facts.get(t.key)
            if facts is None:
                facts = (_int_attr(t, "generation", 0), _int_attr(t, "subproblem", -1),
                         violation(t), _int_attr(t, "operator", -1))
                if t.state.is_finished:
                    self.facts[t.key] = facts
            g, origin, viol, operator = facts
            counts[g] = counts.get(g, 0) + 1
            if origin >= 0:
                taken.setdefault(g, set()).add(origin)
            if t.state is not TrialState.COMPLETE or t.values is None or len(t.values) != m:
                continue
            x = genes.get(t.key)
            if x is None:
                if not has_space(t, items):
                    continue
                x = genes[t.key] = encode_mixed(space, t.params)
            numbers.append(t.number)
            rows.append(x)
            losses.append(t.values)
            viols.append(viol)
            gens.append(g)
            origins.append(origin)
            operators.append(operator)
        n = len(numbers)
        members = Members(
            numbers=numbers,
            genes=np.array(rows, dtype=float).reshape(n, len(space)),
            losses=np.array(losses, dtype=float).reshape(n, m) * signs,
            violation=np.array(viols, dtype=float),
            generation=np.array(gens, dtype=np.int64),
            origin=np.array(origins, dtype=np.int64),
            operator=np.array(operators, dtype=np.int64))
        return Census(counts, taken, members)

    def _per_space(self, space: Mapping[str, Distribution]) -> dict[str, np.ndarray]:
        key = tuple(space.items())
        cache = self.genes.get(key)
        if cache is None:
            if len(self.genes) >= 8:
                self.genes.clear()
            cache = self.genes[key] = {}
        return cache


def safe_losses(losses: np.ndarray) -> np.ndarray:
    """Losses with NaN as +inf's stand-in (1e300) and +-inf clipped to +-1e300, so that
    sorting and scalarizing never meet NaN (a NaN objective ranks as very bad)."""
    return np.nan_to_num(losses, nan=1e300, posinf=1e300, neginf=-1e300)


class Genome:
    """The split of a space into numeric genes (unit cube) and categorical ones (choice
    indices), and the way back to parameters."""

    def __init__(self, space: Mapping[str, Distribution]) -> None:
        self.space = space
        self.is_cat = np.array([isinstance(d, Categorical) for d in space.values()],
                               dtype=bool)
        self.nums = {n: d for n, d in space.items() if not isinstance(d, Categorical)}
        self.cats: dict[str, Categorical] = {
            n: d for n, d in space.items() if isinstance(d, Categorical)}
        self.n_choices = np.array([len(d.choices) for d in self.cats.values()],
                                  dtype=np.int64)

    def mutate_categorical(self, rng: np.random.Generator, a: np.ndarray, b: np.ndarray,
                           rate: float) -> np.ndarray:
        """Uniform crossover of two parents' categorical genes, then random resetting."""
        c = ga.uniform_crossover(rng, a[self.is_cat].astype(np.int64),
                                 b[self.is_cat].astype(np.int64))
        return ga.categorical_mutation(rng, c, self.n_choices, rate)

    def params(self, x: np.ndarray, c: np.ndarray) -> dict[str, Any]:
        """Parameters from numeric genes x (unit cube) and categorical indices c."""
        out = {**decode(self.nums, x), **decode_indices(self.cats, c)}
        return {n: out[n] for n in self.space}


def signature(space: Mapping[str, Distribution]) -> tuple[Any, ...]:
    """A hashable key of a space, for caches."""
    return tuple(space.items())
