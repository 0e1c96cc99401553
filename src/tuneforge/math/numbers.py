"""Python numbers from what users pass: numpy scalars, 0-d arrays, Decimal, Fraction.

One policy for every entry point: numpy values become the Python values they hold, bools
are not numbers, and a finite value too large for a float is an error (never a silent inf).
"""

from __future__ import annotations

import math
from decimal import Decimal
from numbers import Integral, Real
from typing import Any


def unwrap(value: Any) -> Any:
    """A numpy scalar or 0-d array as the Python value it holds (anything else unchanged).

    numpy's long double stays as is (no Python type holds it); `to_float` converts it.
    """
    item = getattr(value, "item", None)
    if item is not None and getattr(value, "shape", None) == ():
        try:
            return item()
        except (TypeError, ValueError):
            return value
    return value


def is_number(value: Any) -> bool:
    """True for a real number (int, float, Decimal, Fraction, numpy), False for bools."""
    value = unwrap(value)
    return not isinstance(value, bool) and isinstance(value, (Real, Decimal))


def is_integer(value: Any) -> bool:
    """True for an integral number (int, numpy integer), False for bools and floats."""
    value = unwrap(value)
    return not isinstance(value, bool) and isinstance(value, Integral)


def describe(value: Any) -> str:
    """A short description of `value` for error messages (a huge int is not printed)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        digits = int(value.bit_length() * math.log10(2)) + 1
        return f"~{'-' if value < 0 else ''}1e{digits - 1} (an int of about {digits} digits)"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def to_float(value: Any, what: str = "value") -> float:
    """`value` as a float; ValueError when it is not a number or is finite but too large
    for a float (turning it into inf would claim a value the caller never gave).

    NaN and +-inf pass through: whether they are allowed is the caller's rule.
    """
    value = unwrap(value)
    if not is_number(value):
        raise ValueError(f"{what} must be a number, got {describe(value)} "
                         f"({type(value).__name__})")
    too_large = (f"{what} {describe(value)} is too large to store as a float "
                 "(the largest is about 1.8e308)")
    try:
        f = float(value)
    except OverflowError:
        raise ValueError(too_large) from None
    except ValueError as exc:  # a signaling Decimal NaN
        raise ValueError(f"{what} {describe(value)} is not a float: {exc}") from None
    if math.isinf(f) and value != f:
        raise ValueError(too_large)
    return f


__all__ = ["describe", "is_integer", "is_number", "to_float", "unwrap"]
