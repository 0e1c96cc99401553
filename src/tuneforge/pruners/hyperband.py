"""Hyperband (Li et al. 2018) over asynchronous successive halving: each trial falls in
one bracket, a successive-halving run that starts pruning at its own resource."""

from __future__ import annotations

import hashlib
import math

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


class HyperbandPruner:
    """Hyperband as brackets of ASHA: bracket b prunes from step
    ``min_resource * reduction_factor ** b`` on, against its own trials only. A trial's
    bracket is drawn from the study seed and its number, in proportion to
    `bracket_sizes` (every worker agrees without shared state), and the sampler sees
    only that bracket's trials (`restrict_history`) unless it models fidelities itself
    (BOHBSampler). A prune records what SuccessiveHalvingPruner records and
    `prune_bracket`.
    """

    def __init__(self, *, min_resource: int = 1, max_resource: int,
                 reduction_factor: int = 3, bootstrap_count: int = 0) -> None:
        name = type(self).__name__
        self.min_resource = check_int(name, "min_resource", min_resource, 1)
        self.max_resource = check_int(name, "max_resource", max_resource, 1)
        if max_resource < min_resource:
            raise ValueError(f"{name}: max_resource ({max_resource}) must be >= "
                             f"min_resource ({min_resource})")
        self.reduction_factor = check_int(name, "reduction_factor", reduction_factor, 2)
        self.bootstrap_count = check_int(name, "bootstrap_count", bootstrap_count, 0)
        self.n_brackets = n_brackets(min_resource, max_resource, reduction_factor)
        sizes = bracket_sizes(self.n_brackets, reduction_factor)
        self._cumulative = np.cumsum(sizes) / sum(sizes)
        self._brackets = [SuccessiveHalvingPruner(min_resource=min_resource,
                                                  reduction_factor=reduction_factor,
                                                  min_early_stopping_rate=b,
                                                  bootstrap_count=bootstrap_count)
                          for b in range(self.n_brackets)]

    def __repr__(self) -> str:
        return (f"HyperbandPruner(min_resource={self.min_resource}, "
                f"max_resource={self.max_resource}, "
                f"reduction_factor={self.reduction_factor})")

    def bracket(self, number: int, seed: int) -> int:
        """The bracket of trial `number` in a study with seed `seed`."""
        digest = hashlib.blake2b(f"{seed}:{number}".encode(), digest_size=8,
                                 person=_BRACKET_STREAM).digest()
        u = int.from_bytes(digest, "big") / 2.0 ** 64  # uniform in [0, 1), cheap per trial
        return int(np.searchsorted(self._cumulative, u, side="right"))

    def restrict_history(self, history: History, trial: TrialRecord) -> History:
        """The trials of `trial`'s bracket (what a sampler sees for it)."""
        seed = history.seed
        mine = self.bracket(trial.number, seed)
        return RestrictedHistory(history, lambda t: self.bracket(t.number, seed) == mine)

    def decide(self, trial: TrialRecord, history: History) -> Decision:
        sign = require_single_objective(self, trial, history)
        b = self.bracket(trial.number, history.seed)
        same = self.restrict_history(history, trial).trials(_RANKED)
        return self._brackets[b].decide_among(trial, same, sign, self.min_resource,
                                              prune_bracket=b)
