"""Patience pruning: stop a trial whose reports stopped improving (optionally only when
another pruner agrees)."""

from __future__ import annotations

import math

from tuneforge.pruners.base import (
    CONTINUE,
    Decision,
    Pruner,
    check_int,
    check_pruner,
    checked_decision,
    require_single_objective,
)
from tuneforge.trial.records import History, TrialRecord


class PatiencePruner:
    """Prune when none of a trial's last `patience` reports improved on its best value
    before them by more than `min_delta` (NaN reports are skipped). With
    `wrapped_pruner` (Optuna's PatientPruner), a trial that ran out of patience is
    handed to that pruner, which decides; one that is still improving is never pruned.
    A prune records `prune_step`, `prune_best_before`, `prune_best_recent` and
    `prune_patience` (and the wrapped pruner's attrs).
    """

    def __init__(self, wrapped_pruner: Pruner | None = None, patience: int = 1, *,
                 min_delta: float = 0.0) -> None:
        name = type(self).__name__
        self.patience = check_int(name, "patience", patience, 1)
        if isinstance(min_delta, bool) or not isinstance(min_delta, (int, float)) \
                or not min_delta >= 0.0 or math.isinf(min_delta):
            raise ValueError(f"{name}: min_delta must be a finite number >= 0, "
                             f"got {min_delta!r}")
        self.min_delta = float(min_delta)
        self.wrapped_pruner = None if wrapped_pruner is None else check_pruner(wrapped_pruner)

    def __repr__(self) -> str:
        return (f"PatiencePruner({self.wrapped_pruner!r}, patience={self.patience}, "
                f"min_delta={self.min_delta:g})")

    def decide(self, trial: TrialRecord, history: History) -> Decision:
        sign = require_single_objective(self, trial, history)
        steps = sorted(trial.intermediate)
        losses = [sign * trial.intermediate[s] for s in steps]
        if len(steps) <= self.patience:
            return CONTINUE
        before = [v for v in losses[:-self.patience] if not math.isnan(v)]
        recent = [v for v in losses[-self.patience:] if not math.isnan(v)]
        best_before = min(before) if before else math.inf
        best_recent = min(recent) if recent else math.inf
        if best_recent < best_before - self.min_delta:
            return CONTINUE
        attrs = {"prune_step": steps[-1], "prune_best_before": sign * best_before,
                 "prune_best_recent": sign * best_recent, "prune_patience": self.patience}
        reason = (f"no improvement by more than {self.min_delta:g} on {sign * best_before:.6g} "
                  f"in the last {self.patience} reports (up to step {steps[-1]})")
        if self.wrapped_pruner is None:
            return Decision.to_prune(reason, attrs=attrs)
        inner = checked_decision(self.wrapped_pruner.decide(trial, history),
                                 self.wrapped_pruner)
        if not inner.prune:
            return inner
        return Decision.to_prune(f"{reason}; {inner.reason}", attrs={**inner.attrs, **attrs})


PatientPruner = PatiencePruner  # Optuna's spelling

__all__ = ["PatiencePruner", "PatientPruner"]
