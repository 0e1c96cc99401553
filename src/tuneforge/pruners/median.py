"""Median pruning: stop a trial whose best value so far is worse than the median of
earlier trials at the same step."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tuneforge.exceptions import TuneforgeError
from tuneforge.pruners.base import CONTINUE, Decision
from tuneforge.trial.records import Direction, History, TrialRecord, TrialState

_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)


class MedianPruner:
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
        for name, v, least in (("n_startup_trials", n_startup_trials, 0),
                               ("n_warmup_steps", n_warmup_steps, 0),
                               ("interval_steps", interval_steps, 1),
                               ("n_min_trials", n_min_trials, 1)):
            if isinstance(v, bool) or not isinstance(v, int) or v < least:
                raise ValueError(f"MedianPruner: {name} must be an integer >= {least}, got {v!r}")
        self.n_startup_trials = n_startup_trials
        self.n_warmup_steps = n_warmup_steps
        self.interval_steps = interval_steps
        self.n_min_trials = n_min_trials

    def __repr__(self) -> str:
        return (f"MedianPruner(n_startup_trials={self.n_startup_trials}, "
                f"n_warmup_steps={self.n_warmup_steps})")

    def decide(self, trial: TrialRecord, history: History) -> Decision:
        if len(history.directions) != 1 or trial.intermediate_vectors:
            raise TuneforgeError(
                "MedianPruner compares one value per step and supports single-objective "
                "studies only; for vector reports (several objectives) use ParetoPruner")
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
        median = float(np.median(at_step))
        maximize = history.directions[0] is Direction.MAXIMIZE
        mine = [v for s, v in trial.intermediate.items() if s <= step and not math.isnan(v)]
        if not mine:  # only NaN reported so far: it cannot be better than anyone
            return Decision.to_prune(f"only NaN reported up to step {step}",
                                     attrs=_attrs(step, median, math.nan, len(at_step)))
        best = max(mine) if maximize else min(mine)
        worse = best < median if maximize else best > median
        if not worse:
            return CONTINUE
        return Decision.to_prune(
            f"best value {best:.6g} up to step {step} is worse than the median {median:.6g} "
            f"of {len(at_step)} trials",
            attrs=_attrs(step, median, best, len(at_step)))


def _attrs(step: int, median: float, value: float, n: int) -> dict[str, Any]:
    return {"prune_step": step, "prune_median": float(median), "prune_value": float(value),
            "prune_n_trials": n}
