import math

import pytest

from tuneforge import Categorical, Float, Int, SearchSpace, SearchSpaceError, create_study
from tuneforge.space import distribution_from_json
from tuneforge.space.encoding import decode, encode, from_unit, to_unit


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


def _suggest(study, fn):
    trial = study.ask()
    return fn(trial)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda t: t.suggest_float("lr", 1.0, 0.1), r"parameter 'lr'.*greater than high"),
        (lambda t: t.suggest_float("lr", 0.0, 1.0, log=True), r"parameter 'lr'.*log"),
        (lambda t: t.suggest_float("x", 0, 1, step=0.3), r"parameter 'x'.*divide"),
        (lambda t: t.suggest_int("n", 0, 10, log=True), r"parameter 'n'.*log"),
        (lambda t: t.suggest_categorical("c", []), r"parameter 'c'.*empty"),
        (lambda t: t.suggest_categorical("c", ["a", "a"]), r"parameter 'c'.*more than once"),
        (lambda t: t.suggest_categorical("c", [{"a": 1}]), r"parameter 'c'.*JSON"),
        (lambda t: t.suggest_float("x", float("nan"), 1), r"parameter 'x'.*finite"),
    ],
)
def test_define_by_run_errors_name_the_parameter(call, message):
    study = create_study()
    with pytest.raises(SearchSpaceError, match=message):
        _suggest(study, call)


def test_same_name_with_another_distribution_is_an_error():
    study = create_study()
    trial = study.ask()
    x = trial.suggest_float("x", 0, 1)
    assert trial.suggest_float("x", 0, 1) == x  # same distribution: same value
    with pytest.raises(SearchSpaceError, match=r"'x' was already suggested in trial 0"):
        trial.suggest_float("x", 0, 2)
    with pytest.raises(SearchSpaceError, match=r"'x'"):
        trial.suggest_int("x", 0, 1)
