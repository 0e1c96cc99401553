"""Choosing from a study's front: knee, weights, thresholds, by index or metric name."""

import pytest

import tuneforge as tf
from tuneforge.exceptions import TuneforgeError
from tuneforge.study import best_under, knee_trial, weighted_best

# accuracy (maximize) vs size (minimize); trial 4 (0.7, 5) is dominated by trial 1
POINTS = [(0.5, 1.0), (0.8, 2.0), (0.9, 10.0), (0.95, 100.0), (0.7, 5.0)]


def study_of(points=POINTS, constraints=None):
    study = tf.create_study(directions=["maximize", "minimize"], seed=0)
    study.set_metric_names(["accuracy", "size"])
    for i, values in enumerate(points):
        trial = study.ask()
        if constraints is not None:
            trial.set_constraint(constraints[i])
        study.tell(trial, list(values))
    return study


def test_knee_trial_on_a_hand_made_front():
    study = study_of()
    assert [t.number for t in study.best_trials] == [0, 1, 2, 3]
    # scaled: costs (1, 0), (.33, .01), (.11, .09), (0, 1): trial 2 is farthest below
    # the line through the ends
    assert study.knee_trial().number == 2
    assert knee_trial(study.trials, study.directions).number == 2


def test_weighted_best_by_list_by_name_and_raw():
    study = study_of()
    assert study.weighted_best([1, 0]).number == 3
    assert study.weighted_best({"size": 1}).number == 0
    assert study.weighted_best({"accuracy": 1, "size": 1}).number == 2
    # raw values: size dominates the sum, accuracy is negated
    assert study.weighted_best([1, 1], normalize=False).number == 0
    assert weighted_best(study.trials, study.directions, {1: 1.0}).number == 0


def test_best_under_limits_on_the_others():
    study = study_of()
    assert study.best_under("accuracy", {"size": 10}).number == 2
    assert study.best_under("accuracy", {"size": 9.99}).number == 1
    assert study.best_under("size", {"accuracy": 0.85}).number == 2
    assert best_under(study.trials, study.directions, 0, {}).number == 3
    with pytest.raises(TuneforgeError, match="no COMPLETE trial has size <= 0.5"):
        study.best_under("accuracy", {"size": 0.5})


def test_choices_skip_infeasible_trials():
    study = study_of(constraints=[[0], [0], [1.0], [0], [0]])  # trial 2 infeasible
    assert study.knee_trial().number == 1
    assert study.best_under("accuracy", {"size": 10}).number == 1


def test_unknown_objectives_are_named():
    study = study_of()
    with pytest.raises(ValueError, match=r"no objective named 'f1'.*\['accuracy', 'size'\]"):
        study.best_under("f1", {})
    with pytest.raises(ValueError, match="out of range: the study has 2 objectives"):
        study.weighted_best({5: 1.0})
    with pytest.raises(ValueError, match="2 distinct names"):
        study.set_metric_names(["a"])
    assert study.metric_names == ["accuracy", "size"]


def test_an_empty_study_has_no_knee():
    study = tf.create_study(directions=["minimize", "minimize"])
    with pytest.raises(TuneforgeError, match="no COMPLETE trial yet"):
        study.knee_trial()
    assert study.metric_names is None
