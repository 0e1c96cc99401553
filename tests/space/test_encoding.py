"""tuneforge.space.encoding: the layouts that every sampler shares, and the levels of a
discrete distribution."""

import math

import numpy as np
import pytest

from tuneforge.exceptions import SearchSpaceError
from tuneforge.space.distributions import Categorical, Float, Int, level_values, n_levels
from tuneforge.space.encoding import (
    decode,
    decode_indices,
    decode_mixed,
    encode,
    encode_indices,
    encode_mixed,
    from_unit,
    to_unit,
)

SPACE = {"lr": Float(1e-4, 1.0, log=True), "n": Int(1, 9, step=2),
         "kind": Categorical(("a", "b", None)), "x": Float(-1.0, 1.0, step=0.5)}


@pytest.mark.parametrize("dist, count, values", [
    (Int(1, 9, step=2), 5, [1, 3, 5, 7, 9]),
    (Int(3, 3), 1, [3]),
    (Float(-1.0, 1.0, step=0.5), 5, [-1.0, -0.5, 0.0, 0.5, 1.0]),
    (Float(0.0, 0.3, step=0.1), 4, [0.0, 0.1, 0.2, 0.3]),
    (Float(2.0, 2.0), 1, [2.0]),
    (Categorical(("a", 1, None)), 3, ["a", 1, None]),
])
def test_levels_of_discrete_distributions(dist, count, values):
    assert n_levels(dist) == count
    got = level_values(dist)
    assert got == (pytest.approx(values) if isinstance(dist, Float) else values)
    assert all(dist.contains(v) for v in level_values(dist))


def test_a_float_interval_has_no_levels():
    assert n_levels(Float(0.0, 1.0)) == 0
    assert n_levels(Float(1e-3, 1.0, log=True)) == 0
    with pytest.raises(SearchSpaceError, match="continuous"):
        level_values(Float(0.0, 1.0))


def test_mixed_layout_round_trip():
    params = {"lr": 0.01, "n": 7, "kind": None, "x": 0.5}
    x = encode_mixed(SPACE, params)
    assert x.shape == (4,) and x.dtype == np.float64
    assert x[2] == 2.0  # the choice index
    assert x[0] == to_unit(SPACE["lr"], 0.01) and x[1] == to_unit(SPACE["n"], 7)
    out = decode_mixed(SPACE, x)
    assert out["kind"] is None and out["n"] == 7 and out["x"] == 0.5
    assert out["lr"] == pytest.approx(0.01)
    # categorical coordinates are rounded and clipped to a choice
    assert decode_mixed(SPACE, [0.5, 0.5, 7.3, 0.5])["kind"] is None
    assert decode_mixed(SPACE, [0.5, 0.5, -2.0, 0.5])["kind"] == "a"
    assert decode_mixed(SPACE, [0.5, 0.5, 0.6, 0.5])["kind"] == "b"


def test_split_layout_agrees_with_the_unit_cube_and_the_mixed_one():
    nums = {k: d for k, d in SPACE.items() if not isinstance(d, Categorical)}
    cats = {k: d for k, d in SPACE.items() if isinstance(d, Categorical)}
    params = {"lr": 0.2, "n": 1, "kind": "b", "x": -1.0}
    u, k = encode(nums, params), encode_indices(cats, params)
    assert k.dtype == np.int64 and k.tolist() == [1]
    mixed = encode_mixed(SPACE, params)
    assert u.tolist() == mixed[[0, 1, 3]].tolist() and k.tolist() == mixed[[2]].tolist()
    assert {**decode(nums, u), **decode_indices(cats, k)} == decode_mixed(SPACE, mixed)


def test_encoding_round_trip_and_bounds():
    space = {"f": Float(-2, 2), "lf": Float(1e-3, 10, log=True), "s": Float(0, 1, step=0.25),
             "i": Int(1, 5), "li": Int(1, 1000, log=True), "c": Categorical(("a", "b", "c"))}
    for u in (0.0, 0.2, 0.5, 0.999, 1.0):
        params = decode(space, [u] * len(space))
        for name, d in space.items():
            assert d.contains(params[name]), (name, params[name])
        again = decode(space, encode(space, params))
        assert again == params
    assert from_unit(Int(1, 3), 0.0) == 1 and from_unit(Int(1, 3), 1.0) == 3
    # each integer gets an equal share of the unit interval
    counts = {v: 0 for v in (1, 2, 3)}
    for k in range(300):
        counts[from_unit(Int(1, 3), (k + 0.5) / 300)] += 1
    assert counts == {1: 100, 2: 100, 3: 100}
    assert math.isclose(to_unit(Float(1, 100, log=True), 10), 0.5)
