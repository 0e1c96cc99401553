"""Hand-made learning curves for the pruner tests: records, snapshots, and a study that
runs one fixed curve per trial number and says where each trial stopped."""

from collections.abc import Sequence

import tuneforge as tf
from tuneforge import TrialState
from tuneforge.storage.cached import Snapshot
from tuneforge.trial.records import Direction, TrialRecord


def rec(number: int, curve: dict[int, float], state: TrialState = TrialState.COMPLETE,
        value: float | None = None) -> TrialRecord:
    values = None if value is None else (value,)
    return TrialRecord(number=number, key=f"k{number}", state=state, intermediate=curve,
                       values=values)


def hist(trials: Sequence[TrialRecord], direction: Direction = Direction.MINIMIZE,
         seed: int = 0) -> Snapshot:
    return Snapshot((direction,), list(trials), seed=seed)


def stops(pruner: object, curves: Sequence[dict[int, float]], *,
          direction: str = "minimize", **study_kw: object) -> list[int | None]:
    """Run one trial per curve, in order; the step each stopped at (None: completed)."""
    study = tf.create_study(direction=direction, pruner=pruner, seed=0, **study_kw)

    def objective(trial: tf.Trial) -> float:
        trial.suggest_float("x", 0, 1)
        curve = curves[trial.number]
        for step in sorted(curve):
            trial.report(curve[step], step)
            if trial.should_prune():
                raise tf.TrialPruned()
        return curve[max(curve)]

    study.optimize(objective, n_trials=len(curves))
    return [t.last_step if t.state is TrialState.PRUNED else None for t in study.trials]
