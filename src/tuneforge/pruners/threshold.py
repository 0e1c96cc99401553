"""Threshold pruning: stop a trial whose latest value leaves a fixed band, or is NaN."""

from __future__ import annotations

import math

from tuneforge.pruners.base import CONTINUE, Decision, check_int, require_single_objective
from tuneforge.trial.records import History, TrialRecord


class ThresholdPruner:
    """Prune when the latest reported value is below `lower`, above `upper`, or NaN
    (whatever the direction: the band is in the objective's own units). Not checked
    before step `n_warmup_steps`; `interval_steps` checks every k-th step after it. A
    prune records `prune_step`, `prune_value`, `prune_lower` and `prune_upper`."""

    def __init__(self, *, lower: float | None = None, upper: float | None = None,
                 n_warmup_steps: int = 0, interval_steps: int = 1) -> None:
        name = type(self).__name__
        for arg, v in (("lower", lower), ("upper", upper)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))
                                  or math.isnan(v)):
                raise ValueError(f"{name}: {arg} must be a number or None, got {v!r}")
        if lower is None and upper is None:
            raise ValueError(f"{name}: give lower, upper or both")
        if lower is not None and upper is not None and lower > upper:
            raise ValueError(f"{name}: lower ({lower}) must be <= upper ({upper})")
        self.lower = -math.inf if lower is None else float(lower)
        self.upper = math.inf if upper is None else float(upper)
        self.n_warmup_steps = check_int(name, "n_warmup_steps", n_warmup_steps, 0)
        self.interval_steps = check_int(name, "interval_steps", interval_steps, 1)

    def __repr__(self) -> str:
        return f"ThresholdPruner(lower={self.lower:g}, upper={self.upper:g})"

    def decide(self, trial: TrialRecord, history: History) -> Decision:
        require_single_objective(self, trial, history)
        step = trial.last_step
        if step is None or step < self.n_warmup_steps:
            return CONTINUE
        if (step - self.n_warmup_steps) % self.interval_steps:
            return CONTINUE
        value = trial.intermediate[step]
        if math.isnan(value):
            reason = f"NaN reported at step {step}"
        elif value < self.lower:
            reason = f"value {value:.6g} at step {step} is below the lower bound {self.lower:g}"
        elif value > self.upper:
            reason = f"value {value:.6g} at step {step} is above the upper bound {self.upper:g}"
        else:
            return CONTINUE
        return Decision.to_prune(reason, attrs={"prune_step": step, "prune_value": value,
                                                "prune_lower": self.lower,
                                                "prune_upper": self.upper})


__all__ = ["ThresholdPruner"]
