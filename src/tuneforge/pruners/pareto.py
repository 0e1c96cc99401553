"""Pareto pruning: successive halving for several objectives. A trial reports a vector
per step (`trial.report([v1, v2], step)`); at each rung it is compared with its peers at
the same step by non-dominated rank and crowding, and stopped if it is not in the top
1/eta (and, optionally, whenever at least k peers dominate it)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tuneforge.exceptions import TuneforgeError
from tuneforge.math.arrays import FloatArray, IntArray
from tuneforge.math.pareto import crowding_distance, non_dominated_fronts
from tuneforge.pruners.base import CONTINUE, Decision
from tuneforge.trial.records import Direction, History, TrialRecord, TrialState

_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
_PEERS = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING)


class ParetoPruner:
    """Stop a trial whose intermediate vector is dominated by enough peers at the same
    step (a Pareto-aware successive-halving rule).

    At a rung (every `interval_steps` steps from `n_warmup_steps`), the trial's vector at
    its last step and those of its peers (the other trials, running or finished, that
    reported at that step) are sorted by non-dominated rank (front 0 first), then by
    crowding distance (larger first, so the spread of the front is kept), ties going to
    the trial. It continues when it is among the first ceil(n / `eta`) of the n vectors;
    with `max_dominated_by=k` it is also stopped whenever k or more peers dominate it
    (`eta=None` keeps only that rule). Nothing is pruned before `n_startup_trials` trials
    have finished or with fewer than `n_min_trials` peers at the step.

    A prune records why in the trial's system attributes: `prune_step`, `prune_rank`
    (its front, 0 = non-dominated), `prune_n_dominating` (peers that dominate it),
    `prune_n_peers`, `prune_position` (0-based, in that order) and `prune_keep`.
    A single-objective study may report plain values (a vector of one).
    """

    def __init__(self, *, eta: float | None = 3.0, max_dominated_by: int | None = None,
                 n_startup_trials: int = 5, n_warmup_steps: int = 0, interval_steps: int = 1,
                 n_min_trials: int = 2) -> None:
        for name, v, least in (("n_startup_trials", n_startup_trials, 0),
                               ("n_warmup_steps", n_warmup_steps, 0),
                               ("interval_steps", interval_steps, 1),
                               ("n_min_trials", n_min_trials, 1)):
            if isinstance(v, bool) or not isinstance(v, int) or v < least:
                raise ValueError(f"ParetoPruner: {name} must be an integer >= {least}, "
                                 f"got {v!r}")
        if eta is not None and (isinstance(eta, bool) or not isinstance(eta, (int, float))
                                or not eta > 1):
            raise ValueError(f"ParetoPruner: eta must be a number > 1 or None, got {eta!r}")
        if max_dominated_by is not None and (isinstance(max_dominated_by, bool) or
                                             not isinstance(max_dominated_by, int) or
                                             max_dominated_by < 1):
            raise ValueError("ParetoPruner: max_dominated_by must be an integer >= 1 or "
                             f"None, got {max_dominated_by!r}")
        if eta is None and max_dominated_by is None:
            raise ValueError("ParetoPruner: give eta, max_dominated_by or both")
        self.eta = None if eta is None else float(eta)
        self.max_dominated_by = max_dominated_by
        self.n_startup_trials = n_startup_trials
        self.n_warmup_steps = n_warmup_steps
        self.interval_steps = interval_steps
        self.n_min_trials = n_min_trials

    def __repr__(self) -> str:
        return (f"ParetoPruner(eta={self.eta}, max_dominated_by={self.max_dominated_by}, "
                f"n_startup_trials={self.n_startup_trials})")

    def decide(self, trial: TrialRecord, history: History) -> Decision:
        step = trial.last_step
        if step is None or step < self.n_warmup_steps:
            return CONTINUE
        if (step - self.n_warmup_steps) % self.interval_steps:
            return CONTINUE
        n_obj = len(history.directions)
        mine = vector_at(trial, step, n_obj)
        if mine is None:
            return CONTINUE
        finished = [t for t in history.trials(_FINISHED) if t.key != trial.key]
        if len(finished) < self.n_startup_trials:
            return CONTINUE
        peers = []
        for t in history.trials(_PEERS):
            if t.key == trial.key:
                continue
            v = vector_at(t, step, n_obj)
            if v is not None and not any(math.isnan(x) for x in v):
                peers.append(v)
        if len(peers) < self.n_min_trials:
            return CONTINUE
        if any(math.isnan(x) for x in mine):  # only a plain report can carry NaN
            return Decision.to_prune(f"NaN reported at step {step}",
                                     attrs=_attrs(step, -1, len(peers), len(peers), -1, 0))
        signs = np.array([-1.0 if d is Direction.MAXIMIZE else 1.0
                          for d in history.directions])
        costs = np.array([mine, *peers], dtype=float) * signs
        n = len(costs)
        n_dom = int(np.sum(np.all(costs[1:] <= costs[0], axis=1)
                           & np.any(costs[1:] < costs[0], axis=1)))
        fronts = non_dominated_fronts(costs)
        crowd = crowding(costs, fronts)
        order = np.lexsort((np.arange(n), -crowd, fronts))
        position = int(np.flatnonzero(order == 0)[0])
        keep = n if self.eta is None else max(1, math.ceil(n / self.eta))
        attrs = _attrs(step, int(fronts[0]), n_dom, len(peers), position, keep)
        if self.max_dominated_by is not None and n_dom >= self.max_dominated_by:
            return Decision.to_prune(
                f"at step {step} {n_dom} of {len(peers)} peers dominate {_vec(mine)} "
                f"(max_dominated_by={self.max_dominated_by})", attrs=attrs)
        if position < keep:
            return Decision.to_continue(attrs=attrs)
        return Decision.to_prune(
            f"at step {step} {_vec(mine)} is number {position + 1} of {n} by Pareto rank "
            f"{int(fronts[0])} and crowding (dominated by {n_dom}); only the first {keep} "
            f"(1/eta, eta={self.eta:g}) continue", attrs=attrs)


def vector_at(trial: TrialRecord, step: int, n_objectives: int) -> tuple[float, ...] | None:
    """The vector a trial reported at `step` (a plain value counts as a vector of one in
    a single-objective study), or None; a plain value in a study of several objectives
    is a TuneforgeError saying how to report."""
    if step in trial.intermediate_vectors:
        return trial.intermediate_vectors[step]
    if step in trial.intermediate:
        if n_objectives != 1:
            raise TuneforgeError(
                f"ParetoPruner: trial {trial.number} reported one value at step {step} in a "
                f"study of {n_objectives} objectives; report a vector, one value per "
                "objective: trial.report([v1, v2, ...], step)")
        return (trial.intermediate[step],)
    return None


def crowding(costs: FloatArray, fronts: IntArray) -> FloatArray:
    """Crowding distance (NSGA-II) of each row within its own front."""
    out = np.zeros(costs.shape[0])
    for f in np.unique(fronts):
        rows = np.flatnonzero(fronts == f)
        out[rows] = crowding_distance(costs[rows])
    return out


def _vec(v: tuple[float, ...]) -> str:
    return "(" + ", ".join(f"{x:.6g}" for x in v) + ")"


def _attrs(step: int, rank: int, n_dom: int, n_peers: int, position: int,
           keep: int) -> dict[str, Any]:
    return {"prune_step": step, "prune_rank": rank, "prune_n_dominating": n_dom,
            "prune_n_peers": n_peers, "prune_position": position, "prune_keep": keep}


__all__ = ["ParetoPruner", "crowding", "vector_at"]
