"""The pruner seam: a Decision that says why, stored on the trial when it prunes."""

import math

import numpy as np
import pytest

import tuneforge as tf
from tuneforge import TrialState
from tuneforge.pruners import Decision, NopPruner


def test_decision_constructors():
    go = Decision.to_continue()
    assert go.prune is False and go.reason == "" and dict(go.attrs) == {}
    stop = Decision.to_prune("rung 2", attrs={"rung": 2, "bracket": [1, 3]})
    assert stop.prune is True and stop.reason == "rung 2"
    assert dict(stop.attrs) == {"rung": 2, "bracket": [1, 3]}
    with pytest.raises(TypeError):
        stop.attrs["rung"] = 3  # frozen, attrs included
    assert NopPruner().decide(None, None) == Decision.to_continue()


@pytest.mark.parametrize("kwargs, what", [
    ({"prune": "prune"}, "prune"),
    ({"prune": True, "reason": 3}, "reason"),
    ({"prune": True, "attrs": {1: "x"}}, "attrs"),
    ({"prune": True, "attrs": {"x": object()}}, "JSON"),
])
def test_a_bad_decision_names_the_field(kwargs, what):
    with pytest.raises(TypeError, match=what):
        Decision(**kwargs)


class Always:
    def __init__(self, answer):
        self.answer = answer

    def __repr__(self):
        return "Always()"

    def decide(self, trial, history):
        return self.answer


def _run(pruner, message=""):
    def objective(trial):
        trial.report(1.0, 0)
        if trial.should_prune():
            raise tf.TrialPruned(message)
        return 1.0

    study = tf.create_study(seed=0, pruner=pruner)
    study.optimize(objective, n_trials=1, catch=())
    return study.trials[0]


def test_numpy_and_non_finite_attrs_are_json_values():
    d = Decision.to_prune("far off", attrs={"n": np.int64(3), "v": math.inf, "a": np.ones(2)})
    assert d.attrs["v"] == math.inf


def test_a_prune_stores_its_attributes_and_reason_on_the_trial():
    t = _run(Always(Decision.to_prune("too slow", attrs={"rung": 1, "budget": 0.5})))
    assert t.state is TrialState.PRUNED
    assert t.system_attrs["rung"] == 1 and t.system_attrs["budget"] == 0.5
    assert t.system_attrs["prune_reason"] == "too slow"
    assert t.system_attrs["fail_reason"] == "too slow"  # the pruned trial's reason


def test_the_objective_s_own_reason_wins():
    t = _run(Always(Decision.to_prune("too slow")), message="my reason")
    assert t.system_attrs["fail_reason"] == "my reason"
    assert t.system_attrs["prune_reason"] == "too slow"


def test_continue_stores_nothing():
    t = _run(Always(Decision.to_continue("fine", attrs={"rung": 1})))
    assert t.state is TrialState.COMPLETE
    assert "rung" not in t.system_attrs and "prune_reason" not in t.system_attrs


@pytest.mark.parametrize("answer", ["prune", "continue", True])
def test_a_bare_answer_is_a_clear_type_error(answer):
    with pytest.raises(TypeError, match="Decision"):
        _run(Always(answer))


def test_an_object_without_decide_is_refused_when_the_study_is_made():
    with pytest.raises(TypeError, match="decide"):
        tf.create_study(pruner=object())
