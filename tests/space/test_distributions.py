"""Distributions: validation with errors that say what is wrong, contains, and JSON."""

import pytest

from tuneforge import Categorical, Float, Int, SearchSpaceError
from tuneforge.space import distribution_from_json


@pytest.mark.parametrize(
    "factory, message",
    [
        (lambda: Float(2.0, 1.0), "greater than high"),
        (lambda: Float(0.0, 1.0, log=True), "log=True needs low > 0"),
        (lambda: Float(0.0, 1.0, step=0.3), "does not divide"),
        (lambda: Float(0.0, 1.0, step=-0.1), "step must be positive"),
        (lambda: Float(float("nan"), 1.0), "finite"),
        (lambda: Float(0.0, float("inf")), "finite"),
        (lambda: Float("0", 1.0), "must be a number"),
        (lambda: Float(1e-3, 1.0, log=True, step=0.1), "cannot be combined"),
        (lambda: Int(5, 1), "greater than high"),
        (lambda: Int(0, 10, log=True), "log=True needs low >= 1"),
        (lambda: Int(0, 10, step=3), "does not divide"),
        (lambda: Int(0, 10, step=0), "step must be >= 1"),
        (lambda: Int(0.5, 10), "must be an integer"),
        (lambda: Categorical(()), "must not be empty"),
        (lambda: Categorical(("a", "a")), "more than once"),
        (lambda: Categorical((1, [2])), "not a JSON value"),
        (lambda: Categorical((object(),)), "not a JSON value"),
        (lambda: Categorical((float("nan"),)), "finite"),
        (lambda: Categorical("abc"), "list or tuple"),
    ],
)
def test_invalid_distributions_raise_clear_errors(factory, message):
    with pytest.raises(SearchSpaceError, match=message):
        factory()


def test_valid_distributions_and_contains():
    f = Float(0.0, 1.0, step=0.25)
    assert f.contains(0.5) and not f.contains(0.3) and not f.contains(2.0)
    assert Float(1e-3, 1.0, log=True).contains(0.01)
    i = Int(0, 10, step=2)
    assert i.contains(4) and not i.contains(5) and not i.contains(True)
    c = Categorical((1, True, "a", None, 2.5))
    assert c.contains(True) and c.contains(None)
    assert c.index(True) == 1 and c.index(1) == 0  # 1 and True are different choices
    assert not c.contains("b")


def test_json_round_trip():
    for d in (Float(0.5, 2.0, log=True), Float(0, 1, step=0.1), Int(1, 100, log=True),
              Int(0, 10, step=5), Categorical(("x", 1, None))):
        assert distribution_from_json(d.to_json()) == d
    with pytest.raises(SearchSpaceError, match="unknown distribution type"):
        distribution_from_json({"type": "gaussian"})


def test_numpy_scalars_are_numbers_everywhere():
    import json
    from decimal import Decimal

    import numpy as np

    f = Float(np.float32(0), np.array(1.0), step=np.float64(0.25))
    assert (f.low, f.high, f.step) == (0.0, 1.0, 0.25)
    assert all(type(v) is float for v in (f.low, f.high, f.step))
    assert f.contains(np.float32(0.5)) and Float(Decimal("0.5"), 1).low == 0.5
    i = Int(np.int64(1), np.int32(9), step=np.array(2))
    assert (i.low, i.high, i.step) == (1, 9, 2) and type(i.low) is int
    assert i.contains(np.int64(3)) and Int(np.float32(1.0), 3).low == 1
    c = Categorical((np.int64(1), np.float32(0.5), np.str_("a"), np.bool_(True)))
    assert c.choices == (1, 0.5, "a", True)
    assert [type(v) for v in c.choices] == [int, float, str, bool]
    assert c.contains(np.int64(1)) and c.index(np.str_("a")) == 2
    json.dumps(c.to_json()) and json.dumps(f.to_json()) and json.dumps(i.to_json())
    for bad, match in [(lambda: Float(np.float64("nan"), 1), "finite"),
                       (lambda: Float(np.bool_(False), 1), "must be a number"),
                       (lambda: Float(10**400, 10**401), "too large"),
                       (lambda: Int(np.float32(1.5), 3), "must be an integer"),
                       (lambda: Int(np.bool_(True), 3), "must be an integer"),
                       (lambda: Categorical([np.float64("nan")]), "not a finite number")]:
        with pytest.raises(SearchSpaceError, match=match):
            bad()


def test_bounds_samplers_cannot_represent_are_refused_with_the_parameter_name() -> None:
    """Int(0, 10**400) was accepted and then sampled with float math; a Float range wider
    than the largest float made every sampler compute with inf."""
    import tuneforge as tf
    from tuneforge.space.distributions import MAX_INT

    Int(-MAX_INT, MAX_INT)  # the limit itself is fine
    Float(-8.9e307, 8.9e307)
    Float(5e-324, 1.7e308, log=True)
    for make, match in ((lambda: Int(0, 10**400), r"high=~1e400 .* is beyond \+-2\*\*53"),
                        (lambda: Int(-MAX_INT - 1, 0), r"low=-9007199254740993 is beyond"),
                        (lambda: Int(1, 2**60, log=True), "is beyond"),
                        (lambda: Float(-1e308, 1e308), r"wider than the largest float"),
                        (lambda: Float(-1.7e308, 1.7e308, step=1e307), "wider than")):
        with pytest.raises(SearchSpaceError, match=match):
            make()
    study = tf.create_study(seed=0)
    trial = study.ask()
    with pytest.raises(SearchSpaceError, match=r"parameter 'n': high=~1e400 .* beyond"):
        trial.suggest_int("n", 0, 10**400)
    with pytest.raises(SearchSpaceError, match=r"parameter 'x': the range .* wider"):
        trial.suggest_float("x", -1e308, 1e308)
    with pytest.raises(SearchSpaceError, match="beyond"):
        tf.SearchSpace({"n": Int(0, 2**64)})


def test_a_stored_distribution_beyond_the_limits_still_reads() -> None:
    """A study stored before the limits keeps reading: only new distributions are refused."""
    assert distribution_from_json({"type": "int", "low": 0, "high": 10**30, "log": False,
                                   "step": 1}).high == 10**30
    assert distribution_from_json({"type": "float", "low": -1e308, "high": 1e308,
                                   "log": False, "step": None}).low == -1e308
    with pytest.raises(SearchSpaceError):
        Int(0, 10**30)  # the reading exemption does not leak out
