"""Hyperband (Li et al. 2018) over asynchronous successive halving: each trial falls in
one bracket, a successive-halving run that starts pruning at its own resource."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from tuneforge.pruners.base import (
    Decision,
    RestrictedHistory,
    check_int,
    require_single_objective,
)
from tuneforge.pruners.successive_halving import SuccessiveHalvingPruner
from tuneforge.trial.records import History, TrialRecord, TrialState

_RANKED = (TrialState.RUNNING, TrialState.COMPLETE, TrialState.PRUNED)
_DONE = (TrialState.COMPLETE,)
_BRACKET_STREAM = b"hyperband"  # the bracket draw's own hash


def n_brackets(min_resource: int, max_resource: int, reduction_factor: int) -> int:
    """floor(log_eta(max / min)) + 1, in integers (no rounding error at exact powers)."""
    n, r = 1, min_resource * reduction_factor
    while r <= max_resource:
        n, r = n + 1, r * reduction_factor
    return n


def bracket_sizes(n: int, reduction_factor: int) -> list[int]:
    """Trials Hyperband starts in bracket b = 0..n-1 per round (b = its early-stopping
    rate; s = n-1-b halvings): ceil(n / (s+1) * eta**s). Each bracket then spends about
    the same budget, so drawing brackets in proportion to these sizes splits the budget
    evenly."""
    return [math.ceil(n * reduction_factor ** (n - 1 - b) / (n - b)) for b in range(n)]


@dataclass(frozen=True)
class _Layout:
    """Hyperband's brackets for one max_resource: their count, the cumulative draw
    probabilities and one asynchronous successive-halving rule per bracket."""

    max_resource: int
    n_brackets: int
    cumulative: np.ndarray
    brackets: tuple[SuccessiveHalvingPruner, ...]


def auto_max_resource(history: History) -> int | None:
    """The largest last step of a COMPLETE trial (what a full training run reaches), or
    None while no trial has completed with a report: `max_resource="auto"`'s estimate."""
    steps = [t.last_step for t in history.trials(_DONE)]
    known = [s for s in steps if s is not None]
    return max(known) if known else None


class HyperbandPruner:
    """Hyperband as brackets of ASHA: bracket b prunes from step
    ``min_resource * reduction_factor ** b`` on, against its own trials only. A trial's
    bracket is drawn from the study seed and its number, in proportion to
    `bracket_sizes` (every worker agrees without shared state), and the sampler sees
    only that bracket's trials (`restrict_history`) unless it models fidelities itself
    (BOHBSampler). A prune records what SuccessiveHalvingPruner records and
    `prune_bracket`.

    ``max_resource="auto"`` (the default) takes the largest last step of the completed
    trials, so nothing is pruned and every trial is in one pool until a first trial has
    completed with reports; from then on the brackets follow that estimate.
    """

    def __init__(self, *, min_resource: int = 1,
                 max_resource: int | Literal["auto"] = "auto",
                 reduction_factor: int = 3, bootstrap_count: int = 0) -> None:
        name = type(self).__name__
        self.min_resource = check_int(name, "min_resource", min_resource, 1)
        self.reduction_factor = check_int(name, "reduction_factor", reduction_factor, 2)
        self.bootstrap_count = check_int(name, "bootstrap_count", bootstrap_count, 0)
        self._layouts: dict[int, _Layout] = {}
        self.max_resource: int | Literal["auto"]
        if max_resource == "auto":
            self.max_resource = "auto"
            self.n_brackets: int | None = None
            return
        if isinstance(max_resource, str):
            raise ValueError(f"{name}: max_resource must be an int >= 1 or 'auto', "
                             f"got {max_resource!r}")
        self.max_resource = check_int(name, "max_resource", max_resource, 1)
        if max_resource < min_resource:
            raise ValueError(f"{name}: max_resource ({max_resource}) must be >= "
                             f"min_resource ({min_resource})")
        self.n_brackets = self._layout(self.max_resource).n_brackets

    def __repr__(self) -> str:
        return (f"HyperbandPruner(min_resource={self.min_resource}, "
                f"max_resource={self.max_resource!r}, "
                f"reduction_factor={self.reduction_factor})")

    def _layout(self, max_resource: int) -> _Layout:
        """The brackets for `max_resource` (cached: "auto" may see a few values)."""
        layout = self._layouts.get(max_resource)
        if layout is None:
            n = n_brackets(self.min_resource, max(max_resource, self.min_resource),
                           self.reduction_factor)
            sizes = bracket_sizes(n, self.reduction_factor)
            rules = tuple(SuccessiveHalvingPruner(min_resource=self.min_resource,
                                                  reduction_factor=self.reduction_factor,
                                                  min_early_stopping_rate=b,
                                                  bootstrap_count=self.bootstrap_count)
                          for b in range(n))
            layout = _Layout(max_resource, n, np.cumsum(sizes) / sum(sizes), rules)
            self._layouts[max_resource] = layout
        return layout

    def resolved_max_resource(self, history: History) -> int | None:
        """max_resource as given, or its "auto" estimate from `history` (None: unknown)."""
        if self.max_resource == "auto":
            return auto_max_resource(history)
        return self.max_resource

    def bracket(self, number: int, seed: int, *, max_resource: int | None = None) -> int:
        """The bracket of trial `number` in a study with seed `seed` (with
        max_resource="auto", pass the resolved `max_resource`)."""
        if max_resource is None:
            if self.max_resource == "auto":
                raise ValueError("HyperbandPruner(max_resource='auto'): pass max_resource= "
                                 "(see resolved_max_resource(history))")
            max_resource = self.max_resource
        digest = hashlib.blake2b(f"{seed}:{number}".encode(), digest_size=8,
                                 person=_BRACKET_STREAM).digest()
        u = int.from_bytes(digest, "big") / 2.0 ** 64  # uniform in [0, 1), cheap per trial
        cumulative = self._layout(max_resource).cumulative
        return int(np.searchsorted(cumulative, u, side="right"))

    def restrict_history(self, history: History, trial: TrialRecord) -> History:
        """The trials of `trial`'s bracket (what a sampler sees for it); the whole history
        while an "auto" max_resource is still unknown."""
        resource = self.resolved_max_resource(history)
        if resource is None:
            return history
        seed = history.seed
        mine = self.bracket(trial.number, seed, max_resource=resource)
        return RestrictedHistory(
            history, lambda t: self.bracket(t.number, seed, max_resource=resource) == mine)

    def decide(self, trial: TrialRecord, history: History) -> Decision:
        sign = require_single_objective(self, trial, history)
        resource = self.resolved_max_resource(history)
        if resource is None:  # "auto" before any trial completed: no bracket yet
            return Decision.to_continue("max_resource='auto' is unknown until a trial "
                                        "completes")
        b = self.bracket(trial.number, history.seed, max_resource=resource)
        same = self.restrict_history(history, trial).trials(_RANKED)
        return self._layout(resource).brackets[b].decide_among(
            trial, same, sign, self.min_resource, prune_bracket=b)
