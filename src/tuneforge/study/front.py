"""Choosing from a Pareto front: the knee, the best under a weighting, the best in one
objective under limits on the others ("best accuracy with size <= X").

Each takes the trials and the study's directions (`Study.knee_trial`, `weighted_best`
and `best_under` pass their own); objectives are named by index or by metric name
(`Study.set_metric_names`). The front is `analysis.pareto_trials`: COMPLETE trials,
feasible ones first when trials carry outcome constraints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from tuneforge.exceptions import TuneforgeError
from tuneforge.math.arrays import FloatArray
from tuneforge.math.knee import knee_index, normalize_front, weighted_index
from tuneforge.study.analysis import _candidates, pareto_trials
from tuneforge.trial.records import Direction, TrialRecord

Objective = int | str


def _signs(directions: Sequence[Direction]) -> FloatArray:
    return np.array([-1.0 if d is Direction.MAXIMIZE else 1.0 for d in directions])


def _costs(trials: Sequence[TrialRecord], directions: Sequence[Direction]) -> FloatArray:
    # COMPLETE trials of the front: their values are set
    costs: FloatArray = np.array([t.values for t in trials], dtype=float) * _signs(directions)
    return costs


def objective_index(objective: Objective, directions: Sequence[Direction],
                    names: Sequence[str] | None = None) -> int:
    """The index of `objective` (an index, or a name in `names`); a ValueError naming
    the objectives there are."""
    n = len(directions)
    if isinstance(objective, bool):
        raise ValueError(f"objective must be an index or a metric name, got {objective!r}")
    if isinstance(objective, int):
        if 0 <= objective < n:
            return objective
        raise ValueError(f"objective {objective} is out of range: the study has {n} "
                         "objectives (0-based)")
    if names and objective in names:
        return list(names).index(objective)
    known = f"metric names {list(names)}" if names else "no metric names (set_metric_names)"
    raise ValueError(f"no objective named {objective!r}: the study has {known}; or give "
                     f"an index 0..{n - 1}")


def _front(trials: Sequence[TrialRecord], directions: Sequence[Direction],
           study_name: str) -> list[TrialRecord]:
    front = pareto_trials(trials, directions)
    if not front:
        raise TuneforgeError(f"study {study_name!r} has no COMPLETE trial yet")
    return front


def knee_trial(trials: Sequence[TrialRecord], directions: Sequence[Direction], *,
               study_name: str = "") -> TrialRecord:
    """The knee of the Pareto front: after scaling each objective to [0, 1] over the
    front, the trial farthest from the line (hyperplane) through the front's extremes
    toward the ideal point, i.e. where giving up a little of one objective buys the most
    of the others (`tuneforge.math.knee.knee_index`). One objective: the best trial."""
    front = _front(trials, directions, study_name)
    return front[knee_index(_costs(front, directions))]


def weighted_best(trials: Sequence[TrialRecord], directions: Sequence[Direction],
                  weights: Sequence[float] | Mapping[Objective, float], *,
                  names: Sequence[str] | None = None, normalize: bool = True,
                  study_name: str = "") -> TrialRecord:
    """The front trial minimizing the weighted sum of its objectives, each scaled to
    [0, 1] over the front (0 the best), so weights are relative importances free of
    units; `normalize=False` weighs the raw values (maximized ones negated). `weights`
    is one per objective, or a dict by index or name (missing ones weigh 0)."""
    front = _front(trials, directions, study_name)
    if isinstance(weights, Mapping):
        w = np.zeros(len(directions))
        for key, v in weights.items():
            w[objective_index(key, directions, names)] = float(v)
    else:
        w = np.asarray(list(weights), dtype=float)
    return front[weighted_index(_costs(front, directions), w, normalize=normalize)]


def best_under(trials: Sequence[TrialRecord], directions: Sequence[Direction],
               objective: Objective, limits: Mapping[Objective, float], *,
               names: Sequence[str] | None = None, study_name: str = "") -> TrialRecord:
    """The best trial in `objective` among the COMPLETE (feasible) trials whose other
    objectives stay within `limits`: at most the limit for a minimized objective, at
    least it for a maximized one ("best accuracy with size <= X":
    ``best_under(..., "accuracy", {"model_size": X})``). Ties go to the trial with the
    smaller sum of the other objectives' normalized costs, then the lower number; a
    TuneforgeError when no trial is within the limits."""
    j = objective_index(objective, directions, names)
    bounds = {objective_index(k, directions, names): float(v) for k, v in limits.items()}
    done = _candidates(trials)
    if not done:
        raise TuneforgeError(f"study {study_name!r} has no COMPLETE trial yet")
    signs = _signs(directions)
    costs = _costs(done, directions)
    ok = np.ones(len(done), dtype=bool)
    for k, bound in bounds.items():
        ok &= costs[:, k] <= signs[k] * bound
    if not ok.any():
        said = ", ".join(f"{_name(k, names)} {'>=' if signs[k] < 0 else '<='} {v:g}"
                         for k, v in bounds.items())
        raise TuneforgeError(f"study {study_name!r}: no COMPLETE trial has {said}")
    rows = np.flatnonzero(ok)
    others = [k for k in range(len(directions)) if k != j]
    rest = normalize_front(costs[rows][:, others]).sum(axis=1) if others else np.zeros(len(rows))
    order = np.lexsort((np.array([done[i].number for i in rows]), rest, costs[rows, j]))
    return done[int(rows[order[0]])]


def _name(k: int, names: Sequence[str] | None) -> str:
    return names[k] if names and k < len(names) else f"objective {k}"


__all__ = ["best_under", "knee_trial", "objective_index", "weighted_best"]
