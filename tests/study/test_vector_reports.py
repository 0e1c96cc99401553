"""`trial.report` of a vector (one value per objective): checked, stored exactly in every
storage, read back as `intermediate_vectors`; single-objective reports unchanged."""

import math

import numpy as np
import pytest

import tuneforge as tf
from tuneforge.exceptions import TuneforgeError
from tuneforge.storage import events as ev


@pytest.fixture(params=["memory", "sqlite"])
def storage(request, tmp_path):
    return None if request.param == "memory" else f"sqlite:///{tmp_path / 'v.db'}"


def test_vectors_are_stored_exactly_and_read_back(storage):
    study = tf.create_study("v", directions=["minimize", "maximize"], storage=storage)
    trial = study.ask()
    trial.report([0.1 + 0.2, 1e300], 0)
    trial.report(np.array([math.inf, -2.5]), 3)
    study.tell(trial, [1.0, 2.0])
    again = tf.load_study("v", storage=study.storage) if storage else study
    record = again.trials[0]
    assert dict(record.intermediate_vectors) == {0: (0.1 + 0.2, 1e300), 3: (math.inf, -2.5)}
    assert dict(record.intermediate) == {} and record.last_step == 3


def test_a_later_report_at_a_step_replaces_the_earlier_one():
    study = tf.create_study(directions=["minimize", "minimize"])
    trial = study.ask()
    trial.report([1.0, 2.0], 0)
    trial.report([3.0, 4.0], 0)
    assert dict(trial.record.intermediate_vectors) == {0: (3.0, 4.0)}


@pytest.mark.parametrize("value, message", [
    ([1.0], r"got 1 value\(s\) for a study with 2 objective"),
    ([1.0, 2.0, 3.0], r"got 3 value"), ([1.0, math.nan], "NaN"),
    ([1.0, "x"], "reported value"),
])
def test_bad_vectors_are_clear_errors(value, message):
    study = tf.create_study(directions=["minimize", "minimize"])
    trial = study.ask()
    with pytest.raises(ValueError, match=message):
        trial.report(value, 0)
    assert not trial.record.intermediate_vectors


def test_single_objective_reports_keep_their_format():
    study = tf.create_study()
    trial = study.ask()
    trial.report(0.5, 0)
    trial.report([0.25], 1)  # a vector of one is the plain value
    assert dict(trial.record.intermediate) == {0: 0.5, 1: 0.25}
    assert not trial.record.intermediate_vectors
    assert ev.intermediate("k", 0, 0.5)["value"] == 0.5  # the event format is unchanged


def test_median_pruner_refuses_vectors_naming_pareto_pruner():
    study = tf.create_study(pruner=tf.MedianPruner())
    trial = study.ask()
    trial.report([0.5], 0)  # a plain value: fine
    assert trial.should_prune() is False
    multi = tf.create_study(directions=["minimize", "minimize"], pruner=tf.MedianPruner())
    trial = multi.ask()
    trial.report([0.5, 1.0], 0)
    with pytest.raises(TuneforgeError, match="use ParetoPruner"):
        trial.should_prune()


def test_fixed_trial_takes_vectors():
    fixed = tf.FixedTrial({"x": 1.0})
    fixed.report([1.0, 2.0], 0)
    fixed.report(3.0, 1)
    assert fixed.intermediate_vectors == {0: (1.0, 2.0)} and fixed.intermediate == {1: 3.0}
