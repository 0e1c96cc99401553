"""Model selection under a time budget: cheap families first, expensive ones only while they
look promising, and nothing started that cannot finish before the deadline.

`family_order` sorts families by a rough relative cost (linear models before boosting
before kernel machines and neural networks), so the default round ranks every cheap family
before an expensive one is tried. `BudgetedObjective` wraps the CV objective: before a
trial runs, it predicts the trial's duration from the family's earlier trials (or, before
any, from the cheapest family's time and the cost ratio) and skips it, as a pruned trial
with the reason, when it would pass the deadline, or when the family is expensive and
behind the leader by more than the CV noise; during a trial no fold starts that would end
past the deadline. The winner's refit on every search row is budgeted too: its time is
predicted from the fold fits (`refit_seconds`) and kept free at the end, so the whole
selection ends at the deadline rather than a refit later. The folds are the cheap first
look (`fold_pruner`): a trial worse than the leader on each of its first folds stops there,
so the time goes to configurations that may win.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Container, Sequence
from typing import Any

from tuneforge.automl.families import MODEL_PARAM
from tuneforge.exceptions import TrialPruned
from tuneforge.trial.records import TrialState

#: Rough cost of a family's default fit relative to logistic regression on the same rows;
#: families not listed count as 5. Kernel machines and k-NN grow faster than linearly
#: with the rows (`QUADRATIC`).
RELATIVE_COST = {"logreg": 1.0, "ridge": 0.5, "lasso": 1.0, "elasticnet": 1.0,
                 "tree": 0.5, "tree_reg": 0.5, "knn": 2.0, "knn_reg": 2.0,
                 "hgb": 2.0, "hgb_reg": 2.0, "lightgbm": 2.0, "lightgbm_reg": 2.0,
                 "xgboost": 4.0, "xgboost_reg": 4.0, "rf": 8.0, "rf_reg": 8.0,
                 "extra_trees": 6.0, "extra_trees_reg": 6.0, "svc": 6.0, "svr": 6.0,
                 "mlp": 30.0, "mlp_reg": 30.0}
QUADRATIC = frozenset({"svc", "svr", "knn", "knn_reg"})
EXPENSIVE = 4.0      # a family this many times the cheapest's cost is "expensive"
#: Tried before the cheapest: HistGradientBoosting's defaults are the strongest baseline per
#: second on tables (native categories and gaps), so a short budget never ends below it.
FIRST = ("hgb", "hgb_reg")
SKIP_ATTR = "skipped"  # trial user attr: why the budget skipped it
#: `fold_pruner`'s one-sided Wilcoxon threshold: with 5 folds, a trial worse than the leader
#: on each of its first 3 folds (p = 0.125) stops there, 2 folds early.
FOLD_P = 0.15
FOLD_STARTUP = 3


def fold_pruner() -> Any:
    """The pruner `select(time_budget=...)` uses when given none: folds as fidelity, a
    trial that is behind the best trial on the same first folds stops before the rest."""
    from tuneforge.pruners import WilcoxonPruner

    return WilcoxonPruner(p_threshold=FOLD_P, n_startup_steps=FOLD_STARTUP)


def full_duration(trial: Any, n_folds: int) -> float:
    """How long a trial would have taken with all `n_folds` folds: its duration, scaled up
    for a trial pruned after fewer folds (so pruned trials do not make a family look cheap)."""
    duration = float(trial.duration)
    done = (trial.user_attrs.get("cv") or {}).get("folds_done")
    if trial.state is TrialState.PRUNED and isinstance(done, int) and 0 < done < n_folds:
        return duration * n_folds / done
    return duration


def relative_cost(family: str, n_rows: int) -> float:
    """The family's cost relative to logistic regression on `n_rows` rows."""
    cost = RELATIVE_COST.get(family, 5.0)
    if family in QUADRATIC and n_rows > 2000:
        cost *= n_rows / 2000
    return cost


def family_order(names: Sequence[str], n_rows: int) -> list[str]:
    """The families, `FIRST` then cheapest first (stable for equal costs)."""
    return sorted(names, key=lambda f: (f not in FIRST, relative_cost(f, n_rows)))


def predicted_seconds(family: str, durations: dict[str, list[float]], n_rows: int) -> float:
    """A trial's expected duration: the median of the family's finished trials, else the
    median over the measured families of their medians scaled by the cost ratio; NaN
    before any trial. The ratio is applied in full (not damped): a family never measured
    is better thought dear than cheap, since one started that cannot finish overruns the
    budget (an MLP's first fit on Adult took 26 s where a damped ratio predicted 3)."""
    own = durations.get(family)
    if own:
        return float(statistics.median(own))
    known = [statistics.median(v) * relative_cost(family, n_rows) / relative_cost(f, n_rows)
             for f, v in durations.items() if v]
    return float(statistics.median(known)) if known else math.nan


def refit_seconds(trial: Any, scale: float) -> float:
    """A trial's predicted refit time on every search row: its mean fold fit time times
    `scale` (search rows over a fold's training rows; squared for kernel machines and
    k-NN); NaN when it recorded no fold."""
    cv = trial.user_attrs.get("cv") or {}
    done, fit = cv.get("folds_done"), cv.get("fit_time")
    if not done or not isinstance(fit, (int, float)):
        return math.nan
    family = trial.params.get(MODEL_PARAM)
    return float(fit) / done * (scale ** 2 if family in QUADRATIC else scale)


class BudgetedObjective:
    """The CV objective under a deadline (module docstring). Picklable.

    `deadline` is when the whole selection must end; the search stops early enough to
    refit the leader (or a newcomer that beats it) by then, `margin` seconds to spare.
    `refit_scale` is the search rows over a fold's training rows (k / (k - 1) for k
    folds). `blend_limit` (seconds): also keep free, up to this, the check of the blend
    (`automl.blend`: the baseline's defaults and the best trial of each family, best
    first, cross-validated again and refitted), as many of them as fit; a trial whose fold
    predictions are `stored` (by number, `automl.blend.FoldPredictions`) costs only its
    refit there."""

    def __init__(self, objective: Any, deadline: float, n_rows: int,
                 metric: Any, families: Sequence[str], *, refit_scale: float = 1.25,
                 margin: float = 0.0, blend_limit: float = 0.0,
                 stored: Container[int] | None = None) -> None:
        self.objective = objective
        self.deadline = deadline
        self.n_rows = n_rows
        self.metric = metric
        self.families = list(families)
        self.refit_scale = refit_scale
        self.margin = margin
        self.blend_limit = blend_limit
        self.stored: Container[int] = () if stored is None else stored
        self.n_folds = len(getattr(objective, "splits", ())) or 1
        objective.deadline = deadline - margin

    @property
    def direction(self) -> str:
        return str(self.objective.direction)

    def __call__(self, trial: Any) -> Any:
        family = trial.suggest_categorical(MODEL_PARAM, self.families)
        study = getattr(trial, "study", None)
        history = [] if study is None else study.get_trials(
            [TrialState.COMPLETE, TrialState.PRUNED])
        durations: dict[str, list[float]] = {}
        refits: dict[str, list[float]] = {}
        best: dict[str, tuple[float, float]] = {}
        best_cost: dict[str, float] = {}  # CV again + refit of each family's best
        # (score, refit seconds, seconds to cross-validate it again: 0 when its fold
        # predictions are stored) of complete trials
        done: list[tuple[float, float, float]] = []
        baseline = math.nan  # refit seconds of the first baseline trial (its defaults)
        baseline_cv = math.nan  # and its CV again (0 when stored)
        for t in history:
            if t.user_attrs.get(SKIP_ATTR) or t.duration is None:
                continue
            f = t.params.get(MODEL_PARAM)
            durations.setdefault(f, []).append(full_duration(t, self.n_folds))
            refit = refit_seconds(t, self.refit_scale)
            again = 0.0 if t.number in self.stored else full_duration(t, self.n_folds)
            if math.isfinite(refit):
                refits.setdefault(f, []).append(refit)
            if t.state is TrialState.COMPLETE and t.values:
                sem = ((t.user_attrs.get("cv") or {}).get("sem") or {}).get(self.metric.name)
                value = t.values[0]
                if f not in best or self.metric.is_better(value, best[f][0]):
                    best[f] = (value, sem if isinstance(sem, (int, float)) else 0.0)
                    best_cost[f] = again + refit
                done.append((value, refit, again))
                if f in FIRST and math.isnan(baseline):
                    baseline, baseline_cv = refit, again
        # kept free at the end: the refit of the leader and of the baseline (either wins)
        sign = 1.0 if self.metric.greater_is_better else -1.0
        _, leader_refit, leader_cv = max(done, key=lambda d: sign * d[0],
                                         default=(math.nan, math.nan, math.nan))
        reserve = max((r for r in (leader_refit, baseline) if math.isfinite(r)), default=0.0)
        blend = leader_refit + baseline + leader_cv + baseline_cv  # NaN if one is unknown
        if math.isfinite(blend) and blend <= self.blend_limit:
            # the leader and the defaults first, then the other families' best, best first
            for f in sorted(best, key=lambda f: -sign * best[f][0])[1:]:
                more = blend + best_cost[f]
                if not (math.isfinite(more) and more <= self.blend_limit):
                    break
                blend = more
            reserve = blend
        own_refit = statistics.median(refits[family]) if family in refits else reserve
        end = self.deadline - self.margin
        self.objective.deadline = end - max(reserve, own_refit)  # no fold past this
        left = self.objective.deadline - time.time()
        expected = predicted_seconds(family, durations, self.n_rows)
        soonest = min((predicted_seconds(f, durations, self.n_rows) for f in self.families),
                      default=math.nan)
        if math.isfinite(soonest) and soonest > left and study is not None:
            study.stop()  # no family can finish a trial in the time left: stop cleanly
            trial.set_user_attr(SKIP_ATTR, "no family is expected to finish in the time left")
            raise TrialPruned("skipped: no family is expected to finish in the time left")
        reason = None
        if math.isfinite(expected) and expected > left:
            reason = (f"{family} is expected to take {expected:.1f} s, more than the "
                      f"{max(left, 0):.1f} s left")
        elif best and family in best and len(best) > 1:
            leader = max(best.values(), key=lambda v: v[0] if self.metric.greater_is_better
                         else -v[0])
            costs = {f: predicted_seconds(f, durations, self.n_rows) for f in best}
            cheapest = min(costs.values())
            behind = abs(leader[0] - best[family][0]) > 2 * max(leader[1], best[family][1])
            if behind and cheapest > 0 and costs[family] > EXPENSIVE * cheapest \
                    and best[family] != leader:
                reason = (f"{family} is {costs[family] / cheapest:.0f} times the cost of the "
                          "cheapest family and behind the leader by more than the CV noise")
        if reason is not None:
            trial.set_user_attr(SKIP_ATTR, reason)
            raise TrialPruned(f"skipped: {reason}")
        return self.objective(trial)


__all__ = ["BudgetedObjective", "RELATIVE_COST", "family_order", "fold_pruner",
           "full_duration", "predicted_seconds", "refit_seconds", "relative_cost"]
