"""Keep the default baseline unless the CV winner is ahead of it beyond the CV noise.

A selection over many families picks the best of many noisy CV means, so its winner's lead
is biased upward (winner's curse); on small tables a family that led by a hair often does
worse on new rows than HistGradientBoosting with its library defaults, the strongest
untuned baseline on tables. So the default trial of the baseline family stays the choice
unless the winner beats it, fold by fold on the same folds, by more than one standard
error of the paired difference (a one-standard-error rule, with the default as the
"simple" model).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tuneforge.trial.records import TrialRecord, TrialState

if TYPE_CHECKING:
    from tuneforge.evaluate import Metric

#: The families whose library defaults are the baseline (one per task).
BASELINES = ("hgb", "hgb_reg")
#: The winner must lead the baseline by more than this many paired standard errors.
MARGIN_SE = 1.0
CHOICE_ATTR = "baseline_rule"  # leaderboard row key: why the baseline was kept


def fold_scores(trial: TrialRecord, metric: str) -> list[float] | None:
    """The per-fold CV scores a trial recorded; None if it has none."""
    scores = ((trial.user_attrs.get("cv") or {}).get("scores") or {}).get(metric)
    if not scores:
        return None
    return [float(v) for v in scores]


def paired_lead(winner: Sequence[float], baseline: Sequence[float],
                greater_is_better: bool) -> tuple[float, float]:
    """(mean, standard error) of the winner's per-fold lead over the baseline (positive:
    the winner is better); the standard error is NaN with fewer than two folds."""
    diff = np.asarray(winner, float) - np.asarray(baseline, float)
    if not greater_is_better:
        diff = -diff
    mean = float(np.mean(diff))
    sem = float(np.std(diff, ddof=1) / math.sqrt(len(diff))) if len(diff) > 1 else math.nan
    return mean, sem


def keeps_baseline(lead: float, sem: float, margin: float | None = None) -> bool:
    """True when a lead of `lead` with standard error `sem` is within `margin` (default
    `MARGIN_SE`) standard errors: the noise."""
    margin = MARGIN_SE if margin is None else margin
    if not math.isfinite(lead):
        return False
    if not math.isfinite(sem):
        return lead <= 0
    return lead <= margin * sem


def apply_baseline_rule(rows: list[dict[str, Any]], trials: Sequence[TrialRecord],
                        metric: Metric, default_attr: str,
                        row_of: Any) -> dict[str, Any] | None:
    """Put the baseline's default trial first in the ranked leaderboard `rows` when the CV
    winner does not beat it beyond the noise (module docstring); `row_of(trial)` builds a
    leaderboard row from a trial. Returns what was decided (None: no baseline to weigh)."""
    if not rows or rows[0]["trial"] is None:
        return None
    by_number = {t.number: t for t in trials}
    default = next((t for t in trials if t.user_attrs.get(default_attr) in BASELINES
                    and t.state is TrialState.COMPLETE), None)
    if default is None:
        return None
    winner = by_number.get(rows[0]["trial"])
    if winner is None or winner.number == default.number:
        return None
    own, base = fold_scores(winner, metric.name), fold_scores(default, metric.name)
    if own is None or base is None or len(own) != len(base):
        return None  # not the same folds: no paired comparison
    lead, sem = paired_lead(own, base, metric.greater_is_better)
    decision = {"winner": rows[0]["family"], "winner_trial": winner.number,
                "baseline_trial": default.number, "lead": lead, "lead_sem": sem,
                "margin_se": MARGIN_SE, "kept_baseline": keeps_baseline(lead, sem)}
    if not decision["kept_baseline"]:
        return decision
    family = default.params.get("model")
    row = next(r for r in rows if r["family"] == family)
    rows.remove(row)
    if row["trial"] != default.number:  # the family's best was a tuned trial: use defaults
        row.update(row_of(default))
    row[CHOICE_ATTR] = (f"kept the {family} defaults: {decision['winner']} led by "
                        f"{lead:.4g} ± {sem:.2g} per fold, within {MARGIN_SE:g} standard "
                        "error")
    rows.insert(0, row)
    return decision


__all__ = ["BASELINES", "CHOICE_ATTR", "MARGIN_SE", "apply_baseline_rule", "fold_scores",
           "keeps_baseline", "paired_lead"]
