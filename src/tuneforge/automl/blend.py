"""Average the CV winner with HistGradientBoosting's defaults when that beats both on its folds.

The default-baseline rule (`tuneforge.automl.baseline`) can only pick one of the two; on
small tables the winner of many noisy CV means is often a lucky one, and the defaults are
often a little worse. Two models whose errors differ, averaged (their predictions, or their
class probabilities), usually do at least as well as the better one. That is checked, not
assumed: the average is cross-validated on the very folds of the search and chosen only
when its mean beats both members' means there. Its members are scikit-learn's
VotingRegressor and soft-voting VotingClassifier.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tuneforge.automl.baseline import fold_scores, paired_lead
from tuneforge.automl.budget import full_duration, refit_seconds
from tuneforge.trial.records import TrialRecord, TrialState

if TYPE_CHECKING:
    from tuneforge.automl.families import Families

BLEND = "blend"        # the leaderboard row's family, and the study user attr
MEMBERS = "members"    # the blend row's key (and best_params key): its two members
#: Under a time budget, the blend's check (the two members' CV again, then their refits) is
#: kept free during the search only when it costs at most this share of the budget; a
#: dearer check would take too much from the search, so it is left out.
BLEND_SHARE = 0.15


def blend_estimator(members: Sequence[tuple[str, Any]], task: str) -> Any:
    """An unfitted average of `members` ((name, estimator) pairs): predictions averaged for
    a regression, class probabilities (soft voting) for a classification."""
    if task == "classification":
        from sklearn.ensemble import VotingClassifier

        return VotingClassifier(list(members), voting="soft")
    from sklearn.ensemble import VotingRegressor

    return VotingRegressor(list(members))


def member_name(member: dict[str, Any]) -> str:
    """A blend member's name: its family and trial (two trials of one family may blend)."""
    return f"{member['model']}_trial{member['trial']}"


def build_blend(families: Families, members: Sequence[dict[str, Any]], task: str) -> Any:
    """The unfitted blend of member dicts (``model``, ``trial``, ``params``)."""
    return blend_estimator([(member_name(m), families.build_family(m["model"], m["params"]))
                            for m in members], task)


def blend_cost(winner: TrialRecord, default: TrialRecord, n_folds: int,
               refit_scale: float) -> float:
    """Seconds the blend's check is expected to take: both members' CV again, then the
    refit of both on every search row (NaN when a member's times are unknown)."""
    cost = 0.0
    for t in (winner, default):
        if t.duration is None:
            return math.nan
        cost += full_duration(t, n_folds) + refit_seconds(t, refit_scale)
    return cost


def gives_proba(families: Families, trial: TrialRecord) -> bool:
    """True when the trial's model gives class probabilities (an SVC without Platt
    scaling does not), as a soft-voting classifier needs."""
    family, params = families.unprefix(trial.params)
    return hasattr(families.build_family(family, params), "predict_proba")


def partner(ranked: Sequence[TrialRecord], default: TrialRecord, families: Families,
            task: str, seconds: float = math.inf, n_folds: int = 5,
            refit_scale: float = 1.25) -> TrialRecord | None:
    """The trial to average with the defaults: the best-ranked COMPLETE trial other than
    the defaults whose blend can be checked in `seconds` (`blend_cost`), and for a
    classification gives probabilities."""
    for t in ranked:
        if t.number == default.number or t.state is not TrialState.COMPLETE:
            continue
        if math.isfinite(seconds) and not blend_cost(t, default, n_folds,
                                                     refit_scale) <= seconds:
            continue
        if task != "classification" or gives_proba(families, t):
            return t
    return None


def weigh_blend(member: TrialRecord, default: TrialRecord, *, families: Families,
                objective: Any, task: str, deadline: float | None = None,
                refit_scale: float = 1.25,
                leader: TrialRecord | None = None) -> dict[str, Any] | None:
    """Cross-validate the average of `member` (the CV winner, see `partner`) and the
    defaults trial on the search's folds (`objective.splits`) and decide whether it
    replaces the winner: only when its mean beats both members' means, and the CV
    `leader`'s when that is another trial. Returns what was weighed (None: nothing to
    weigh, e.g. the member is the defaults trial); the blend is not chosen, with the
    reason, when its check would pass the `deadline` or its fit fails."""
    from tuneforge.automl.quiet import ConvergenceCounter
    from tuneforge.evaluate.cv import CVResult, run_cv

    if member.number == default.number or member.state is not TrialState.COMPLETE \
            or default.state is not TrialState.COMPLETE:
        return None
    metric = objective.metric
    n_folds = len(objective.splits)
    rivals = {"partner": member, "defaults": default}
    if leader is not None and leader.number not in (member.number, default.number):
        rivals["leader"] = leader
    folds = {k: fold_scores(t, metric.name) for k, t in rivals.items()}
    if any(v is None or len(v) != n_folds for v in folds.values()):
        return None  # a trial without every fold: no comparison on the same folds
    cost = blend_cost(member, default, n_folds, refit_scale)
    if deadline is not None and (not math.isfinite(cost) or time.time() + cost > deadline):
        return not_weighed(member, default, families,
                           f"its check takes about {cost:.1f} s, more than the time left")
    decision = not_weighed(member, default, families, "")

    def on_fold(i: int, res: CVResult) -> None:
        fold = (sum(res.fit_times) + sum(res.score_times)) / max(res.n_done, 1)
        if deadline is not None and i + 1 < n_folds and time.time() + fold > deadline:
            raise TimeoutError(f"the time budget ran out after fold {i}")

    started = time.perf_counter()
    try:
        with ConvergenceCounter():
            res = run_cv(build_blend(families, decision["members"], task), objective.X,
                         objective.y,
                         splits=objective.splits, metrics={metric.name: metric},
                         return_train_score=True, on_fold=on_fold)
    except Exception as exc:  # a failed or late blend leaves the single winner
        decision["reason"] = f"not weighed: {type(exc).__name__}: {exc}"
        return decision
    scores = [float(v) for v in res.test_scores[metric.name]]
    mean, sem = res.mean(), res.sem()
    leads = {k: paired_lead(scores, v, metric.greater_is_better)[0]
             for k, v in folds.items() if v is not None}  # all are: checked above
    chosen = all(v > 0 for v in leads.values())
    whom = "both members'" if len(leads) == 2 else "both members' and the CV leader's"
    decision.update({
        "cv_score": mean, "cv_sem": sem if math.isfinite(sem) else None,
        "train_score": float(sum(res.train_scores[metric.name])
                             / len(res.train_scores[metric.name])),
        "fold_scores": scores, "leads": leads, "chosen": chosen,
        "seconds": time.perf_counter() - started,
        "reason": (f"its CV mean beats {whom} on the same folds" if chosen else
                   f"its CV mean does not beat {whom} on the same folds")})
    return decision


def not_weighed(member: TrialRecord, default: TrialRecord, families: Families,
                reason: str) -> dict[str, Any]:
    """The record of a blend of `member` and `default` that was not checked, and why."""
    members = []
    for t in (member, default):
        family, params = families.unprefix(t.params)
        members.append({"model": family, "trial": t.number, "params": params})
    return {"members": members, "chosen": False, "cv_score": None, "cv_sem": None,
            "train_score": None, "fold_scores": None, "reason": f"not weighed: {reason}"}


def blend_row(decision: dict[str, Any]) -> dict[str, Any]:
    """The leaderboard row of a chosen blend (ranked first)."""
    members = [dict(m, params=dict(m["params"])) for m in decision["members"]]
    return {"family": BLEND, "trials": 0, "failed": 0, "trial": None,
            "cv_score": decision["cv_score"], "cv_sem": decision["cv_sem"],
            "train_score": decision["train_score"], "holdout_score": None,
            "params": {MEMBERS: members}, "cv_recorded": {},
            "blend": f"average of {describe(members)}"}


def describe(members: Sequence[dict[str, Any]]) -> str:
    """'hgb_reg (trial 0) + extra_trees_reg (trial 12)'."""
    return " + ".join(f"{m['model']} (trial {m['trial']})" for m in members)


def is_blend(row: dict[str, Any]) -> bool:
    """True for the leaderboard row of a blend."""
    return bool(row.get("family") == BLEND and MEMBERS in (row.get("params") or {}))


__all__ = ["BLEND", "BLEND_SHARE", "MEMBERS", "blend_cost", "blend_estimator", "blend_row",
           "build_blend", "describe", "gives_proba", "is_blend", "member_name", "not_weighed",
           "partner", "weigh_blend"]
