"""The HEBO adapter: its translation of our parameters, and the message in an environment
without HEBO (the main one: HEBO lives in .venv-hebo, see benchmarks/adapters/hebo_.py)."""

from __future__ import annotations

import importlib.util

import pytest
from benchmarks.adapters import availability
from benchmarks.adapters.hebo_ import hebo_param, plain
from benchmarks.problems.base import Param, flt, integer


def test_parameters_map_to_hebo_types_with_log_scales_as_pow() -> None:
    assert hebo_param(flt("x", -5, 5)) == {"name": "x", "type": "num", "lb": -5.0, "ub": 5.0}
    assert hebo_param(flt("lr", 1e-4, 1, log=True))["type"] == "pow"
    assert hebo_param(integer("n", 2, 64))["type"] == "int"
    assert hebo_param(integer("n", 2, 64, log=True)) == {"name": "n", "type": "pow_int",
                                                          "lb": 2, "ub": 64}
    cat = Param("k", "cat", choices=("rbf", "linear"))
    assert hebo_param(cat) == {"name": "k", "type": "cat", "categories": ["rbf", "linear"]}


def test_values_come_back_as_python_types_inside_the_bounds() -> None:
    import numpy as np

    v = plain(integer("n", 2, 64), np.float64(64.6))
    assert v == 64 and type(v) is int
    x = plain(flt("x", -5, 5), np.float64(-5.0000001))
    assert x == -5.0 and type(x) is float
    assert plain(Param("k", "cat", choices=("a", "b")), np.str_("b")) == "b"


@pytest.mark.skipif(importlib.util.find_spec("hebo") is not None,
                    reason="runs in the main environment, which has no HEBO")
def test_without_hebo_the_optimizer_is_unavailable_and_says_where_it_lives() -> None:
    reason = availability("hebo")
    assert reason is not None and "make .venv-hebo" in reason
