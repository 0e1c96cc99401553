"""Percentile pruning: stop a trial whose best value so far is worse than a percentile of
the values earlier trials reported at the same step (the median is the 50th)."""

from __future__ import annotations

import math

import numpy as np

from tuneforge.pruners.base import CONTINUE, Decision, check_int, require_single_objective
from tuneforge.trial.records import History, TrialRecord, TrialState

_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)


class PercentilePruner:
    """Prune when a trial's best intermediate value is worse than the `percentile`-th
    best of the values that finished trials reported at the same step (25.0 keeps the
    best quarter; the percentile is of the best, whichever the direction).

    Nothing is pruned before `n_startup_trials` trials have finished, before step
    `n_warmup_steps`, or at a step fewer than `n_min_trials` finished trials reached;
    `interval_steps` checks only every k-th step after the warm-up. A prune records the
    step, the percentile value, the trial's best value so far and how many trials made
    the statistic (`prune_step`, `prune_percentile_value`, `prune_value`,
    `prune_n_trials`, and `prune_percentile`).
    """

    def __init__(self, percentile: float, *, n_startup_trials: int = 5,
                 n_warmup_steps: int = 0, interval_steps: int = 1,
                 n_min_trials: int = 1) -> None:
        name = type(self).__name__
        if isinstance(percentile, bool) or not isinstance(percentile, (int, float)) \
                or not 0.0 <= percentile <= 100.0:
            raise ValueError(f"{name}: percentile must be a number in [0, 100], "
                             f"got {percentile!r}")
        self.percentile = float(percentile)
        self.n_startup_trials = check_int(name, "n_startup_trials", n_startup_trials, 0)
        self.n_warmup_steps = check_int(name, "n_warmup_steps", n_warmup_steps, 0)
        self.interval_steps = check_int(name, "interval_steps", interval_steps, 1)
        self.n_min_trials = check_int(name, "n_min_trials", n_min_trials, 1)

    def __repr__(self) -> str:
        return (f"PercentilePruner({self.percentile:g}, n_startup_trials="
                f"{self.n_startup_trials}, n_warmup_steps={self.n_warmup_steps})")

    def _statistic(self, losses: np.ndarray) -> float:
        """The percentile of `losses` (smaller is better); np.median at 50, exactly."""
        if self.percentile == 50.0:
            return float(np.median(losses))
        return float(np.percentile(losses, self.percentile))

    def _prune(self, step: int, reason: str, stat: float, value: float,
               n: int) -> Decision:
        return Decision.to_prune(reason, attrs={
            "prune_step": step, "prune_percentile": self.percentile,
            "prune_percentile_value": float(stat), "prune_value": float(value),
            "prune_n_trials": n})

    def _name(self) -> str:
        return f"{self.percentile:g}th percentile"

    def decide(self, trial: TrialRecord, history: History) -> Decision:
        sign = require_single_objective(self, trial, history)
        step = trial.last_step
        if step is None or step < self.n_warmup_steps:
            return CONTINUE
        if (step - self.n_warmup_steps) % self.interval_steps:
            return CONTINUE
        finished = [t for t in history.trials(_FINISHED) if t.key != trial.key]
        if len(finished) < self.n_startup_trials:
            return CONTINUE
        at_step = np.array([t.intermediate[step] for t in finished if step in t.intermediate],
                           dtype=float)
        at_step = at_step[~np.isnan(at_step)]
        if len(at_step) < self.n_min_trials:
            return CONTINUE
        stat = sign * self._statistic(sign * at_step)  # back in the study's orientation
        mine = [v for s, v in trial.intermediate.items() if s <= step and not math.isnan(v)]
        if not mine:  # only NaN reported so far: it cannot be better than anyone
            return self._prune(step, f"only NaN reported up to step {step}", stat, math.nan,
                               len(at_step))
        best = sign * min(sign * v for v in mine)
        if not sign * best > sign * stat:
            return CONTINUE
        return self._prune(
            step, f"best value {best:.6g} up to step {step} is worse than the "
            f"{self._name()} {stat:.6g} of {len(at_step)} trials", stat, best, len(at_step))


__all__ = ["PercentilePruner"]
