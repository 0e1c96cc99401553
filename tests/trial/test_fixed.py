"""FixedTrial: replaying an objective on given parameters, outside any study."""

import pytest

import tuneforge as tf
from tests.study._objectives import quadratic
from tuneforge import Categorical, Float, Int, SearchSpace


def test_fixed_trial_replays_an_objective():
    study = tf.create_study(seed=0)
    study.optimize(quadratic, n_trials=5)
    replay = quadratic(tf.FixedTrial(study.best_params))
    assert replay == study.best_value
    with pytest.raises(tf.SearchSpaceError, match="no value for parameter 'x'"):
        quadratic(tf.FixedTrial({}))


def test_fixed_trial_checks_each_value_against_its_distribution():
    trial = tf.FixedTrial({"x": 0.5, "n": 3, "c": "b", "far": 7.0})
    assert trial.suggest_float("x", 0, 1) == 0.5
    assert trial.suggest_int("n", 1, 5) == 3
    assert trial.suggest_categorical("c", ["a", "b"]) == "b"
    with pytest.raises(tf.SearchSpaceError, match="'far': value 7.0 is outside"):
        trial.suggest_float("far", 0, 1)
    with pytest.raises(tf.SearchSpaceError, match="'lr'.*log=True needs low > 0"):
        trial.suggest_float("lr", 0, 1, log=True)
    assert trial.params == {"x": 0.5, "n": 3, "c": "b"}  # only what was asked and fit


def test_fixed_trial_declared_space_report_and_attrs():
    space = SearchSpace({"a": Float(0, 1), "b": Int(0, 9), "k": Categorical(("u", "v"))})
    trial = tf.FixedTrial({"a": 0.25, "b": 4, "k": "v"}, number=7)
    assert trial.suggest_space(space) == {"a": 0.25, "b": 4, "k": "v"}
    assert trial.suggest("a", Float(0, 1)) == 0.25 and trial.number == 7
    trial.report(0.5, 2)
    trial.set_user_attr("note", "replay")
    assert trial.intermediate == {2: 0.5} and trial.user_attrs == {"note": "replay"}
    assert trial.should_prune() is False


def test_fixed_trial_accepts_numpy_numbers_and_returns_python_values():
    import numpy as np

    trial = tf.FixedTrial({"x": np.float32(0.5), "n": np.int64(3), "c": np.str_("b")})
    x = trial.suggest_float("x", np.float32(0), np.array(1.0))
    n = trial.suggest_int("n", np.int64(1), np.int32(5))
    c = trial.suggest_categorical("c", [np.str_("a"), np.str_("b")])
    assert (x, n, c) == (0.5, 3, "b") and [type(v) for v in (x, n, c)] == [float, int, str]
    trial.report(np.float32(0.25), np.int64(1))
    assert trial.intermediate == {1: 0.25}
    with pytest.raises(ValueError, match="too large"):
        trial.report(10**400, 2)
