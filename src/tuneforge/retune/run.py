"""retune(): drift or a performance drop found -> a warm-started study on the new data
under a budget, champion against challenger on fresh hold-out rows, and the decision
recorded on both linked studies."""

from __future__ import annotations

import math
from typing import Any

from tuneforge.drift.check import check
from tuneforge.drift.report import DriftReport
from tuneforge.exceptions import TuneforgeError
from tuneforge.retune.decision import RetuneDecision, compare
from tuneforge.retune.recipe import build_estimator
from tuneforge.samplers.base import Sampler
from tuneforge.study import Study, create_study, load_study
from tuneforge.study.warm import WarmSource, WarmStart
from tuneforge.warmstart.catalog import META_ATTR, SPACE_ATTR, space_from_json
from tuneforge.warmstart.meta import meta_distance, meta_features

RETUNE_ATTR = "retune"        # on the new study: the decision and its evidence
RETUNES_ATTR = "retunes"      # on the parent: [{study, promoted, reason}, ...]
CHECKS_ATTR = "drift_checks"  # on the parent: checks that found nothing to re-tune


def retune(study: Study | str, X_new: Any, y_new: Any, *, storage: Any = None,
           X_reference: Any = None, y_reference: Any = None, model: Any = None,
           estimator: Any = None, space: Any = None, scoring: Any = None,
           budget: int = 30, holdout: float = 0.3, cv: int = 3, alpha: float = 0.05,
           loss: str = "auto", force: bool = False, joint: bool = True, seed: int = 0,
           sampler: Sampler | None = None, study_name: str | None = None,
           show_progress: bool = False) -> RetuneDecision:
    """Re-tune `study`'s model on new labelled data when it drifted.

    Evidence: `drift.check(X_reference, X_new)` (with the deployed `model` and
    `y_reference`, also the performance drop on the new labels); `force` re-tunes
    regardless. When triggered, the new rows are split into search rows and `holdout`
    fresh rows; a study named `<study>-retune-<k>` (in the same storage) is warm-started
    from `study` (its best configuration evaluated first) and run for `budget` trials;
    the champion (the study's best parameters) and the challenger (the new best), both
    trained on the search rows, are compared on the hold-out rows with a paired one-sided
    test of the loss per row (`loss`: "error", "squared_error" or "auto"); the
    challenger is promoted only when it is better at level `alpha`. The model, space and
    metric default to what the catalog recorded on `study`."""
    parent = study if isinstance(study, Study) else load_study(study, storage=storage)
    meta = parent.user_attrs.get(META_ATTR) or {}
    where = f"study {parent.study_name!r}"
    if estimator is None:
        estimator = build_estimator(meta.get("estimator"), where)
    if space is None:
        if SPACE_ATTR not in parent.user_attrs:
            raise TuneforgeError(f"{where} recorded no search space; pass space=")
        space = space_from_json(parent.user_attrs[SPACE_ATTR])
    scoring = scoring if scoring is not None else meta.get("metric")
    if not 0.0 < holdout < 1.0:
        raise ValueError(f"holdout must be a fraction in (0, 1), got {holdout!r}")
    if X_reference is None and not force:
        raise ValueError("retune needs evidence: the reference data (X_reference, what the "
                         "model was tuned on) to test for drift, or force=True")
    champion_params = dict(parent.best_params)

    report: DriftReport | None = None
    if X_reference is not None:
        with_labels = model is not None and y_reference is not None
        report = check(X_reference, X_new, alpha=alpha, joint=joint, seed=seed,
                       model=model if with_labels else None,
                       reference_labels=y_reference if with_labels else None,
                       current_labels=y_new if with_labels else None)
    reason = _reason(report, force)
    if not (force or (report is not None and report.drifted)):
        decision = RetuneDecision(parent.study_name, False, reason, None,
                                  None if report is None else report.to_json(), None,
                                  champion_params, None)
        checks = list(parent.user_attrs.get(CHECKS_ATTR) or [])
        parent.set_user_attr(CHECKS_ATTR, checks + [decision.to_json()])
        return decision

    from sklearn.base import clone, is_classifier
    from sklearn.model_selection import train_test_split

    from tuneforge.evaluate import cross_val_objective

    classifier = is_classifier(estimator)
    X_s, X_h, y_s, y_h = train_test_split(X_new, y_new, test_size=holdout, random_state=seed,
                                          stratify=y_new if classifier else None)
    new_meta = meta_features(X_s, y_s, task="classification" if classifier else "regression")
    sim = math.exp(-meta_distance(meta, new_meta) / 0.5) if meta else 0.5
    previous = list(parent.user_attrs.get(RETUNES_ATTR) or [])
    name = study_name or f"{parent.study_name}-retune-{len(previous) + 1}"
    objective = cross_val_objective(estimator, X_s, y_s, space=space, cv=cv, scoring=scoring)
    child = create_study(name, storage=parent.storage, direction=objective.direction,
                         sampler=sampler, seed=seed,
                         warm_start=WarmStart([WarmSource(parent.study_name, max(sim, 0.05))],
                                              evaluate=1, space=space))
    child.set_user_attr("retune_parent", parent.study_name)
    child.optimize(objective, n_trials=budget, show_progress=show_progress)
    challenger_params = dict(child.best_params)
    champion = clone(estimator).set_params(**champion_params).fit(X_s, y_s)
    challenger = clone(estimator).set_params(**challenger_params).fit(X_s, y_s)
    if loss == "auto":
        loss = "error" if classifier else "squared_error"
    comparison = compare(champion, challenger, X_h, y_h, loss=loss, alpha=alpha)
    decision = RetuneDecision(parent.study_name, True, reason, name,
                              None if report is None else report.to_json(), comparison,
                              champion_params, challenger_params)
    child.set_user_attr(RETUNE_ATTR, decision.to_json())
    parent.set_user_attr(RETUNES_ATTR, previous + [{"study": name, "promoted":
                                                    decision.promoted, "reason": reason}])
    return decision


def _reason(report: DriftReport | None, force: bool) -> str:
    if report is not None and report.drifted:
        parts = []
        if report.drifted_features:
            parts.append(f"{len(report.drifted_features)} feature(s) drifted "
                         f"({', '.join(report.drifted_features[:5])})")
        if report.joint is not None and report.joint.drifted:
            parts.append(f"the classifier test separates the data (AUC {report.joint.auc:.3f})")
        if report.performance is not None and report.performance.dropped:
            p = report.performance
            parts.append(f"{p.metric} rose {p.reference_loss:.4g} -> {p.current_loss:.4g}")
        return "; ".join(parts)
    if force:
        return "forced"
    return "no drift found"


__all__ = ["CHECKS_ATTR", "RETUNES_ATTR", "RETUNE_ATTR", "retune"]
