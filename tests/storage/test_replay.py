"""Pure replay: events folded in sequence order into trial records, compare-and-set."""

import math

import pytest

from tuneforge.exceptions import StorageError
from tuneforge.space.distributions import Float
from tuneforge.storage import events as ev
from tuneforge.storage.replay import StudyState
from tuneforge.trial.records import Direction, TrialState

MIN = (Direction.MINIMIZE,)
FLOAT = {"type": "float", "low": 0.0, "high": 1.0, "log": False, "step": None}


def _fold(events):
    state = StudyState(MIN)
    state.apply_all(enumerate(events))
    return state


def test_a_finished_trial_never_changes_and_a_duplicate_create_is_ignored():
    state = _fold([
        ev.trial_created("a", state="RUNNING", token="me"),
        ev.param_set("a", "x", 0.25, FLOAT),
        ev.finished("a", "COMPLETE", [0.5]),
        ev.param_set("a", "x", 0.75, FLOAT),             # too late: ignored
        ev.finished("a", "FAIL", None, reason="late"),   # too late: ignored
        ev.trial_created("a", state="WAITING"),          # a retried append: ignored
    ])
    (record,) = state.trials()
    assert (record.state, record.values, dict(record.params)) == \
        (TrialState.COMPLETE, (0.5,), {"x": 0.25})
    assert "fail_reason" not in record.system_attrs and len(state) == 1
    assert state.finished_keys == ["a"]


def test_replaying_the_same_events_gives_the_same_records():
    events = [ev.trial_created("a", state="WAITING", params={"x": 0.5}),
              ev.trial_claimed("a", "t1"), ev.trial_claimed("a", "t2"),
              ev.intermediate("a", 3, -math.inf), ev.heartbeat("a", t=5.0),
              ev.finished("a", "PRUNED", [1.0], reason="rung 0")]
    one, two = _fold(events), _fold(events)
    assert one.trials() == two.trials()
    (record,) = one.trials()
    assert one.claimed_by("a") == "t1"  # the first claim wins
    assert record.intermediate == {3: -math.inf} and record.last_heartbeat == 5.0
    assert record.system_attrs["fail_reason"] == "rung 0"


def test_study_attrs_once_and_waiting_order():
    state = _fold([
        ev.attr_set(None, "seed", 1, scope="system", once=True),
        ev.attr_set(None, "seed", 2, scope="system", once=True),  # once: the first stays
        ev.attr_set(None, "note", "a", scope="user"),
        ev.attr_set(None, "note", "b", scope="user"),
        ev.trial_created("w1", state="WAITING"), ev.trial_created("w2", state="WAITING"),
        ev.trial_created("w3", state="WAITING"), ev.trial_claimed("w2", "t"),
        ev.heartbeat("w1", t=9.0),  # not RUNNING: no heartbeat recorded
    ])
    assert state.system_attrs == {"seed": 1} and state.user_attrs == {"note": "b"}
    assert [t.key for t in state.waiting()] == ["w1", "w3"]
    assert state.trial("w1").last_heartbeat is None
    assert state.claimed_by("nobody") is None


def test_events_already_applied_are_skipped():
    state = StudyState(MIN)
    state.apply(4, ev.trial_created("a", state="RUNNING"))
    state.apply(4, ev.attr_set("a", "k", 1, scope="user"))  # seq already seen
    state.apply(2, ev.attr_set("a", "k", 2, scope="user"))
    assert state.last_seq == 4 and dict(state.trial("a").user_attrs) == {}


def test_events_that_make_no_sense_are_named():
    state = StudyState(MIN)
    with pytest.raises(StorageError, match=r"event 0 \(param_set\) names unknown trial 'nope'"):
        state.apply(0, ev.param_set("nope", "x", 0.5, FLOAT))
    assert state.last_seq == -1  # a failed event is not silently skipped
    state.apply(1, ev.trial_created("a", state="RUNNING"))
    with pytest.raises(StorageError, match=r"corrupt event 2 \(trial_finished\)"):
        state.apply(2, {"v": 1, "type": "trial_finished", "key": "a", "state": "RUNNING"})
    with pytest.raises(StorageError, match="no trial with key 'b'"):
        state.trial("b")


def test_param_set_by_reference_needs_the_study_to_define_it():
    dist = FLOAT
    ref = ev.distribution_ref(dist)
    state = StudyState(MIN)
    state.apply(0, ev.trial_created("k", state="RUNNING", token="t"))
    with pytest.raises(StorageError, match="defined nowhere"):
        state.apply(1, ev.param_set("k", "x", 0.5, distribution_ref=ref))
    fresh = StudyState(MIN)
    fresh.apply(0, ev.trial_created("k", state="RUNNING", token="t"))
    fresh.apply(1, ev.distribution_defined(ref, dist))
    fresh.apply(2, ev.distribution_defined(ref, dist))  # two processes defined it: harmless
    fresh.apply(3, ev.param_set("k", "x", 0.5, distribution_ref=ref))
    (record,) = fresh.trials()
    assert record.distributions["x"] == Float(0.0, 1.0) and record.params == {"x": 0.5}
    with pytest.raises(ValueError, match="not both"):
        ev.param_set("k", "x", 0.5, dist, distribution_ref=ref)
