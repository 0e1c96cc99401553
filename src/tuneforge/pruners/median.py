"""Median pruning: stop a trial whose best value so far is worse than the median of
earlier trials at the same step (the 50th-percentile case of PercentilePruner)."""

from __future__ import annotations

from tuneforge.pruners.base import Decision
from tuneforge.pruners.percentile import PercentilePruner


class MedianPruner(PercentilePruner):
    """Prune when a trial's best intermediate value is worse than the median of the
    values that finished trials reported at the same step.

    Nothing is pruned before `n_startup_trials` trials have finished, before step
    `n_warmup_steps`, or at a step fewer than `n_min_trials` finished trials reached;
    `interval_steps` checks only every k-th step after the warm-up. A prune records
    the step, the median, the trial's best value so far and how many trials made the
    median (system attributes `prune_step`, `prune_median`, `prune_value`,
    `prune_n_trials`).
    """

    def __init__(self, *, n_startup_trials: int = 5, n_warmup_steps: int = 0,
                 interval_steps: int = 1, n_min_trials: int = 1) -> None:
        super().__init__(50.0, n_startup_trials=n_startup_trials,
                         n_warmup_steps=n_warmup_steps, interval_steps=interval_steps,
                         n_min_trials=n_min_trials)

    def __repr__(self) -> str:
        return (f"MedianPruner(n_startup_trials={self.n_startup_trials}, "
                f"n_warmup_steps={self.n_warmup_steps})")

    def _name(self) -> str:
        return "median"

    def _prune(self, step: int, reason: str, stat: float, value: float,
               n: int) -> Decision:
        return Decision.to_prune(reason, attrs={
            "prune_step": step, "prune_median": float(stat), "prune_value": float(value),
            "prune_n_trials": n})


__all__ = ["MedianPruner"]
