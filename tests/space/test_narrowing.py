"""refine_space: narrowing around the top trials, widening at a bound, grids and log scales."""

import math

import numpy as np
import pytest

from tuneforge import Categorical, Float, Int, SearchSpace, SearchSpaceError
from tuneforge.space.narrowing import project_params, refine_space, refine_space_report


def refine_one(dist, values, **kw):
    space, changes = refine_space_report(SearchSpace({"p": dist}),
                                         [{"p": v} for v in values], **kw)
    return space["p"], changes["p"].action


def test_float_narrows_to_padded_box():
    d, action = refine_one(Float(0.0, 10.0), [4.0, 6.0, 5.0])
    # span 2, margin 0.1 -> 0.2 each side
    assert d == Float(3.8, 6.2) and action == "narrowed"


def test_float_on_low_bound_widens_low_and_narrows_high():
    d, action = refine_one(Float(0.0, 10.0), [0.1, 2.0])
    # 0.1 is within 0.02 * 10 of the low bound: low moves out by 2 spans (2 * 1.9)
    assert d.low == pytest.approx(0.0 - 2 * 1.9)
    assert d.high == pytest.approx(2.0 + 0.1 * 1.9)
    assert action == "widened-low"


def test_quantile_box():
    d, _ = refine_one(Float(0.0, 100.0), [10, 20, 30, 40, 50], quantiles=(0.25, 0.75))
    assert (d.low, d.high) == pytest.approx((20 - 2.0, 40 + 2.0))


def test_log_float_box_is_computed_in_log_space():
    d, action = refine_one(Float(1e-4, 1e-1, log=True), [1e-3, 1e-2])
    pad = 10 ** 0.1  # 0.1 of one decade
    assert d.log and action == "narrowed"
    assert d.low == pytest.approx(1e-3 / pad) and d.high == pytest.approx(1e-2 * pad)


def test_log_float_widens_by_decades_and_stays_positive():
    d, action = refine_one(Float(1e-4, 1.0, log=True), [1e-4, 1e-3])
    assert action == "widened-low"
    assert d.low == pytest.approx(1e-4 / 100)  # two spans of one decade
    assert d.low > 0
    d, action = refine_one(Float(1e-4, 1.0, log=True), [0.1, 1.0])
    assert action == "widened-high" and d.high == pytest.approx(100.0)


def test_int_with_step_rounds_outward_onto_the_grid():
    d, action = refine_one(Int(0, 100, step=5), [20, 40])
    # [18, 42] -> outward onto multiples of 5 from 0
    assert d == Int(15, 45, step=5) and action == "narrowed"
    d, _ = refine_one(Int(1, 21, step=4), [9, 13])
    # [8.6, 13.4] on the grid 1, 5, 9, ...: 5 and 17
    assert d == Int(5, 17, step=4)


def test_int_widened_stays_integer():
    d, action = refine_one(Int(0, 10), [0, 2])
    assert d == Int(-4, 3) and action == "widened-low"
    assert isinstance(d.low, int) and isinstance(d.high, int)


def test_log_int_never_goes_below_one():
    d, action = refine_one(Int(1, 1000, log=True), [1, 10])
    # widening low in log space would give 0.01; the low stays 1, so only the high moves
    assert d == Int(1, math.ceil(10 * 10 ** 0.1), log=True) and action == "narrowed"


def test_float_step_kept_and_aligned():
    d, _ = refine_one(Float(0.0, 1.0, step=0.1), [0.3, 0.5])
    assert d.step == 0.1
    assert (d.low, d.high) == pytest.approx((0.2, 0.6))
    assert d.contains(0.3) and d.contains(0.5)


def test_both_bounds_widened_when_top_trials_span_the_range():
    d, action = refine_one(Float(0.0, 1.0), [0.0, 1.0])
    assert action == "widened-both" and (d.low, d.high) == pytest.approx((-2.0, 3.0))


def test_values_beyond_a_bound_count_as_on_it():
    d, action = refine_one(Float(0.0, 1.0), [1.5, 0.9])  # 1.5 came from a wider space
    assert action == "widened-high" and d.high > 1.0


def test_categorical_keeps_used_choices_in_order():
    d, action = refine_one(Categorical(("a", "b", "c", "d")), ["d", "b", "d"])
    assert d == Categorical(("b", "d")) and action == "narrowed"
    d, _ = refine_one(Categorical((1, True, "x")), [True, True])
    assert d == Categorical((True,))  # type-aware: True is not 1


def test_categorical_with_one_top_trial_is_kept_whole():
    d, action = refine_one(Categorical(("a", "b")), ["a"])
    assert d == Categorical(("a", "b")) and action == "unchanged"


def test_parameters_absent_from_top_trials_are_unchanged():
    space = SearchSpace({"x": Float(0, 1), "y": Int(0, 5)})
    refined, changes = refine_space_report(space, [{"x": 0.5}, {"x": 0.6}])
    assert refined["y"] == space["y"] and changes["y"].action == "unchanged"
    assert changes["x"].action == "narrowed"
    assert changes["x"].to_json()["before"] == space["x"].to_json()
    assert refine_space(space, [{"x": 0.5}, {"x": 0.6}]) == refined


@pytest.mark.parametrize("kw, message", [
    ({"quantiles": (0.8, 0.2)}, "quantiles"),
    ({"margin": -1.0}, "margin"),
    ({"widen": float("nan")}, "widen"),
    ({"edge_tolerance": 0.7}, "edge_tolerance"),
])
def test_bad_options_raise(kw, message):
    with pytest.raises(SearchSpaceError, match=message):
        refine_space(SearchSpace({"x": Float(0, 1)}), [{"x": 0.5}], **kw)


def test_bad_value_names_the_parameter():
    space = SearchSpace({"lr": Float(1e-3, 1.0, log=True)})
    with pytest.raises(SearchSpaceError, match="'lr'.*not positive"):
        refine_space(space, [{"lr": 0.01}, {"lr": -1.0}])
    with pytest.raises(SearchSpaceError, match="'lr'.*not a finite number"):
        refine_space(space, [{"lr": "big"}])


def test_refined_space_contains_every_top_value():
    rng = np.random.default_rng(0)
    dists = [Float(-3.0, 7.0), Float(1e-5, 10.0, log=True), Float(0.0, 2.0, step=0.25),
             Int(-10, 30, step=4), Int(1, 512, log=True)]
    for _ in range(200):
        d = dists[rng.integers(len(dists))]
        values = []
        for _ in range(rng.integers(1, 6)):
            u = rng.random()
            if rng.random() < 0.2:
                u = float(rng.integers(0, 2))  # often exactly on a bound
            lo, hi = (math.log(d.low), math.log(d.high)) if d.log else (d.low, d.high)
            x = lo + u * (hi - lo)
            values.append(d.round(math.exp(x) if d.log else x))
        new, _ = refine_one(d, values, margin=float(rng.random()),
                            widen=float(rng.random() * 3))
        assert type(new) is type(d) and new.log == d.log and new.step == d.step
        for v in values:
            assert new.contains(v), (d, values, new)


def test_project_params_clips_snaps_and_drops():
    space = SearchSpace({"x": Float(0.0, 1.0), "n": Int(0, 10, step=2),
                         "k": Categorical(("a", "b"))})
    params = {"x": 1.7, "n": 5, "k": "c", "other": 3}
    assert project_params(space, params) == {"x": 1.0, "n": 4, "other": 3}
    assert project_params(space, params, outside="drop") == {"n": 4, "other": 3}
    assert project_params(space, {"x": 0.25, "k": "b"}) == {"x": 0.25, "k": "b"}
    with pytest.raises(ValueError, match="outside"):
        project_params(space, params, outside="wrap")


def test_numpy_numbers_are_accepted_as_options_and_bools_are_not():
    space = SearchSpace({"x": Float(0, 1)})
    top = [{"x": 0.4}, {"x": 0.6}]
    assert refine_space(space, top, margin=np.float32(0.25), widen=np.int64(1),
                        edge_tolerance=np.float32(0.125)) == \
        refine_space(space, top, margin=0.25, widen=1, edge_tolerance=0.125)
    with pytest.raises(SearchSpaceError, match="margin"):
        refine_space(space, top, margin=True)
