"""Studies with every kind of record the dashboard shows, written to a SQLite file."""

from __future__ import annotations

import tuneforge as tf
from tuneforge.exceptions import TrialPruned
from tuneforge.samplers import RandomSampler


def objective(trial: tf.Trial) -> float:
    lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
    depth = trial.suggest_int("depth", 1, 8)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    value = (lr - 0.1) ** 2 + 0.01 * depth + (0.2 if kind == "b" else 0.0)
    for step in range(3):
        trial.report(value + 0.1 * (2 - step), step)
        if trial.should_prune():
            raise TrialPruned()
    folds = [value - 0.01, value, value + 0.01]
    trial.set_user_attr("cv", {"scores": {"loss": folds}, "train_scores": {"loss": [
        v - 0.05 for v in folds]}})
    trial.set_user_attr("provenance", {"git": "abc123", "data": "sha256:feed"})
    if trial.number == 3:
        raise RuntimeError("boom on purpose")
    return value


def make_single(url: str, n: int = 12, name: str = "single") -> tf.Study:
    study = tf.create_study(name, storage=url, sampler=RandomSampler(seed=0),
                            load_if_exists=True)
    study.optimize(objective, n_trials=n, catch=(RuntimeError,))
    return study


def make_multi(url: str, n: int = 10) -> tf.Study:
    study = tf.create_study("multi", storage=url, directions=["minimize", "maximize"],
                            sampler=RandomSampler(seed=1), load_if_exists=True)
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)),
                   n_trials=n)
    return study
