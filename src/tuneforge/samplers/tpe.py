"""TPE: the tree-structured Parzen estimator sampler (math in tuneforge.math.tpe).

Per trial it splits the finished trials into a good set (the best gamma(n) feasible
trials) and a bad set (the rest, infeasible trials, and RUNNING trials as the "constant
liar"); pruned trials rank after every complete one, the further they got the better,
then by their last reported value (single objective; several: always bad); fits a
Parzen estimator to each in the unit-cube encoding, draws `n_ei_candidates` points from
the good one and keeps the one with the largest density ratio l(x) / g(x).

Conditional (define-by-run) spaces are handled by groups: the parameters seen in the
finished trials are partitioned into groups of parameters that always occur together
(the parameters a trial has are a union of groups). The study asks for the parameters
every trial shares first (one group); a parameter outside it is asked alone when the
objective reaches it, and the sampler then samples its whole group jointly from the
trials that have that group, keeps the other values of the group for this trial, and
hands them out as the objective asks for them.

A group whose parameters are all discrete (integers, steps, categoricals) has finitely
many configurations: there a candidate equal to a finished or running trial's is taken
only if every candidate is one (multivariate mode), so small spaces do not fill up with
repeats.

Components (tuneforge.math.tpe, after Watanabe 2023): the good set is the best
ceil(0.1 n) <= 25 feasible trials, weighted by rank (1 down to 0.5); the bad set's
weights ramp down with age. Kernel widths blend per-point neighbour gaps (while the good
set fills: fast early exploitation) into Scott's rule on the spread, times 0.7 (once it
is full: steady late convergence), clipped below by the magic clip; 64 candidates. How
they were chosen: benchmarks/README.md, "Design notes behind the samplers".

Cost per trial, with n finished trials, d parameters and m = n_ei_candidates: encodings
are cached per trial key (a finished trial never changes), so a call does O(n) dictionary
look-ups, one O(n log n) sort for the split, and O(m n d) in three matrix products to
evaluate the estimators at the candidates; nothing is re-encoded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tuneforge.math import tpe as tpe_math
from tuneforge.math.pareto import loss_order
from tuneforge.samplers._branches import has_space, latest_distribution, param_groups
from tuneforge.samplers.base import (
    BaseSampler,
    ConstraintsFunc,
    Suggestion,
    checked_constraints_func,
    trial_rng,
)
from tuneforge.samplers.prior import TransferPrior, fade
from tuneforge.space.distributions import (
    Categorical,
    Distribution,
    Float,
    resolved_levels,
)
from tuneforge.space.encoding import decode, decode_indices, encode, encode_indices, from_unit
from tuneforge.trial.constraints import violation
from tuneforge.trial.records import Direction, History, TrialRecord, TrialState

_MODEL_STATES = (TrialState.COMPLETE, TrialState.PRUNED)
_FULL_GOOD_SET = 25  # the default gamma's cap
_PRIOR_GOOD_RANK = 0.15  # transferred points ranked in their study's best 15 %: "good"
# own trials after which the transferred points weigh half (benchmarks/transfer.py: 10
# kept a past study's region long after the new study's own trials had found a better one)
_PRIOR_HALF_LIFE = 5.0


def _levels(d: Distribution) -> int:
    """Levels of a numeric dimension for the estimator; 0: continuous (every Float
    without a step, even one with low == high, and a grid too fine to resolve)."""
    return 0 if isinstance(d, Float) and d.step is None else resolved_levels(d)


@dataclass(frozen=True)
class _Meta:
    """What the split needs from a finished trial (cached by key: it never changes)."""

    number: int
    complete: bool
    loss: tuple[float, ...] | None  # values turned to minimization, None when absent
    violation: float
    names: frozenset[str]
    # a PRUNED single-objective trial's rank key (-last step, loss there): pruned trials
    # rank after complete ones, the deeper the better, then by their last value
    pruned_key: tuple[float, float] | None = None


class _Columns:
    """Unit-cube encodings of the finished trials for one list of (name, distribution),
    grown as trials finish: row r holds the trial whose key maps to r."""

    def __init__(self, items: tuple[tuple[str, Distribution], ...]) -> None:
        self.items = items
        self.num_items = [(n, d) for n, d in items if not isinstance(d, Categorical)]
        self.cat_items = [(n, d) for n, d in items if isinstance(d, Categorical)]
        self.num_space = dict(self.num_items)
        self.cat_space = dict(self.cat_items)
        self.levels = np.array([_levels(d) for _, d in self.num_items], dtype=np.float64)
        self.n_choices = np.array([len(d.choices) for _, d in self.cat_items], dtype=np.int64)
        self.rows: dict[str, int] = {}
        self.num = np.empty((16, len(self.num_items)))
        self.cat = np.empty((16, len(self.cat_items)), dtype=np.int64)
        self.size = 0

    def encode(self, t: TrialRecord) -> tuple[np.ndarray, np.ndarray] | None:
        """(num, cat) rows of a trial, or None when it lacks a parameter of `items`."""
        if not has_space(t, self.items):
            return None
        return encode(self.num_space, t.params), encode_indices(self.cat_space, t.params)

    def row(self, t: TrialRecord) -> int:
        r = self.rows.get(t.key)
        if r is not None:
            return r
        enc = self.encode(t)
        if enc is None:
            self.rows[t.key] = -1
            return -1
        if self.size == len(self.num):
            self.num = np.vstack([self.num, np.empty_like(self.num)])
            self.cat = np.vstack([self.cat, np.empty_like(self.cat)])
        self.num[self.size], self.cat[self.size] = enc
        self.rows[t.key] = self.size
        self.size += 1
        return self.size - 1

    def decode(self, num: np.ndarray, cat: np.ndarray) -> dict[str, Any]:
        return {**decode(self.num_space, num), **decode_indices(self.cat_space, cat)}


class TPESampler(BaseSampler):
    """Tree-structured Parzen estimator (Bergstra et al. 2011; Watanabe 2023).

    - `n_startup_trials`: uniform random samples until this many trials completed (drawn
      per trial and parameter from the study seed, so they do not depend on worker timing).
    - `multivariate`: one joint estimator per group (Falkner et al. 2018) rather than one
      per parameter; `group`: split conditional spaces into groups (module docstring).
    - `constant_liar`: RUNNING trials count as bad, so parallel workers spread out.
    - `gamma(n)`: size of the good set for n completed trials (default ceil(0.1 n) <= 25).
      A module-level function (not a lambda) when the study runs worker processes.
    - `prior_weight`: weight of the prior kernel (uniform over the space) in both sets.
    - `consider_endpoints`: with `multivariate=False`, the bounds count as neighbours
      when setting each kernel's width.
    - `n_ei_candidates`: candidates drawn from the good estimator per group.
    - `bandwidth_factor`: scale of Scott's rule for the kernel widths.

    A warm start (`set_prior`, done by `create_study(warm_start=...)`) adds the past
    studies' configurations as extra kernels: those ranked in their study's best 15 % to
    the good estimator, the rest to the bad one, each weighted by its study's similarity
    times `fade(n)` (1/2 after 5 own trials); it replaces half the random start-up: the
    first trial follows the prior, and every other start-up trial is still drawn at
    random, so a past study's region that is not the new task's best gets found out.

    Trials with outcome constraints (`trial.set_constraint`) that are violated always go
    to the bad set; feasible ones are ranked by value. +-inf values are ranked like any
    other (NaN cannot be stored). Several objectives rank by non-dominated front.
    """

    relative = True
    # caches rebuilt from the storage in each worker process
    _transient = {"_meta": dict, "_columns": dict, "_atoms": lambda: None, "_pending": dict,
                  "_prior_rows": dict}
    _meta: dict[str, _Meta]
    _columns: dict[tuple[tuple[str, Distribution], ...], _Columns]
    _atoms: tuple[frozenset[frozenset[str]], list[list[str]]] | None
    _pending: dict[str, dict[str, Any]]  # trial key -> rest of its groups
    # (name, distribution) items -> encoded prior points (num, cat, ranks, weights)
    _prior_rows: dict[tuple[tuple[str, Distribution], ...],
                      tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
    prior: TransferPrior | None = None

    def __init__(self, *, seed: int | None = None, n_startup_trials: int = 10,
                 multivariate: bool = True, group: bool = True, constant_liar: bool = True,
                 gamma: Callable[[int], int] = tpe_math.default_gamma,
                 prior_weight: float = 1.0, consider_endpoints: bool = False,
                 n_ei_candidates: int = 64, bandwidth_factor: float = 0.7,
                 constraints_func: ConstraintsFunc | None = None) -> None:
        if n_startup_trials < 0:
            raise ValueError(f"n_startup_trials must be >= 0, got {n_startup_trials}")
        if n_ei_candidates < 1:
            raise ValueError(f"n_ei_candidates must be >= 1, got {n_ei_candidates}")
        if not prior_weight > 0:
            raise ValueError(f"prior_weight must be positive, got {prior_weight}")
        self.seed = seed
        self.constraints_func = checked_constraints_func(constraints_func, self)
        self.n_startup_trials = n_startup_trials
        self.multivariate = multivariate
        self.group = group
        self.constant_liar = constant_liar
        self.gamma = gamma
        self.prior_weight = float(prior_weight)
        self.consider_endpoints = consider_endpoints
        self.n_ei_candidates = n_ei_candidates
        self.bandwidth_factor = float(bandwidth_factor)
        self.prior = None
        super().__init__()

    def set_prior(self, prior: TransferPrior | None) -> None:
        """Use a warm start's transferred observations (None: forget them)."""
        self.prior = prior
        self._prior_rows = {}

    def __repr__(self) -> str:
        return (f"TPESampler(seed={self.seed!r}, n_startup_trials={self.n_startup_trials}, "
                f"multivariate={self.multivariate}, group={self.group})")

    # -- history -------------------------------------------------------------------------
    def _meta_of(self, t: TrialRecord, signs: np.ndarray) -> _Meta:
        m = self._meta.get(t.key)
        if m is None:
            loss = None
            if t.values is not None and len(t.values) == len(signs):
                loss = tuple(float(v) * s for v, s in zip(t.values, signs, strict=True))
            m = _Meta(t.number, t.state is TrialState.COMPLETE and loss is not None, loss,
                      violation(t), frozenset(t.params), _pruned_key(t, signs))
            self._meta[t.key] = m
        return m

    def _groups_of(self, metas: Sequence[_Meta]) -> list[list[str]]:
        """Partition of the parameter names: names in the same group occur in exactly
        the same distinct parameter sets (cached per collection of sets)."""
        sets = frozenset(m.names for m in metas)
        if self._atoms is not None and self._atoms[0] == sets:
            return self._atoms[1]
        atoms = param_groups(sets)
        self._atoms = (sets, atoms)
        return atoms

    # -- sampling ------------------------------------------------------------------------
    def sample(self, space: Mapping[str, Distribution], history: History,
               rng: np.random.Generator, trial: TrialRecord) -> Suggestion:
        if not space:
            return Suggestion({})
        signs = np.array([1.0 if d is Direction.MINIMIZE else -1.0
                          for d in history.directions])
        records = history.trials()
        finished: list[TrialRecord] = []
        running: list[TrialRecord] = []
        metas: list[_Meta] = []
        n_complete = 0
        for t in records:
            if t.state in _MODEL_STATES:
                m = self._meta_of(t, signs)
                finished.append(t)
                metas.append(m)
                n_complete += m.complete or m.pruned_key is not None
            elif t.state is TrialState.RUNNING and t.key != trial.key and t.params:
                running.append(t)
        if self._pending:
            live = {t.key for t in records if not t.state.is_finished}
            for key in [k for k in self._pending if k not in live]:
                del self._pending[key]
        attrs = {"sampler": "TPESampler"}
        has_prior = self.prior is not None and bool(self.prior.in_space(space))
        if has_prior and not self._prior_turn(n_complete):
            has_prior = False
            attrs["warm_start"] = "explore"
        if n_complete < self.n_startup_trials and not has_prior:
            # one stream per (trial, parameter): the same values whether the study asks
            # for them jointly or one by one, so start-up trials do not depend on timing
            return Suggestion({name: from_unit(d, float(trial_rng(history.seed, trial.number,
                                                                  name).random()))
                               for name, d in space.items()}, attrs)

        if self.group:
            atoms = self._groups_of(metas)
            where = {name: i for i, a in enumerate(atoms) for name in a}
        else:
            atoms, where = [], {}
        params: dict[str, Any] = {}
        pending = self._pending.get(trial.key, {})
        todo = list(space)
        while todo:
            name = todo[0]
            if name in pending and space[name].contains(pending[name]):
                params[name] = pending.pop(name)
                if not pending:
                    self._pending.pop(trial.key, None)
                todo.pop(0)
                continue
            if name in where:  # its whole group, less what the trial already has
                group = [n for n in todo if where.get(n) == where[name]]
                extra = [n for n in atoms[where[name]]
                         if n not in space and n not in trial.params]
            else:
                group = [n for n in todo if n not in where] if self.group else list(todo)
                extra = []
            dists = {n: space[n] for n in group}
            for n in extra:
                d = latest_distribution(finished, n)
                if d is not None:
                    dists[n] = d
            values = self._sample_group(dists, finished, metas, running, rng,
                                        use_prior=has_prior)
            for n in group:
                params[n] = values[n]
            todo = [n for n in todo if n not in group]
            rest = {n: values[n] for n in dists if n not in space}
            if rest:
                self._pending.setdefault(trial.key, {}).update(rest)
        return Suggestion(params, attrs)

    def _sample_group(self, dists: dict[str, Distribution], finished: list[TrialRecord],
                      metas: list[_Meta], running: list[TrialRecord],
                      rng: np.random.Generator, *, use_prior: bool = True) -> dict[str, Any]:
        items = tuple(dists.items())
        cols = self._columns.get(items)
        if cols is None:
            cols = self._columns[items] = _Columns(items)
        rows = np.fromiter((cols.row(t) for t in finished), dtype=np.int64, count=len(finished))
        use = np.flatnonzero(rows >= 0)
        complete = [i for i in use if metas[i].complete]
        pruned = [i for i in use if metas[i].pruned_key is not None]
        prior = self._prior_arrays(cols) if use_prior else None
        if not complete and not pruned and prior is None:
            return decode(dists, rng.random(len(dists)))
        feasible = [i for i in complete if metas[i].violation <= 0.0]
        pruned = sorted((i for i in pruned if metas[i].violation <= 0.0),
                        key=lambda i: (metas[i].pruned_key, metas[i].number))
        n_below = max(0, min(int(self.gamma(len(complete) + len(pruned))),
                             len(feasible) + len(pruned)))
        below_idx: list[int] = []
        if feasible and n_below:
            losses = np.array([metas[i].loss for i in feasible], dtype=float)
            order = loss_order(losses)
            below_idx = [feasible[k] for k in order[:n_below]]
        # complete trials rank first, then the pruned ones
        below_idx += [int(i) for i in pruned[:n_below - len(below_idx)]]
        chosen = set(below_idx)
        above_idx = [i for i in use if i not in chosen]  # number order (history order)
        below_rows = rows[below_idx]
        above_rows = rows[above_idx]
        num_b, cat_b = cols.num[below_rows], cols.cat[below_rows]
        num_a, cat_a = cols.num[above_rows], cols.cat[above_rows]
        discrete = bool(np.all(cols.levels > 0))  # all discrete: repeats are possible
        enc = [e for e in (cols.encode(t) for t in running) if e is not None] \
            if running and (discrete or self.constant_liar) else []
        seen = None
        if discrete:
            seen = (np.vstack([cols.num[rows[use]]] + [e[0][None] for e in enc]),
                    np.vstack([cols.cat[rows[use]]] + [e[1][None] for e in enc]))
        if self.constant_liar and enc:
            num_a = np.vstack([num_a] + [e[0][None] for e in enc])
            cat_a = np.vstack([cat_a] + [e[1][None] for e in enc])
        w_b = tpe_math.rank_weights(len(num_b))  # below_rows are best first
        w_a = tpe_math.ramp_weights(len(num_a))
        if prior is not None:  # a warm start's points, down-weighted, join both sets
            p_num, p_cat, p_rank, p_w = prior
            p_w = p_w * fade(len(complete) + len(pruned), _PRIOR_HALF_LIFE)
            good = p_rank <= max(_PRIOR_GOOD_RANK, float(p_rank.min()))
            num_b, cat_b = np.vstack([num_b, p_num[good]]), np.vstack([cat_b, p_cat[good]])
            w_b = np.concatenate([w_b, p_w[good] * (1.0 - 0.5 * p_rank[good]
                                                    / max(_PRIOR_GOOD_RANK, 1e-12))])
            num_a, cat_a = np.vstack([num_a, p_num[~good]]), np.vstack([cat_a, p_cat[~good]])
            w_a = np.concatenate([w_a, p_w[~good]])
        # neighbour widths while the good set fills up, Scott's rule once it is full
        blend = max(0.0, 1.0 - len(num_b) / _FULL_GOOD_SET)
        if self.multivariate:
            num, cat = self._propose(cols.levels, cols.n_choices, num_b, cat_b, w_b,
                                     num_a, cat_a, w_a, blend, rng, seen)
        else:
            num = np.empty(len(cols.num_items))
            cat = np.empty(len(cols.cat_items), dtype=np.int64)
            for j in range(len(num)):
                num[j] = self._propose(cols.levels[j:j + 1], cols.n_choices[:0],
                                       num_b[:, j:j + 1], cat_b[:, :0], w_b,
                                       num_a[:, j:j + 1], cat_a[:, :0], w_a, blend, rng)[0][0]
            for j in range(len(cat)):
                cat[j] = self._propose(cols.levels[:0], cols.n_choices[j:j + 1],
                                       num_b[:, :0], cat_b[:, j:j + 1], w_b,
                                       num_a[:, :0], cat_a[:, j:j + 1], w_a, blend, rng)[1][0]
        return cols.decode(num, cat)

    def _prior_turn(self, n_own: int) -> bool:
        """Whether the prior shapes this proposal: always, but for every other trial of
        the start-up, drawn at random as a cold start would (the past study's best region
        may not be the new task's, and only exploration finds out)."""
        return not (n_own < self.n_startup_trials and n_own % 2 == 1)

    def _prior_arrays(self, cols: _Columns) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                     np.ndarray] | None:
        """The prior's points that map into `cols`' parameters, encoded (cached): (num,
        cat, ranks, weights), or None without a prior or with no point inside."""
        if self.prior is None:
            return None
        hit = self._prior_rows.get(cols.items)
        if hit is None:
            inside = self.prior.in_space(dict(cols.items))
            num = np.array([encode(cols.num_space, m) for m, _ in inside]).reshape(
                len(inside), len(cols.num_items))
            cat = np.array([encode_indices(cols.cat_space, m) for m, _ in inside],
                           dtype=np.int64).reshape(len(inside), len(cols.cat_items))
            hit = (num, cat, np.array([p.rank for _, p in inside]),
                   np.array([p.weight for _, p in inside]))
            self._prior_rows[cols.items] = hit
        return hit if len(hit[0]) else None

    def _propose(self, levels: np.ndarray, n_choices: np.ndarray, num_b: np.ndarray,
                 cat_b: np.ndarray, w_b: np.ndarray, num_a: np.ndarray, cat_a: np.ndarray,
                 w_a: np.ndarray, blend: float, rng: np.random.Generator,
                 seen: tuple[np.ndarray, np.ndarray] | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
        def mixture(num: np.ndarray, cat: np.ndarray, w: np.ndarray) -> tpe_math.Mixture:
            sigma = None
            if len(num) and num.shape[1]:
                if self.multivariate:
                    sigma = tpe_math.blended_bandwidths(
                        num, w, n_dims=num.shape[1] + cat.shape[1], factor=self.bandwidth_factor,
                        blend=blend, consider_endpoints=self.consider_endpoints)
                else:
                    sigma = tpe_math.neighbor_bandwidths(
                        num[:, 0], consider_endpoints=self.consider_endpoints)[:, None]
            return tpe_math.build_mixture(num, cat, w, levels=levels, n_choices=n_choices,
                                          prior_weight=self.prior_weight,
                                          bandwidth_factor=self.bandwidth_factor,
                                          kernel_sigma=sigma)

        below = mixture(num_b, cat_b, w_b)
        above = mixture(num_a, cat_a, w_a)
        num, cat, _ = tpe_math.propose(below, above, rng, self.n_ei_candidates, seen)
        return num, cat


def _pruned_key(t: TrialRecord, signs: np.ndarray) -> tuple[float, float] | None:
    """(-last step, loss at it) of a PRUNED single-objective trial that reported, so
    that TPE ranks it below every complete trial, by how far it got and then by its
    last value (Watanabe 2023, section 3.5; NaN counts as the worst value); None
    otherwise."""
    if t.state is not TrialState.PRUNED or len(signs) != 1 or not t.intermediate:
        return None
    step = max(t.intermediate)
    value = float(t.intermediate[step]) * float(signs[0])
    return (-float(step), np.inf if np.isnan(value) else value)


__all__ = ["TPESampler"]
