"""Trial records: the state life cycle, directions, and what a record derives."""

import dataclasses

import pytest

from tuneforge.trial.records import Direction, TrialRecord, TrialState


def test_only_complete_pruned_and_fail_are_finished():
    assert {s for s in TrialState if s.is_finished} == \
        {TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL}
    assert TrialState("RUNNING") is TrialState.RUNNING and TrialState.WAITING == "WAITING"


def test_direction_parse_accepts_names_in_any_case_and_names_a_bad_one():
    assert Direction.parse("MAXIMIZE") is Direction.MAXIMIZE
    assert Direction.parse(Direction.MINIMIZE) is Direction.MINIMIZE
    with pytest.raises(ValueError, match="'minimize' or 'maximize', got 'up'"):
        Direction.parse("up")


def test_a_record_derives_value_duration_and_last_step():
    r = TrialRecord(number=3, key="k", state=TrialState.COMPLETE, values=(0.5,),
                    intermediate={1: 0.9, 4: 0.6}, datetime_start=10.0,
                    datetime_complete=12.5)
    assert r.value == 0.5 and r.duration == 2.5 and r.last_step == 4
    assert r.intermediate_values is r.intermediate
    running = TrialRecord(number=0, key="r", state=TrialState.RUNNING, datetime_start=1.0)
    assert running.value is None and running.duration is None and running.last_step is None
    assert dict(running.params) == {} and dict(running.system_attrs) == {}


def test_value_of_a_multi_objective_record_points_to_values():
    r = TrialRecord(number=2, key="m", state=TrialState.COMPLETE, values=(1.0, 2.0))
    with pytest.raises(ValueError, match="trial 2 has 2 objective values; use .values"):
        _ = r.value


def test_records_are_immutable():
    r = TrialRecord(number=0, key="k", state=TrialState.RUNNING)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.state = TrialState.COMPLETE  # type: ignore[misc]
    with pytest.raises(TypeError):
        r.params["x"] = 1  # type: ignore[index]
