"""The Executor seam: optimize(executor=...) hands a Run to any object with run(study,
run); a Run checks its budget, objective and catch."""

import pytest

import tuneforge as tf
from tests.study import _objectives as objectives
from tuneforge import TrialState
from tuneforge.execution import Executor, Run, SerialExecutor


class CountingExecutor:
    """A third-party executor: the serial loop, counting the runs it was handed."""

    def __init__(self) -> None:
        self.runs: list[Run] = []

    def run(self, study, run):
        self.runs.append(run)
        SerialExecutor().run(study, run)


def test_optimize_hands_the_run_to_the_given_executor():
    executor = CountingExecutor()
    study = tf.create_study(seed=0)
    seen = []
    study.optimize(objectives.quadratic, n_trials=5, executor=executor, timeout=60,
                   callbacks=[lambda s, t: seen.append(t.number)])
    assert isinstance(executor, Executor)
    (run,) = executor.runs
    assert (run.n_trials, run.timeout, run.objective) == (5, 60, objectives.quadratic)
    assert seen == [0, 1, 2, 3, 4]
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 5


@pytest.mark.parametrize("kwargs, match", [
    ({"n_trials": -1}, "n_trials"), ({"n_trials": 1.5}, "n_trials"),
    ({"timeout": 0}, "timeout"), ({"timeout": "5"}, "timeout"),
    ({"timeout": float("nan")}, "timeout"), ({"n_trials": True}, "n_trials"),
])
def test_run_checks_its_budget(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Run(objective=objectives.quadratic, **kwargs)


def test_run_checks_objective_and_catch():
    with pytest.raises(TypeError, match="callable"):
        Run(objective=3)
    with pytest.raises(TypeError, match="catch"):
        Run(objective=objectives.quadratic, catch=ValueError)


def test_run_accepts_numpy_budgets():
    import numpy as np

    run = Run(objective=objectives.quadratic, n_trials=np.int64(3), timeout=np.float32(60))
    assert type(run.n_trials) is int and run.n_trials == 3
    assert type(run.timeout) is float and run.timeout == 60.0
    study = tf.create_study()
    study.optimize(objectives.quadratic, n_trials=np.array(2))
    assert len(study.trials) == 2
