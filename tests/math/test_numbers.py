"""Number coercion: numpy scalars and 0-d arrays unwrap, bools are not numbers, and a
finite value too large for a float is an error, never a silent inf."""

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from tuneforge.math.numbers import describe, is_integer, is_number, to_float, unwrap


def test_unwrap_gives_python_values():
    assert type(unwrap(np.float32(0.5))) is float and unwrap(np.float32(0.5)) == 0.5
    assert type(unwrap(np.int64(3))) is int and type(unwrap(np.array(2))) is int
    assert type(unwrap(np.bool_(True))) is bool and type(unwrap(np.str_("a"))) is str
    assert unwrap("x") == "x" and unwrap(None) is None


def test_numbers_and_integers():
    for v in (1, 0.5, np.float32(1), np.array(1.5), Decimal("0.1"), Fraction(1, 3)):
        assert is_number(v), v
    for v in (True, np.bool_(False), "1", None, [1], 1j):
        assert not is_number(v), v
    assert is_integer(np.int8(3)) and is_integer(np.array(7)) and is_integer(10**400)
    assert not is_integer(3.0) and not is_integer(True)


def test_to_float_refuses_what_a_float_cannot_hold():
    assert to_float(Decimal("0.5")) == 0.5 and to_float(Fraction(1, 4)) == 0.25
    assert to_float(float("inf")) == math.inf and to_float(Decimal("-Infinity")) == -math.inf
    assert math.isnan(to_float(np.float32("nan")))  # NaN is the caller's rule
    bigs = [10**400, -(10**400), Decimal("1e400"), Fraction(10**400, 3)]
    if np.finfo(np.longdouble).maxexp > 1024:  # an 80- or 128-bit long double
        bigs.append(np.longdouble(10) ** 400)
    for big in bigs:
        with pytest.raises(ValueError, match="too large to store as a float"):
            to_float(big, "objective value")
    with pytest.raises(ValueError, match="x must be a number, got 'a'"):
        to_float("a", "x")
    with pytest.raises(ValueError, match="must be a number"):
        to_float(True)


def test_describe_never_prints_a_huge_int():
    assert describe(10**400) == "~1e400 (an int of about 401 digits)"
    assert describe(-(10**5000)).startswith("~-1e5000")
    assert describe(3) == "3" and len(describe("x" * 500)) == 80
