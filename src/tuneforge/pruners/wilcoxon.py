"""Wilcoxon pruning for per-fold (per-instance) reports: stop a trial whose folds so far
are significantly worse than the best trial's on the same folds."""

from __future__ import annotations

import math
import warnings

import numpy as np

from tuneforge.pruners.base import CONTINUE, Decision, check_int, require_single_objective
from tuneforge.trial.records import History, TrialRecord, TrialState


class WilcoxonPruner:
    """Each step is a fold (or an instance), each report that fold's own score, not a
    running mean (`cross_val_objective` reports per fold under this pruner). After at
    least `n_startup_steps` folds that the best COMPLETE trial also reported, a one-sided
    Wilcoxon signed-rank test (scipy.stats.wilcoxon) on the paired differences asks
    whether this trial is worse; it is pruned when p < `p_threshold` and its mean over
    those folds is worse too. A NaN report prunes at once. A prune records
    `prune_step`, `prune_p_value`, `prune_n_folds`, `prune_best_trial`, `prune_mean`
    and `prune_best_mean`.
    """

    per_fold_reports = True  # cross_val_objective reports each fold's score, not the mean

    def __init__(self, *, p_threshold: float = 0.1, n_startup_steps: int = 2) -> None:
        name = type(self).__name__
        if isinstance(p_threshold, bool) or not isinstance(p_threshold, (int, float)) \
                or not 0.0 <= p_threshold <= 1.0:
            raise ValueError(f"{name}: p_threshold must be a number in [0, 1], "
                             f"got {p_threshold!r}")
        self.p_threshold = float(p_threshold)
        self.n_startup_steps = check_int(name, "n_startup_steps", n_startup_steps, 1)

    def __repr__(self) -> str:
        return (f"WilcoxonPruner(p_threshold={self.p_threshold:g}, "
                f"n_startup_steps={self.n_startup_steps})")

    def decide(self, trial: TrialRecord, history: History) -> Decision:
        sign = require_single_objective(self, trial, history)
        step = trial.last_step
        if step is None:
            return CONTINUE
        if any(math.isnan(v) for v in trial.intermediate.values()):
            return Decision.to_prune(f"NaN reported by step {step}",
                                     attrs={"prune_step": step, "prune_p_value": 0.0})
        best = _best_complete(history, sign)
        if best is None:
            return CONTINUE
        folds = [s for s in sorted(trial.intermediate) if s in best.intermediate
                 and not math.isnan(best.intermediate[s])]
        if len(folds) < self.n_startup_steps:
            return CONTINUE
        mine = np.array([trial.intermediate[s] for s in folds]) * sign
        theirs = np.array([best.intermediate[s] for s in folds]) * sign
        diff = mine - theirs  # > 0: this trial is worse on that fold
        if not np.any(diff) or float(np.mean(diff)) <= 0.0:
            return CONTINUE
        from scipy.stats import wilcoxon  # on first use: scipy.stats is slow to import

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = float(wilcoxon(diff, alternative="greater", zero_method="zsplit").pvalue)
        if not p < self.p_threshold:
            return CONTINUE
        return Decision.to_prune(
            f"worse than trial {best.number} on {len(folds)} folds (Wilcoxon one-sided "
            f"p = {p:.3g} < {self.p_threshold:g})", attrs={
                "prune_step": step, "prune_p_value": p, "prune_n_folds": len(folds),
                "prune_best_trial": best.number, "prune_mean": float(np.mean(mine) * sign),
                "prune_best_mean": float(np.mean(theirs) * sign)})


def _best_complete(history: History, sign: float) -> TrialRecord | None:
    """The COMPLETE trial with the best value (lowest number among ties)."""
    best, best_loss = None, math.inf
    for t in history.trials((TrialState.COMPLETE,)):
        if t.values is None or not t.intermediate:
            continue
        loss = t.values[0] * sign
        if best is None or loss < best_loss:
            best, best_loss = t, loss
    return best


__all__ = ["WilcoxonPruner"]
