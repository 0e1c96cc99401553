"""Stop a search when its recent gains are smaller than the CV noise.

Once the best CV score moves by less than its own standard error over folds, further
trials mostly pick winners by fold noise (and over-tune the folds). `NoiseAwareStopping`
is a study callback: after each trial it compares the best of the last `patience` COMPLETE
trials with the best trial before them, and stops the study when the gain is not larger
than `threshold` times that earlier best trial's CV standard error (user attribute "cv" ->
"sem", as `cross_val_objective` stores it). Without a recorded standard error it stops
when the last `patience` trials brought no gain at all.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tuneforge.exceptions import TuneforgeError
from tuneforge.math.numbers import unwrap
from tuneforge.trial.records import Direction, TrialRecord, TrialState

if TYPE_CHECKING:
    from tuneforge.study.study import Study


def window_gain(values: Sequence[float], patience: int, maximize: bool) -> tuple[int, float]:
    """(index of the best value before the last `patience`, how much the best of the last
    `patience` improves on it; positive: better). Needs len(values) > patience."""
    if not 0 < patience < len(values):
        raise ValueError(f"need more than patience={patience} values, got {len(values)}")
    sign = 1.0 if maximize else -1.0
    before = [sign * v for v in values[:-patience]]
    incumbent = max(range(len(before)), key=lambda i: (before[i], -i))
    gain = max(sign * v for v in values[-patience:]) - before[incumbent]
    return incumbent, 0.0 if math.isnan(gain) else gain  # inf - inf: no gain


def cv_sem(trial: TrialRecord, metric: str | None = None) -> float | None:
    """The CV standard error stored on a trial (user attr "cv" -> "sem"), or None.

    `metric=None`: the metric whose CV mean is the trial's value, else the first recorded.
    """
    cv = trial.user_attrs.get("cv")
    if not isinstance(cv, Mapping) or not isinstance(cv.get("sem"), Mapping):
        return None
    sems: Mapping[str, Any] = cv["sem"]
    if metric is None:
        means = cv.get("mean")
        means = means if isinstance(means, Mapping) else {}
        value = trial.values[0] if trial.values else None
        matching = [m for m in sems if means.get(m) == value]
        metric = matching[0] if matching else next(iter(sems), None)
    sem = sems.get(metric) if metric is not None else None
    if isinstance(sem, bool) or not isinstance(sem, (int, float)):
        return None
    return float(sem) if math.isfinite(sem) and sem >= 0 else None


class NoiseAwareStopping:
    """A study callback that stops when the last `patience` COMPLETE trials did not beat
    the best earlier trial by more than `threshold` CV standard errors (module doc).

    It never stops before `min_trials` COMPLETE trials (nor before patience + 1). `reason`
    says why it stopped; the study gets the user attribute "stopped_by".
    """

    def __init__(self, patience: int = 10, metric: str | None = None, min_trials: int = 10,
                 threshold: float = 1.0) -> None:
        patience, min_trials, threshold = (unwrap(v) for v in (patience, min_trials, threshold))
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"patience must be an integer >= 1, got {patience!r}")
        if isinstance(min_trials, bool) or not isinstance(min_trials, int) or min_trials < 0:
            raise ValueError(f"min_trials must be an integer >= 0, got {min_trials!r}")
        if isinstance(threshold, bool) or not (isinstance(threshold, (int, float))
                                               and math.isfinite(threshold) and threshold >= 0):
            raise ValueError(f"threshold must be a finite number >= 0, got {threshold!r}")
        self.patience = patience
        self.metric = metric
        self.min_trials = min_trials
        self.threshold = float(threshold)
        self.reason: str | None = None

    def __repr__(self) -> str:
        return (f"NoiseAwareStopping(patience={self.patience}, metric={self.metric!r}, "
                f"min_trials={self.min_trials}, threshold={self.threshold})")

    def __call__(self, study: Study, trial: TrialRecord) -> None:
        if len(study.directions) != 1:
            raise TuneforgeError(f"NoiseAwareStopping needs a single-objective study; "
                                 f"{study.study_name!r} has {len(study.directions)}")
        complete = [t for t in study.get_trials([TrialState.COMPLETE]) if t.values]
        if len(complete) < max(self.min_trials, self.patience + 1):
            return
        maximize = study.direction is Direction.MAXIMIZE
        i, gain = window_gain([t.values[0] for t in complete],  # type: ignore[index]
                              self.patience, maximize)
        incumbent = complete[i]
        sem = cv_sem(incumbent, self.metric)
        noise = self.threshold * sem if sem is not None else 0.0
        if gain > noise:
            return
        if sem is None:
            self.reason = (f"no gain in the last {self.patience} complete trials over trial "
                           f"{incumbent.number} (no CV standard error recorded on it)")
        else:
            self.reason = (f"the last {self.patience} complete trials improved on trial "
                           f"{incumbent.number} by {gain:.4g}, not more than {self.threshold:g}"
                           f" x its CV standard error {sem:.4g}")
        study.set_user_attr("stopped_by", {
            "rule": "NoiseAwareStopping", "reason": self.reason, "trial": trial.number,
            "incumbent": incumbent.number, "gain": gain if math.isfinite(gain) else None,
            "noise": noise, "sem_recorded": sem is not None})
        study.stop()


__all__ = ["NoiseAwareStopping", "cv_sem", "window_gain"]
