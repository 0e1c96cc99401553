"""SerialExecutor: the worker loop in this process, with the run's budget, callbacks and
progress total."""

import tuneforge as tf
from tests.study import _objectives as objectives
from tuneforge import TrialState
from tuneforge.execution import Run, SerialExecutor


def test_grid_progress_total():
    from tuneforge.execution.serial import expected_trials

    study = tf.create_study(sampler=tf.GridSampler({"a": [1, 2, 3]}))
    assert expected_trials(study, None) == 3
    assert expected_trials(study, 2) == 2
    study.optimize(lambda t: t.suggest_categorical("a", [1, 2, 3]), n_trials=1)
    assert expected_trials(study, None) == 2


def test_serial_executor_runs_the_budget_and_calls_back_in_order():
    study = tf.create_study(seed=0)
    seen = []

    def callback(s, record):
        seen.append((s is study, record.number, record.state))

    SerialExecutor().run(study, Run(objective=objectives.quadratic, n_trials=3,
                                    callbacks=(callback,)))
    assert seen == [(True, n, TrialState.COMPLETE) for n in range(3)]
    assert repr(SerialExecutor()) == "SerialExecutor()"


def test_serial_executor_stops_when_the_study_is_stopped():
    study = tf.create_study(seed=0)

    def stop_after_two(s, record):
        if record.number == 1:
            s.stop()

    SerialExecutor().run(study, Run(objective=objectives.quadratic, n_trials=10,
                                    callbacks=(stop_after_two,)))
    assert len(study.trials) == 2
