"""Asynchronous successive halving (ASHA, Li et al. 2020): at each rung, keep a trial
only if it is in the best 1/eta of the trials that reached that rung so far."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from tuneforge.pruners.base import (
    CONTINUE,
    Decision,
    check_int,
    require_single_objective,
)
from tuneforge.trial.records import History, TrialRecord, TrialState

_RANKED = (TrialState.RUNNING, TrialState.COMPLETE, TrialState.PRUNED)


def rung_step(min_resource: int, reduction_factor: int, min_early_stopping_rate: int,
              rung: int) -> int:
    """The step (resource) of `rung`: min_resource * eta ** (rate + rung)."""
    return int(min_resource * reduction_factor ** (min_early_stopping_rate + rung))


def rung_value(trial: TrialRecord, step: int) -> float | None:
    """A trial's value at a rung: what it reported at the first step >= `step` (None if
    it has not got there)."""
    value = trial.intermediate.get(step)
    if value is not None:
        return value
    later = [s for s in trial.intermediate if s >= step]
    return trial.intermediate[min(later)] if later else None


def auto_min_resource(history: History) -> int | None:
    """Optuna's "auto": the first COMPLETE trial's last step / 100 (at least 1); None
    until a trial with reports completed."""
    for t in history.trials((TrialState.COMPLETE,)):
        if t.last_step is not None:
            return max(1, t.last_step // 100)
    return None


class SuccessiveHalvingPruner:
    """Asynchronous successive halving (ASHA): rung k is at step
    ``min_resource * reduction_factor ** (min_early_stopping_rate + k)``. When a trial's
    first report at or past a rung's step arrives, it ranks its value there against the
    values every other running, complete or pruned trial had there; it goes on if it is
    in the best ``max(1, n // reduction_factor)`` of the n, else it stops. Nobody waits
    for a rung to fill: a trial is promoted as soon as its rank allows.

    The rungs are derived from the stored reports alone (any worker decides the same).
    Call `should_prune` after every report: a rung is decided at the first report that
    reaches it. `min_resource="auto"` waits for a completed trial and takes its last
    step / 100; `bootstrap_count` lets every trial through a rung until that many other
    trials reached it. A prune records `prune_rung`, `prune_step`, `prune_rung_step`,
    `prune_value`, `prune_threshold` (the worst value promoted), `prune_n_trials` and
    `prune_n_promoted`.
    """

    def __init__(self, *, min_resource: int | str = "auto", reduction_factor: int = 4,
                 min_early_stopping_rate: int = 0, bootstrap_count: int = 0) -> None:
        name = type(self).__name__
        if min_resource != "auto":
            check_int(name, "min_resource", min_resource, 1)
        self.min_resource = min_resource
        self.reduction_factor = check_int(name, "reduction_factor", reduction_factor, 2)
        self.min_early_stopping_rate = check_int(name, "min_early_stopping_rate",
                                                 min_early_stopping_rate, 0)
        self.bootstrap_count = check_int(name, "bootstrap_count", bootstrap_count, 0)

    def __repr__(self) -> str:
        return (f"SuccessiveHalvingPruner(min_resource={self.min_resource!r}, "
                f"reduction_factor={self.reduction_factor}, "
                f"min_early_stopping_rate={self.min_early_stopping_rate})")

    def resolved_min_resource(self, history: History) -> int | None:
        if isinstance(self.min_resource, int):
            return self.min_resource
        return auto_min_resource(history)

    def rung_of(self, step: int, min_resource: int) -> int | None:
        """The highest rung whose step is <= `step` (None: below the first rung)."""
        rung = None
        k = 0
        while rung_step(min_resource, self.reduction_factor,
                        self.min_early_stopping_rate, k) <= step:
            rung, k = k, k + 1
        return rung

    def decide(self, trial: TrialRecord, history: History) -> Decision:
        sign = require_single_objective(self, trial, history)
        return self.decide_among(trial, history.trials(_RANKED), sign,
                                 self.resolved_min_resource(history))

    def decide_among(self, trial: TrialRecord, others: Sequence[TrialRecord], sign: float,
                     min_resource: int | None, **extra: Any) -> Decision:
        """The decision against `others` (Hyperband: the trial's bracket); `extra` goes
        into the attrs."""
        step = trial.last_step
        if step is None or min_resource is None:
            return CONTINUE
        rung = self.rung_of(step, min_resource)
        if rung is None:
            return CONTINUE
        at = rung_step(min_resource, self.reduction_factor, self.min_early_stopping_rate, rung)
        if any(at <= s < step for s in trial.intermediate):
            return CONTINUE  # this rung was decided at an earlier report
        mine = _loss(trial.intermediate[step], sign)
        losses = [mine]
        for t in others:
            if t.key == trial.key:
                continue
            v = rung_value(t, at)
            if v is not None:
                losses.append(_loss(v, sign))
        n = len(losses)
        if n - 1 < self.bootstrap_count:
            return CONTINUE
        n_promoted = max(1, n // self.reduction_factor)
        threshold = sorted(losses)[n_promoted - 1]
        if mine <= threshold:
            return CONTINUE
        value = trial.intermediate[step]
        return Decision.to_prune(
            f"value {value:.6g} at rung {rung} (step {at}) is not in the best {n_promoted} "
            f"of {n} trials there", attrs={
                "prune_rung": rung, "prune_step": step, "prune_rung_step": at,
                "prune_value": float(value), "prune_threshold": float(threshold * sign),
                "prune_n_trials": n, "prune_n_promoted": n_promoted, **extra})


def _loss(value: float, sign: float) -> float:
    """Smaller is better; NaN is worst."""
    return math.inf if math.isnan(value) else value * sign
