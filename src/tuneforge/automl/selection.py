"""The result of a model selection: leaderboard per family, winner, hold-out check."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tuneforge.automl.families import MODEL_PARAM, Families
from tuneforge.trial.records import TrialRecord, TrialState

if TYPE_CHECKING:
    from rich.table import Table

    from tuneforge.automl.preprocess import ColumnTypes
    from tuneforge.evaluate import GapReport, HoldoutSplit, Metric
    from tuneforge.study import Study


def family_rows(trials: Sequence[TrialRecord], families: Families,
                metric: Metric, *, partial: bool = False) -> list[dict[str, Any]]:
    """One leaderboard row per family from its best COMPLETE trial, best CV score first;
    families without a complete trial come last with empty scores. `partial` also ranks
    PRUNED trials by the mean of the folds they ran (a time budget that ran out before
    any trial completed)."""
    rows = []
    for family in families.names:
        own = [t for t in trials if t.params.get(MODEL_PARAM) == family and t.state.is_finished]
        best: TrialRecord | None = None
        best_value = math.nan
        for t in own:  # ranked by the first objective when there are several
            value = t.values[0] if t.values else None
            if partial and t.state is TrialState.PRUNED:
                value = _finite(((t.user_attrs.get("cv") or {}).get("mean") or {}).get(
                    metric.name))
            if (t.state is TrialState.COMPLETE or partial) and value is not None \
                    and (best is None or metric.is_better(value, best_value)):
                best, best_value = t, value
        rows.append({
            "family": family,
            "trials": len(own),
            "failed": sum(t.state is TrialState.FAIL for t in own),
            **(trial_row(best, families, metric, best_value) if best is not None else {
                "trial": None, "cv_score": None, "cv_sem": None, "train_score": None,
                "holdout_score": None, "params": {}, "cv_recorded": {}}),
        })
    scored = [r for r in rows if r["cv_score"] is not None]
    sign = -1.0 if metric.greater_is_better else 1.0

    def rank(row: dict[str, Any]) -> tuple[float, int]:
        return sign * row["cv_score"], row["trial"]

    scored.sort(key=rank)
    return scored + [r for r in rows if r["cv_score"] is None]


def trial_row(trial: TrialRecord, families: Families, metric: Metric,
              value: float | None = None) -> dict[str, Any]:
    """The leaderboard fields that come from one trial (`value`: its score, default its
    first objective)."""
    if value is None:
        value = trial.values[0] if trial.values else math.nan
    return {"trial": trial.number, "cv_score": _finite(value),
            "cv_sem": _cv_sem(trial, metric.name),
            "train_score": _finite(trial.user_attrs.get("train_score")),
            "holdout_score": None, "params": families.unprefix(trial.params)[1],
            "cv_recorded": _recorded(trial, metric.name)}


def fit_flags(rows: list[dict[str, Any]], metric: Metric) -> None:
    """Mark each ranked row ``fit``: over-fitting (train far better than CV), under-fitting
    (train and CV agree but CV trails the leader beyond the noise) or ok."""
    from tuneforge.evaluate.fitting import fit_diagnosis

    if not rows or rows[0]["cv_score"] is None:
        return
    leader = rows[0]
    for row in rows:
        if row["cv_score"] is None or row.get("train_score") is None:
            continue
        nan = math.nan
        row["fit"] = fit_diagnosis(
            metric, row["train_score"], row["cv_score"],
            nan if row["cv_sem"] is None else row["cv_sem"],
            best=None if row is leader else leader["cv_score"],
            best_sem=leader["cv_sem"])


def _recorded(trial: TrialRecord, primary: str) -> dict[str, float | None]:
    """The CV means of the metrics recorded besides the optimized one (several metrics)."""
    means = (trial.user_attrs.get("cv") or {}).get("mean") or {}
    return {k: _finite(v) for k, v in means.items() if k != primary}


def _cv_sem(trial: TrialRecord, metric_name: str) -> float | None:
    cv = trial.user_attrs.get("cv") or {}
    value = (cv.get("sem") or {}).get(metric_name)
    return _finite(value)


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _num(value: float | None, sem: float | None = None) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}" if sem is None else f"{value:.4g} ± {sem:.2g}"


@dataclass
class Selection:
    """What `select` found: the study, the leaderboard, the refitted winner, the gap check.

    `best_model` is fitted on the search part (every row but the hold-out); the leaderboard
    is ranked by CV score, since choosing by the hold-out would spend it.
    """

    study: Study
    task: str
    metric: Metric
    families: Families
    leaderboard: list[dict[str, Any]]
    best_model: Any
    gap: GapReport | None
    holdout_split: HoldoutSplit | None
    # several objectives: the Pareto front (rows as `front_rows`) and the one chosen
    # from it (the knee), which is then the winner: best_family, best_params, best_model
    front: list[dict[str, Any]] | None = None
    choice: dict[str, Any] | None = None
    # a table's columns by how they are used (None: a numeric matrix used as it is)
    columns: ColumnTypes | None = None
    # the CV winner weighed against the default baseline (`tuneforge.automl.baseline`)
    baseline: dict[str, Any] | None = None
    # a weighted average of the best trials, as weighed (`tuneforge.automl.blend`)
    blend: dict[str, Any] | None = None

    @property
    def notes(self) -> list[str]:
        """What the preprocessing left out of the table, and why."""
        return [] if self.columns is None else self.columns.notes

    @property
    def holdout_interval(self) -> tuple[float, float] | None:
        """The winner's hold-out score +- 1.96 standard errors (about 95%), or None."""
        return None if self.gap is None else self.gap.holdout_interval

    @property
    def best_family(self) -> str:
        return (self.choice or self.leaderboard[0])["family"]

    @property
    def best_params(self) -> dict[str, Any]:
        """The winner's hyperparameters, without the family prefix."""
        return dict((self.choice or self.leaderboard[0])["params"])

    def new_estimator(self, family: str | None = None) -> Any:
        """An unfitted estimator with a family's best parameters (default: the winner),
        e.g. to refit on every row once the hold-out check is done."""
        if family is None and self.choice is not None:
            return self.families.build_family(self.choice["family"], self.choice["params"])
        from tuneforge.automl.blend import build_blend, is_blend

        family = family or self.best_family
        for row in self.leaderboard:
            if row["family"] == family and is_blend(row):
                return build_blend(self.families, row["params"]["members"], self.task)
            if row["family"] == family and row["trial"] is not None:
                return self.families.build_family(family, row["params"])
        raise KeyError(f"model {family!r} has no complete trial; families with one: "
                       f"{[r['family'] for r in self.leaderboard if r['trial'] is not None]}")

    def table(self) -> Table:
        """The leaderboard as a rich Table, the gap check as its caption."""
        from rich.table import Table

        from tuneforge.display import plain

        name = self.metric.name
        better = "higher" if self.metric.greater_is_better else "lower"
        table = Table(title=plain(f"model selection: {name} ({better} is better), study "
                                  f"{self.study.study_name!r}"),
                      caption=None if self.gap is None else plain(self.gap.message))
        recorded = list(dict.fromkeys(k for row in self.leaderboard
                                      for k in row.get("cv_recorded", {})))
        for column in ("#", "model", "trials", f"CV {name}", f"hold-out {name}",
                       *(f"CV {m}" for m in recorded), f"train {name}", "fit"):
            table.add_column(plain(column), no_wrap=True)
        table.add_column("params", overflow="fold")
        for i, row in enumerate(self.leaderboard, 1):
            trials = str(row["trials"]) + (f" ({row['failed']} failed)" if row["failed"] else "")
            params = ", ".join(f"{k}={_short(v)}" for k, v in row["params"].items())
            if row.get("blend"):  # a weighted average of trials, named
                trials, params = "-", str(row["blend"])
            others = [_num(row.get("cv_recorded", {}).get(m)) for m in recorded]
            table.add_row(str(i), plain(row["family"]), trials,
                          _num(row["cv_score"], row["cv_sem"]), _num(row["holdout_score"]),
                          *others, _num(row.get("train_score")), plain(row.get("fit", "-")),
                          plain(params))
        return table

    def front_table(self) -> Table:
        """The Pareto front (several objectives) as a rich Table, the knee marked."""
        from rich.table import Table

        from tuneforge.display import plain

        if not self.front:
            raise ValueError("this selection optimized one metric: it has no front")
        names = list(self.front[0]["scores"])
        table = Table(title=plain(f"Pareto front of {self.study.study_name!r}: "
                                  f"{len(self.front)} trials (* = knee, chosen)"))
        for column in ("#", "trial", "model", *names, "params"):
            table.add_column(plain(column), no_wrap=column != "params")
        for i, row in enumerate(self.front, 1):
            params = ", ".join(f"{k}={_short(v)}" for k, v in row["params"].items())
            table.add_row(f"{i}{'*' if row['knee'] else ''}", str(row["trial"]),
                          plain(row["family"]), *(_num(row["scores"][m]) for m in names),
                          plain(params))
        return table

    def to_json(self) -> dict[str, Any]:
        """Everything but the fitted model and the study object, as JSON values."""
        return {
            **({"front": [dict(r) for r in self.front], "choice": dict(self.choice or {})}
               if self.front is not None else {}),
            "study_name": self.study.study_name,
            "task": self.task,
            "metric": self.metric.name,
            "direction": self.metric.direction,
            "best_family": self.best_family,
            "best_params": self.best_params,
            "leaderboard": [dict(r, params=dict(r["params"]),
                                 cv_recorded=dict(r.get("cv_recorded", {})))
                            for r in self.leaderboard],
            "gap": None if self.gap is None else self.gap.to_json(),
            "holdout": None if self.holdout_split is None else self.holdout_split.to_json(),
            "columns": None if self.columns is None else self.columns.to_json(),
            "baseline": None if self.baseline is None else dict(self.baseline),
            "blend": None if self.blend is None else dict(self.blend),
        }


def front_rows(front: Sequence[TrialRecord], knee: TrialRecord, families: Families,
               objectives: Sequence[str], *, best_first: bool = False) -> list[dict[str, Any]]:
    """One row per Pareto-optimal trial, in the order of its first objective (ascending;
    `best_first` for a maximized one): trial number, family, params, the objectives' CV
    means, and whether it is the knee."""
    rows = []
    for t in sorted(front, key=lambda t: (t.values or (0.0,))[0], reverse=best_first):
        family, params = families.unprefix(t.params)
        rows.append({"trial": t.number, "family": family, "params": params,
                     "scores": {m: _finite(v) for m, v in
                                zip(objectives, t.values or (), strict=True)},
                     "knee": t.number == knee.number})
    return rows


def _short(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


__all__ = ["Selection", "family_rows", "front_rows", "trial_row"]
