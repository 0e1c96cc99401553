"""Typed event constructors and the one policy for floats in JSON."""

import json
import math

import numpy as np
import pytest

import tuneforge as tf
from tuneforge.storage import events as ev


def test_plain_is_the_one_float_policy():
    assert ev.plain(np.float64(0.5)) == 0.5 and type(ev.plain(np.float64(0.5))) is float
    assert ev.plain(np.int64(3)) == 3 and type(ev.plain(np.int64(3))) is int
    assert ev.plain([float("inf"), -math.inf, float("nan")]) == ["inf", "-inf", "nan"]
    assert ev.plain({"a": (1, np.array([0.5, np.nan]))}) == {"a": [1, [0.5, "nan"]]}
    assert ev.plain("nan") == "nan" and ev.plain(None) is None and ev.plain(True) is True
    # whatever plain returns is strict JSON
    json.dumps(ev.plain({"x": [np.float32(1.5), float("nan")]}), allow_nan=False)


def test_constructors_build_valid_events_and_refuse_bad_fields():
    e = ev.attr_set("k", "score", np.float64(float("nan")), scope="user", once=True)
    assert (e["type"], e["value"], e["once"], e["v"]) == ("attr_set", "nan", True, 1)
    assert ev.loads(ev.dumps(e), where="test") == e
    with pytest.raises(ValueError, match="scope"):
        ev.attr_set(None, "a", 1, scope="global")
    with pytest.raises(ValueError, match="WAITING or RUNNING"):
        ev.trial_created("k", state="COMPLETE")
    assert ev.heartbeat("k") == {"v": 1, "type": "heartbeat", "key": "k"}
    assert ev.finished("k", "COMPLETE", [math.inf])["values"] == ["inf"]


def test_non_finite_attributes_are_stored_not_refused(tmp_path):
    study = tf.create_study(storage=f"sqlite:///{tmp_path / 'f.db'}")
    trial = study.ask()
    trial.set_user_attr("auc", float("nan"))
    trial.set_user_attr("curve", np.array([1.0, np.inf]))
    study.tell(trial, -math.inf)
    (record,) = study.trials
    assert record.user_attrs == {"auc": "nan", "curve": [1.0, "inf"]}
    assert record.values == (-math.inf,)  # objective values come back as floats


def test_plain_turns_other_numbers_into_floats_or_refuses_them():
    from decimal import Decimal
    from fractions import Fraction

    assert ev.plain({"d": Decimal("0.5"), "f": Fraction(1, 4)}) == {"d": 0.5, "f": 0.25}
    assert ev.plain(np.array(2.5)) == 2.5 and ev.plain(10**400) == 10**400  # ints exact
    for bad in (Decimal("1e400"), Fraction(10**400, 1), [10**20000]):
        with pytest.raises(ValueError, match="too large to store"):
            ev.plain(bad)
    with pytest.raises(ValueError, match="intermediate value ~1e400"):
        ev.intermediate("k", 0, 10**400)
    with pytest.raises(ValueError, match="objective value"):
        ev.finished("k", "COMPLETE", [Decimal("-1e999")])
    assert ev.finished("k", "COMPLETE", [Decimal("-Infinity")])["values"] == ["-inf"]
