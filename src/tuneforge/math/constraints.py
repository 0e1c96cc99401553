"""Outcome constraints: a trial is feasible when every constraint value is <= 0.

Pure functions over the values a trial reports; reading them from a trial record is
`tuneforge.trial.constraints`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np


def total_violation(values: Iterable[float]) -> float:
    """Sum of the positive constraint values: 0 when every one is satisfied (<= 0).

    The overall violation of Deb's feasibility rules ("An efficient constraint handling
    method for genetic algorithms", CMAME 186, 2000): infeasible solutions are compared
    by it, and any feasible one beats every infeasible one.
    """
    return float(sum(max(float(c), 0.0) for c in values))


def constraint_matrix(cons: Sequence[Any]) -> np.ndarray:
    """Constraint lists of n trials (each a list or tuple, or anything else for "none") as
    an (n, k) array, k the longest list, NaN where a value is missing or not a number."""
    k = max((len(c) for c in cons if isinstance(c, (list, tuple))), default=0)
    out = np.full((len(cons), k), np.nan)
    for i, c in enumerate(cons):
        if not isinstance(c, (list, tuple)):
            continue
        for j, v in enumerate(c):
            try:
                out[i, j] = float(v)
            except (TypeError, ValueError):
                pass
    return out


def standardize_constraint(vals: np.ndarray) -> tuple[np.ndarray, float]:
    """Values (n,) of one constraint to zero mean and unit scale, and where 0 lands.

    Infinite values are first replaced by the finite range widened by a margin (all of
    them infinite: their signs), so that a model can be fitted to them.
    """
    finite = np.isfinite(vals)
    if finite.any():
        lo, hi = float(vals[finite].min()), float(vals[finite].max())
        margin = max(0.1 * (hi - lo), 1.0)
        vals = np.where(vals == np.inf, hi + margin, np.where(vals == -np.inf, lo - margin,
                                                              vals))
    else:
        vals = np.sign(vals)
    m = float(vals.mean())
    s = float(vals.std())
    if not s > 0:
        s = max(abs(m), 1.0)
    return (vals - m) / s, -m / s
