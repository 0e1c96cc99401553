"""A weighted average of the best trials, chosen greedily on the search's own folds.

A selection over many families picks the best of many noisy CV means, and on small tables
that winner is often a lucky one. Models whose errors differ, averaged (their predictions,
or their class probabilities), usually beat the best of them. So after the search the best
trial of each family, and HistGradientBoosting's defaults, are cross-validated again on
the very folds of the search, keeping each fold's predictions; greedy ensemble selection
(`tuneforge.math.ensemble`, Caruana et al. 2004) then picks which of them to average and
with what weights. The average is chosen only when it has two members or more and its CV
mean beats every member's and the CV leader's on the same folds. It is scikit-learn's
VotingRegressor, or a soft-voting VotingClassifier, with those weights.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Callable, Container, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from tuneforge.automl.baseline import fold_scores, paired_lead
from tuneforge.automl.budget import full_duration, refit_seconds
from tuneforge.math.ensemble import greedy_ensemble
from tuneforge.trial.records import TrialRecord, TrialState

if TYPE_CHECKING:
    from tuneforge.automl.families import Families

BLEND = "blend"        # the leaderboard row's family, and the study user attr
MEMBERS = "members"    # the blend row's key (and best_params key): its members
#: Under a time budget, the blend's check (its candidates' CV again, then their refits) is
#: kept free during the search only up to this share of the budget; candidates whose check
#: would not fit are left out, best-ranked first in.
BLEND_SHARE = 0.15
#: At most this many candidates (the best trial of each family, in CV order, and the
#: defaults) are cross-validated again.
MAX_CANDIDATES = 8
#: Greedy additions (with replacement): weights are multiples of 1 / ROUNDS.
ROUNDS = 20


def blend_estimator(members: Sequence[tuple[str, Any]], task: str,
                    weights: Sequence[float] | None = None) -> Any:
    """An unfitted average of `members` ((name, estimator) pairs), weighted by `weights`
    (None: equal): predictions for a regression, class probabilities for a classification."""
    w = None if weights is None else [float(v) for v in weights]
    if task == "classification":
        from sklearn.ensemble import VotingClassifier

        return VotingClassifier(list(members), voting="soft", weights=w)
    from sklearn.ensemble import VotingRegressor

    return VotingRegressor(list(members), weights=w)


def member_name(member: dict[str, Any]) -> str:
    """A blend member's name: its family and trial (two trials of one family may blend)."""
    return f"{member['model']}_trial{member['trial']}"


def build_blend(families: Families, members: Sequence[dict[str, Any]], task: str) -> Any:
    """The unfitted blend of member dicts (``model``, ``trial``, ``params``, and an optional
    ``weight``; equal weights when none has one)."""
    weights = [m.get("weight") for m in members]
    return blend_estimator([(member_name(m), families.build_family(m["model"], m["params"]))
                            for m in members], task,
                           None if all(w is None for w in weights)
                           else [1.0 if w is None else float(w) for w in weights])


def blend_cost(trials: Sequence[TrialRecord], n_folds: int, refit_scale: float,
               stored: Container[int] = ()) -> float:
    """Seconds the check of these candidates is expected to take: their CV again (not
    for those whose fold predictions are `stored`, by trial number), then their refits on
    every search row (NaN when a candidate's times are unknown)."""
    cost = 0.0
    for t in trials:
        if t.duration is None:
            return math.nan
        cost += (0.0 if t.number in stored else full_duration(t, n_folds)) \
            + refit_seconds(t, refit_scale)
    return cost


def gives_proba(families: Families, trial: TrialRecord) -> bool:
    """True when the trial's model gives class probabilities (an SVC without Platt
    scaling does not), as a soft-voting classifier needs."""
    family, params = families.unprefix(trial.params)
    return hasattr(families.build_family(family, params), "predict_proba")


def candidates(ranked: Sequence[TrialRecord], default: TrialRecord, families: Families,
               task: str, limit: int = MAX_CANDIDATES) -> list[TrialRecord]:
    """The trials to weigh: the COMPLETE ones of `ranked` (each family's best, in CV
    order) and the `default` trial, at most `limit`; for a classification only those whose
    model gives probabilities. The defaults come right after the best trial."""
    def usable(t: TrialRecord) -> bool:
        return t.state is TrialState.COMPLETE and (
            task != "classification" or gives_proba(families, t))

    out = [t for t in ranked if t.number != default.number and usable(t)]
    if usable(default):
        out.insert(min(1, len(out)), default)
    return out[:limit]


def affordable(pool: Sequence[TrialRecord], seconds: float, n_folds: int = 5,
               refit_scale: float = 1.25, stored: Container[int] = ()) -> list[TrialRecord]:
    """The longest prefix of `pool` whose check (`blend_cost`) fits in `seconds`."""
    if not math.isfinite(seconds):
        return list(pool)
    out: list[TrialRecord] = []
    for t in pool:
        if not blend_cost([*out, t], n_folds, refit_scale, stored) <= seconds:
            break
        out.append(t)
    return out


def _fold_predictions(model: Any, X: Any, task: str, classes: np.ndarray) -> np.ndarray:
    """Predictions (regression) or class probabilities in the order of `classes`."""
    if task != "classification":
        return np.asarray(model.predict(X), dtype=float)
    proba = np.asarray(model.predict_proba(X), dtype=float)
    out = np.zeros((proba.shape[0], len(classes)))
    index = {c: i for i, c in enumerate(classes.tolist())}
    for j, c in enumerate(np.asarray(model.classes_).tolist()):
        out[:, index[c]] = proba[:, j]
    return out


@functools.cache
def _stand_in_types() -> tuple[type, type]:
    """The stand-in estimator classes (`_stand_in`), made once: scikit-learn is imported
    only when a blend is weighed."""
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

    class Proba(ClassifierMixin, BaseEstimator):
        def __init__(self, pred: np.ndarray, classes: np.ndarray) -> None:
            self.pred, self.classes = pred, classes

        @property
        def classes_(self) -> np.ndarray:
            return self.classes

        def __sklearn_is_fitted__(self) -> bool:
            return True

        def predict_proba(self, X: Any) -> np.ndarray:
            return self.pred

        def predict(self, X: Any) -> np.ndarray:
            return self.classes[np.argmax(self.pred, axis=1)]

    class Values(RegressorMixin, BaseEstimator):
        def __init__(self, pred: np.ndarray) -> None:
            self.pred = pred

        def __sklearn_is_fitted__(self) -> bool:
            return True

        def predict(self, X: Any) -> np.ndarray:
            return self.pred

    return Proba, Values


def _stand_in(pred: np.ndarray, task: str, classes: np.ndarray) -> Any:
    """A fitted-looking estimator that returns `pred`, so the study's own metric (a
    scikit-learn scorer) scores an average of stored predictions without refitting."""
    proba, values = _stand_in_types()
    return proba(pred, classes) if task == "classification" else values(pred)


class FoldPredictions:
    """Keeps, during the search, the test-fold predictions (class probabilities for a
    classification) of each family's best complete trial and of every defaults trial, so
    that the blend's check fits none of them again. `CrossValObjective.keep` feeds it.
    Thread-safe; a copy sent to a worker process keeps nothing (the check then
    cross-validates those candidates again)."""

    def __init__(self, task: str, y: Any, n_folds: int, greater_is_better: bool,
                 default_attr: str, family_param: str = "model") -> None:
        self.task = task
        self.classes = np.unique(np.asarray(y)) if task == "classification" \
            else np.empty(0)
        self.n_folds = n_folds
        self.sign = 1.0 if greater_is_better else -1.0
        self.default_attr = default_attr
        self.family_param = family_param
        self.active = True
        self.kept: dict[int, list[np.ndarray]] = {}  # trial number -> predictions per fold
        self._open: dict[int, dict[int, np.ndarray]] = {}
        self._best: dict[str, tuple[float, int]] = {}
        self._defaults: set[int] = set()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "active": False, "kept": {}, "_open": {}, "_best": {},
                "_defaults": set(), "_lock": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __contains__(self, number: object) -> bool:
        return number in self.kept

    def fold(self, trial: Any, i: int, model: Any, X_test: Any) -> None:
        """Fold `i` of `trial` is fitted: keep its predictions until the trial ends."""
        if not self.active:
            return
        try:  # never a reason for the trial to fail: without them, the check refits it
            pred = _fold_predictions(model, X_test, self.task, self.classes)
        except Exception:  # e.g. a classifier without predict_proba (an SVC): not kept
            return
        with self._lock:
            self._open.setdefault(trial.number, {})[i] = pred

    def done(self, trial: Any, value: float) -> None:
        """`trial` completed every fold with CV mean `value`: keep its predictions if it
        is its family's best so far or runs a family's defaults."""
        if not self.active:
            return
        try:
            default = bool((getattr(trial, "user_attrs", None) or {}).get(self.default_attr))
            family = str(trial.params.get(self.family_param))
        except Exception:  # never a reason for the trial to fail
            self.discard(trial)
            return
        with self._lock:
            folds = self._open.pop(trial.number, None)
            if folds is None or len(folds) != self.n_folds or not math.isfinite(value):
                return
            keep = default
            previous = self._best.get(family)
            if previous is None or self.sign * value > self.sign * previous[0]:
                self._best[family] = (value, trial.number)
                keep = True
                if previous is not None and previous[1] not in self._defaults:
                    self.kept.pop(previous[1], None)
            if default:
                self._defaults.add(trial.number)
            if keep:
                self.kept[trial.number] = [folds[f] for f in range(self.n_folds)]

    def discard(self, trial: Any) -> None:
        """Forget what a trial that did not complete (pruned, failed) left."""
        if self.active:
            with self._lock:
                self._open.pop(trial.number, None)


class _Predictions:
    """Each candidate's test predictions on every fold, and the metric of any weighted
    average of them, per fold."""

    def __init__(self, objective: Any, task: str) -> None:
        from sklearn.utils import _safe_indexing

        self.task = task
        self.metric = objective.metric
        self.classes = np.unique(np.asarray(objective.y)) if task == "classification" \
            else np.empty(0)
        self.folds = [(_safe_indexing(objective.X, tr), _safe_indexing(objective.y, tr),
                       _safe_indexing(objective.X, te), _safe_indexing(objective.y, te))
                      for tr, te in objective.splits]
        self.test: list[list[np.ndarray]] = []   # [candidate][fold]

    def add(self, build: Callable[[], Any], on_fold: Callable[[int], None]) -> None:
        """Cross-validate one candidate (`build()` gives it unfitted), keeping predictions."""
        test = []
        for i, (X_tr, y_tr, X_te, _) in enumerate(self.folds):
            model = build().fit(X_tr, y_tr)
            test.append(_fold_predictions(model, X_te, self.task, self.classes))
            on_fold(i)
        self.test.append(test)

    def scores(self, weights: np.ndarray) -> list[float]:
        """The metric, per fold, of the average of the candidates with these weights."""
        w = np.asarray(weights, float) / float(np.sum(weights))
        out = []
        for f, (_, _, X_te, y_te) in enumerate(self.folds):
            avg = sum(w[c] * self.test[c][f] for c in range(len(self.test)) if w[c] > 0)
            out.append(float(self.metric(_stand_in(np.asarray(avg), self.task, self.classes),
                                         X_te, y_te)))
        return out


def weigh_blend(pool: Sequence[TrialRecord], *, families: Families, objective: Any,
                task: str, deadline: float | None = None, refit_scale: float = 1.25,
                leader: TrialRecord | None = None, rounds: int = ROUNDS,
                stored: FoldPredictions | None = None) -> dict[str, Any] | None:
    """Cross-validate the `pool` (see `candidates`, `affordable`) again on the search's
    folds (`objective.splits`), pick the weighted average greedily on those folds, and
    decide whether it replaces the winner: only when it has two members or more and its
    mean beats every member's and the CV `leader`'s (its recorded folds). Returns what was
    weighed (None: fewer than two candidates, or the leader lacks a fold). Under a
    `deadline`, a candidate whose check would not finish in time is left out and named;
    the blend is not chosen, with the reason, when fewer than two are left or a fit fails."""
    from tuneforge.automl.quiet import ConvergenceCounter

    pool = [t for t in pool if t.state is TrialState.COMPLETE]
    if len(pool) < 2:
        return None
    metric = objective.metric
    n_folds = len(objective.splits)
    recorded = None
    if leader is not None:
        recorded = fold_scores(leader, metric.name)
        if recorded is None or len(recorded) != n_folds:
            return None  # the leader without every fold: no comparison on the same folds
    decision = not_weighed(pool, families, "")
    sign = 1.0 if metric.greater_is_better else -1.0
    started = time.perf_counter()
    try:
        preds = _Predictions(objective, task)
        refits = 0.0  # the refits of the candidates kept so far, should they be the members
        checked: list[int] = []
        with ConvergenceCounter():
            for c, member in enumerate(decision["candidates"]):
                refit = refit_seconds(pool[c], refit_scale)
                if stored is not None and pool[c].number in stored:
                    preds.test.append(stored.kept[pool[c].number])  # fitted in the search
                    checked.append(c)
                    refits += refit
                    continue
                fold_time = full_duration(pool[c], n_folds) / max(n_folds, 1)
                if deadline is not None and \
                        time.time() + fold_time * n_folds + refits + refit > deadline:
                    continue  # this one's check would not finish in time: the next?

                def on_fold(i: int, fold_time: float = fold_time,
                            refits: float = refits + refit) -> None:
                    if deadline is not None and i + 1 < n_folds \
                            and time.time() + fold_time + refits > deadline:
                        raise TimeoutError(f"the time budget ran out after fold {i}")

                try:
                    preds.add(partial(families.build_family, member["model"],
                                      member["params"]), on_fold)
                except TimeoutError:  # time is up: weigh the candidates checked so far
                    break
                checked.append(c)
                refits += refit
        if len(checked) < 2:
            raise TimeoutError(f"only {len(checked)} of {len(pool)} candidates could be "
                               "checked in the time left")
        late = [m for c, m in enumerate(decision["candidates"]) if c not in checked]
        pool = [pool[c] for c in checked]
        decision["candidates"] = [decision["candidates"][c] for c in checked]
        own = [preds.scores(np.eye(len(pool))[c]) for c in range(len(pool))]
        counts, _ = greedy_ensemble(lambda w: sign * float(np.mean(preds.scores(w))),
                                    len(pool), rounds)
        scores = preds.scores(counts.astype(float))
    except Exception as exc:  # a failed or late blend leaves the single winner
        decision["reason"] = f"not weighed: {type(exc).__name__}: {exc}"
        return decision
    members = [dict(m, weight=int(n) / int(counts.sum()))
               for m, n in zip(decision["candidates"], counts, strict=True) if n > 0]
    for m, s in zip(decision["candidates"], own, strict=True):
        m["cv_score"] = float(np.mean(s))
    leads = {describe([m]): paired_lead(scores, own[i], metric.greater_is_better)[0]
             for i, m in enumerate(decision["candidates"]) if counts[i] > 0}
    if leader is not None and recorded is not None:
        leads[f"CV leader {leader.params.get('model')} (trial {leader.number}, as recorded)"] \
            = paired_lead(scores, recorded, metric.greater_is_better)[0]
    chosen = len(members) > 1 and all(v > 0 for v in leads.values())
    mean = float(np.mean(scores))
    sem = float(np.std(scores, ddof=1) / math.sqrt(len(scores))) if len(scores) > 1 \
        else math.nan
    decision.update({
        MEMBERS: members, "cv_score": mean, "cv_sem": sem if math.isfinite(sem) else None,
        "train_score": None, "fold_scores": scores, "leads": leads,  # set at the refit
        "chosen": chosen, "seconds": time.perf_counter() - started,
        "reason": ("its CV mean beats every member's and the CV leader's on the same folds"
                   if chosen else "no average of two or more beats the best single one on "
                   "the same folds" if len(members) < 2 else
                   "its CV mean does not beat every member's and the CV leader's on the "
                   "same folds")
        + (f"; left out, their check would not have finished in time: {describe(late)}"
           if late else "")})
    decision["late"] = late
    return decision


def not_weighed(pool: Sequence[TrialRecord], families: Families,
                reason: str) -> dict[str, Any]:
    """The record of a blend of the `pool` that was not checked, and why."""
    pool_members = []
    for t in pool:
        family, params = families.unprefix(t.params)
        pool_members.append({"model": family, "trial": t.number, "params": params})
    return {MEMBERS: [dict(m) for m in pool_members], "candidates": pool_members,
            "chosen": False, "cv_score": None, "cv_sem": None, "train_score": None,
            "fold_scores": None, "reason": f"not weighed: {reason}"}


def blend_row(decision: dict[str, Any]) -> dict[str, Any]:
    """The leaderboard row of a chosen blend (ranked first)."""
    members = [dict(m, params=dict(m["params"])) for m in decision[MEMBERS]]
    return {"family": BLEND, "trials": 0, "failed": 0, "trial": None,
            "cv_score": decision["cv_score"], "cv_sem": decision["cv_sem"],
            "train_score": decision["train_score"], "holdout_score": None,
            "params": {MEMBERS: members}, "cv_recorded": {},
            "blend": f"average of {describe(members)}"}


def describe(members: Sequence[dict[str, Any]]) -> str:
    """'hgb_reg (trial 0) + extra_trees_reg (trial 12)', with weights when they differ:
    '0.6 × hgb_reg (trial 0) + 0.4 × mlp_reg (trial 7)'."""
    weights = {m.get("weight") for m in members}
    def one(m: dict[str, Any]) -> str:
        name = f"{m['model']} (trial {m['trial']})"
        return name if len(weights) < 2 or m.get("weight") is None else \
            f"{m['weight']:.2g} × {name}"
    return " + ".join(one(m) for m in members)


def is_blend(row: dict[str, Any]) -> bool:
    """True for the leaderboard row of a blend."""
    return bool(row.get("family") == BLEND and MEMBERS in (row.get("params") or {}))


__all__ = ["BLEND", "BLEND_SHARE", "MAX_CANDIDATES", "MEMBERS", "ROUNDS", "FoldPredictions",
           "affordable",
           "blend_cost", "blend_estimator", "blend_row", "build_blend", "candidates",
           "describe", "gives_proba", "is_blend", "member_name", "not_weighed", "weigh_blend"]
