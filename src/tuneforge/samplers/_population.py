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

STRONG_GENES = 4.0  # the strong mutation changes about this many genes ...
STRONG_ETA = 5.0    # ... with this distribution index (long steps)


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


class _Grow:
    """A numpy array that grows by rows (capacity doubling); `view()` is the filled part."""

    def __init__(self, width: int, dtype: Any = float) -> None:
        self.data = np.empty((16, width), dtype=dtype)
        self.n = 0

    def add(self, row: Any) -> None:
        if self.n == len(self.data):
            self.data = np.concatenate([self.data, np.empty_like(self.data)])
        self.data[self.n] = row
        self.n += 1

    def view(self) -> np.ndarray:
        return self.data[:self.n]


class _SpaceMembers:
    """The rows of the finished table that have a whole space, and their genes."""

    def __init__(self, d: int) -> None:
        self.checked = 0  # rows of the finished table looked at
        self.rows = _Grow(1, np.int64)
        self.genes = _Grow(d)


class PopulationReader:
    """Reads a Census from a History. Finished trials never change, so each is read
    once, into a table (in the order first seen); only running trials are looked at on
    every call. The table lives in the sampler's transient caches and is rebuilt in each
    worker process."""

    def __init__(self) -> None:
        self._clear(0)

    def _clear(self, m: int) -> None:
        self.m = m
        self.first: str | None = None          # the key of the history's first trial
        self.seen: set[str] = set()
        self.done = 0              # the history's leading trials all read or FAIL ...
        self.done_key: str | None = None  # ... and the key of the last of them
        self.records: list[TrialRecord] = []   # finished COMPLETE trials, table order
        self.facts = _Grow(4, np.int64)        # number, generation, origin, operator
        self.viol = _Grow(1)
        self.losses = _Grow(max(m, 1))         # raw values (directions applied on read)
        self.counts: dict[int, int] = {}       # finished non-FAIL trials per generation
        self.taken: dict[int, set[int]] = {}   # their subproblems per generation
        self.spaces: dict[tuple[Any, ...], _SpaceMembers] = {}

    def read(self, space: Mapping[str, Distribution], history: History,
             trial: TrialRecord) -> Census:
        signs = np.array([1.0 if d is Direction.MINIMIZE else -1.0
                          for d in history.directions])
        if len(signs) != self.m:
            self._clear(len(signs))
        trials = history.trials()
        first = trials[0].key if len(trials) else None
        if len(trials) < len(self.seen) or (self.seen and first != self.first):
            self._clear(len(signs))  # another history (a sampler reused): read it afresh
        self.first = first
        counts = dict(self.counts)
        taken = {g: set(v) for g, v in self.taken.items()}
        start = self.done  # a prefix of finished trials never changes: skipped
        if start and (len(trials) < start or trials[start - 1].key != self.done_key):
            start = 0
        done = start
        for i in range(start, len(trials)):
            t = trials[i]
            if done == i and (t.key in self.seen or t.state is TrialState.FAIL) \
                    and t.key != trial.key:
                done = i + 1
            if t.key in self.seen or t.key == trial.key or t.state is TrialState.FAIL:
                continue
            g, origin = _int_attr(t, "generation", 0), _int_attr(t, "subproblem", -1)
            if t.state.is_finished:
                self._add(t, g, origin)
            counts[g] = counts.get(g, 0) + 1
            if origin >= 0:
                taken.setdefault(g, set()).add(origin)
            if done == i and t.key in self.seen:  # just read
                done = i + 1
        self.done, self.done_key = done, (trials[done - 1].key if done else None)
        return Census(counts, taken, self._members(space, signs))

    def _add(self, t: TrialRecord, g: int, origin: int) -> None:
        self.seen.add(t.key)
        self.counts[g] = self.counts.get(g, 0) + 1
        if origin >= 0:
            self.taken.setdefault(g, set()).add(origin)
        if t.state is not TrialState.COMPLETE or t.values is None or len(t.values) != self.m:
            return
        self.records.append(t)
        self.facts.add((t.number, g, origin, _int_attr(t, "operator", -1)))
        self.viol.add(violation(t))
        self.losses.add(t.values)

    def _members(self, space: Mapping[str, Distribution], signs: np.ndarray) -> Members:
        key = signature(space)
        cache = self.spaces.get(key)
        if cache is None:
            if len(self.spaces) >= 8:
                self.spaces.clear()
            cache = self.spaces[key] = _SpaceMembers(len(space))
        items = list(space.items())
        for i in range(cache.checked, len(self.records)):
            t = self.records[i]
            if has_space(t, items):
                cache.rows.add(i)
                cache.genes.add(encode_mixed(space, t.params))
        cache.checked = len(self.records)
        rows = cache.rows.view()[:, 0]
        genes = cache.genes.view()
        facts = self.facts.view()[rows]
        numbers = facts[:, 0]
        if len(numbers) > 1 and np.any(np.diff(numbers) < 0):  # finished out of order
            order = np.argsort(numbers, kind="stable")
            rows, genes, facts, numbers = rows[order], genes[order], facts[order], numbers[order]
        return Members(numbers=numbers.tolist(), genes=genes,
                       losses=self.losses.view()[rows] * signs,
                       violation=self.viol.view()[rows, 0], generation=facts[:, 1],
                       origin=facts[:, 2], operator=facts[:, 3])


def operator_share(operator: np.ndarray, chosen: np.ndarray, generation: np.ndarray,
                 target: int) -> float:
    """Probability that a child of generation `target` gets operator 1 rather than 0
    (adaptive operator choice): each operator's survival rate in the last generation
    (the share of its children of generation target - 1 among the `chosen` survivors,
    with a +1/+2 prior), normalized, within [0.1, 0.9]; 0.5 before any child with an
    operator has finished."""
    last = (generation == target - 1) & (operator >= 0)
    survived = np.zeros(len(operator), dtype=bool)
    survived[chosen] = True
    rates = []
    for op in (0, 1):
        made = last & (operator == op)
        rates.append((np.sum(survived & made) + 1.0) / (np.sum(made) + 2.0))
    return float(np.clip(rates[1] / (rates[0] + rates[1]), 0.1, 0.9))


def safe_losses(losses: np.ndarray) -> np.ndarray:
    """Losses with NaN as +inf's stand-in (1e300) and +-inf clipped to +-1e300, so that
    sorting and scalarizing never meet NaN (a NaN objective ranks as very bad)."""
    out: np.ndarray = np.nan_to_num(losses, nan=1e300, posinf=1e300, neginf=-1e300)
    return out


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
