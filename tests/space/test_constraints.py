"""Hard parameter constraints: predicates decided only once every parameter they read has
a value, violations named, bad predicates refused."""

import pytest

from tuneforge.exceptions import SearchSpaceError
from tuneforge.space.constraints import (
    check_param_constraints,
    constraint_name,
    decided,
    violated,
)


def budget(p):
    return p["x"] + p["y"] <= 1


def test_a_predicate_is_undecided_until_every_name_it_reads_has_a_value():
    assert violated([budget], {"x": 0.9}) is None  # y not known yet: not decided
    assert not decided(budget, {"x": 0.9})
    assert decided(budget, {"x": 0.9, "y": 0.5})
    assert violated([budget], {"x": 0.9, "y": 0.5}) is budget
    assert violated([budget], {"x": 0.4, "y": 0.5}) is None


def test_get_with_a_default_does_not_decide_early():
    def uses_get(p):
        return p.get("y", 0) < 1

    assert not decided(uses_get, {"x": 1})
    assert violated([uses_get], {"y": 3}) is uses_get


def test_the_first_violated_predicate_is_named():
    def small_x(p):
        return p["x"] < 0.5

    assert violated([budget, small_x], {"x": 0.7, "y": 0.1}) is small_x
    assert constraint_name(small_x) == "small_x()"
    assert "lambda" in constraint_name(lambda p: True)


def test_a_predicate_that_raises_is_a_clear_error():
    def broken(p):
        return p["x"] / 0

    with pytest.raises(SearchSpaceError, match=r"broken\(\) raised ZeroDivisionError.*'x': 1"):
        violated([broken], {"x": 1})


def test_check_param_constraints_accepts_one_callable_and_refuses_non_callables():
    assert check_param_constraints(None) == ()
    assert check_param_constraints(budget) == (budget,)
    assert check_param_constraints([budget, budget]) == (budget, budget)
    with pytest.raises(TypeError, match=r"param_constraints\[1\]"):
        check_param_constraints([budget, "x + y <= 1"])
