"""One parameter of a scikit-learn search as a tuneforge distribution.

Accepts tuneforge's `Float`/`Int`/`Categorical`, a list of choices (any objects: choices
that are not JSON scalars, such as estimators or tuples, are stored by a text label and
mapped back), and the scipy.stats distributions that have an exact tuneforge equivalent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from tuneforge.exceptions import SearchSpaceError
from tuneforge.space.distributions import Categorical, Distribution, Float, Int

# label -> object, for a categorical whose choices are stored by label
Decoder = dict[str, Any]


def plain(value: Any) -> Any:
    """A numpy scalar as the Python scalar it holds; anything else unchanged."""
    if isinstance(value, np.generic) and value.shape == ():
        return value.item()
    return value


def _is_json_scalar(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, (bool, int, str))


def choices(name: str, values: Any) -> tuple[Categorical, Decoder | None]:
    """A Categorical over `values`; when one is not a JSON scalar, every choice is stored
    as a text label and the returned decoder maps labels back to the objects."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise SearchSpaceError(f"parameter {name!r}: expected a list of choices, got {values!r}")
    items = [plain(v) for v in (values.tolist() if isinstance(values, np.ndarray) else values)]
    if not items:
        raise SearchSpaceError(f"parameter {name!r}: the list of choices is empty")
    if all(_is_json_scalar(v) for v in items):
        try:
            return Categorical(tuple(items)), None
        except SearchSpaceError as exc:
            raise SearchSpaceError(f"parameter {name!r}: {exc}") from None
    decoder: Decoder = {}
    for i, value in enumerate(items):
        label = re.sub(r"\s+", " ", repr(value))
        if label in decoder:
            label = f"{label} #{i}"
        decoder[label] = value
    return Categorical(tuple(decoder)), decoder


def _loc(frozen: Any) -> float:
    """The `loc` of a frozen scipy distribution (positional after the shapes, or keyword)."""
    n_shapes = int(getattr(frozen.dist, "numargs", 0))
    args = tuple(getattr(frozen, "args", ()))
    if len(args) > n_shapes:
        return float(args[n_shapes])
    return float(getattr(frozen, "kwds", {}).get("loc", 0.0))


def from_scipy(name: str, frozen: Any) -> Distribution:
    """`uniform(loc, scale)` -> Float(loc, loc + scale); `loguniform(a, b)` ->
    Float(a, b, log=True); `randint(a, b)` -> Int(a, b - 1). Anything else is an error."""
    family = getattr(frozen.dist, "name", type(frozen.dist).__name__)
    low, high = (plain(v) for v in frozen.support())
    try:
        if family == "uniform":
            return Float(float(low), float(high))
        if family in ("loguniform", "reciprocal"):
            if _loc(frozen) != 0.0:
                raise SearchSpaceError("a shifted loguniform (loc != 0) is not log-uniform")
            return Float(float(low), float(high), log=True)
        if family == "randint":
            return Int(int(low), int(high))
    except SearchSpaceError as exc:
        raise SearchSpaceError(f"parameter {name!r}: scipy.stats.{family}: {exc}") from None
    raise SearchSpaceError(
        f"parameter {name!r}: scipy.stats.{family} has no tuneforge equivalent; use "
        "uniform, loguniform or randint, a list of choices, or tuneforge's Float/Int"
    )


def to_distribution(name: str, spec: Any) -> tuple[Distribution, Decoder | None]:
    """The distribution (and label decoder, for non-JSON choices) of one parameter."""
    if isinstance(spec, (Float, Int, Categorical)):
        return spec, None
    if hasattr(spec, "rvs") and hasattr(spec, "dist") and hasattr(spec, "support"):
        return from_scipy(name, spec), None
    if isinstance(spec, (Sequence, np.ndarray)) and not isinstance(spec, (str, bytes)):
        return choices(name, spec)
    raise SearchSpaceError(
        f"parameter {name!r}: expected tuneforge's Float, Int or Categorical, a list of "
        f"choices, or a scipy.stats uniform/loguniform/randint, got {spec!r}"
    )


__all__ = ["Decoder", "choices", "from_scipy", "plain", "to_distribution"]
