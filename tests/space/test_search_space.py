"""SearchSpace: a validated, ordered mapping; the intersection of trials' spaces."""

import pytest

from tuneforge import Categorical, Float, Int, SearchSpace, SearchSpaceError
from tuneforge.space import intersection_space
from tuneforge.trial.records import TrialRecord, TrialState


def test_search_space_from_dict_names_parameter():
    space = SearchSpace({"lr": Float(1e-4, 1, log=True), "act": ["relu", "tanh"],
                         "n": {"type": "int", "low": 1, "high": 4}})
    assert isinstance(space["act"], Categorical) and isinstance(space["n"], Int)
    assert SearchSpace(space.to_json()) == space
    with pytest.raises(SearchSpaceError, match="'depth'"):
        SearchSpace({"depth": {"type": "int", "low": 5, "high": 1}})
    with pytest.raises(SearchSpaceError, match="'bad'"):
        SearchSpace({"bad": 3})
    with pytest.raises(SearchSpaceError, match="'lr'"):
        space.validate({"lr": 10.0})


def test_search_space_keeps_order_compares_as_a_mapping_and_hashes():
    space = SearchSpace({"b": Int(1, 4), "a": Float(0, 1), "c": ["x", "y"]})
    assert list(space) == ["b", "a", "c"] and len(space) == 3
    assert space == {"b": Int(1, 4), "a": Float(0, 1), "c": Categorical(("x", "y"))}
    assert hash(space) == hash(SearchSpace(space.to_json()))
    assert SearchSpace() == {} and SearchSpace(None) == {}
    with pytest.raises(SearchSpaceError, match="non-empty strings"):
        SearchSpace({"": Float(0, 1)})
    space.validate({"a": 0.5, "other": 99})  # names outside the space are not checked
    with pytest.raises(SearchSpaceError, match="'b': value 7"):
        space.validate({"b": 7})


def _record(number, dists):
    return TrialRecord(number=number, key=f"k{number}", state=TrialState.COMPLETE,
                       distributions=dists)


def test_intersection_space_keeps_what_every_trial_has_with_one_distribution():
    a, b, c = Float(0, 1), Int(1, 5), Categorical(("u", "v"))
    trials = [_record(0, {"a": a, "b": b, "c": c}), _record(1, {"a": a, "b": Int(1, 6)}),
              _record(2, {"b": b, "a": a, "d": c})]
    assert intersection_space(trials) == {"a": a}  # b changed range, c and d not in all
    assert intersection_space(trials[:1]) == {"a": a, "b": b, "c": c}
    assert intersection_space([]) == {}
    assert intersection_space([_record(0, {"a": a}), _record(1, {"b": b})]) == {}
