import math

import pytest

from tests.viz._trials import rec
from tuneforge.dashboard.table import parse_states, safe, select
from tuneforge.trial.records import TrialState


def test_safe_turns_non_finite_into_json():
    assert safe({"a": [math.nan, math.inf, -math.inf, 1.0]}) == {"a": [None, "inf", "-inf", 1.0]}


def test_select_filters_sorts_and_puts_missing_last():
    trials = [rec(0, 3.0, params={"lr": 0.1}), rec(1, None, state=TrialState.FAIL,
                                                     params={"lr": 0.2}),
              rec(2, 1.0, params={"lr": 0.3}), rec(3, math.nan, params={"lr": 0.05})]
    by_value = select(trials, n_objectives=1, states=None, q="", sort="value", desc=False)
    assert [t.number for t in by_value] == [2, 0, 1, 3]
    desc = select(trials, n_objectives=1, states=None, q="", sort="value", desc=True)
    assert [t.number for t in desc] == [0, 2, 1, 3]
    assert [t.number for t in select(trials, n_objectives=1, states={TrialState.FAIL}, q="",
                                     sort="number", desc=False)] == [1]
    assert [t.number for t in select(trials, n_objectives=1, states=None, q="lr=0.3",
                                     sort="number", desc=False)] == [2]
    assert [t.number for t in select(trials, n_objectives=1, states=None, q="",
                                     sort="param:lr", desc=False)] == [3, 0, 1, 2]


def test_parse_states_names_a_bad_state():
    assert parse_states("complete, pruned") == {TrialState.COMPLETE, TrialState.PRUNED}
    assert parse_states("") is None
    with pytest.raises(ValueError, match="unknown state 'done'"):
        parse_states("done")
