"""A trust region for Bayesian optimization over continuous spaces (pure numpy).

After Eriksson et al., "Scalable global optimization via local Bayesian optimization"
(TuRBO, NeurIPS 2019): the acquisition is maximized in a box around the best point,
its side `length` (in the unit cube) doubled after `SUCCESS_TOL` improvements in a row
and halved after max(4, d) failures in a row; below `MIN_LENGTH` it starts again at
`INIT_LENGTH`. Each side is scaled by the dimension's lengthscale over their geometric
mean, so the box is long where the function changes slowly. The length is replayed from
the sequence of outcomes, so it needs no state of its own: a resumed study or another
worker gets the same box.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .arrays import FloatArray

INIT_LENGTH = 0.8
MIN_LENGTH = 0.5**7
MAX_LENGTH = 1.6
SUCCESS_TOL = 3


def improvements(y: FloatArray, start: int) -> list[bool]:
    """For each value y[i] (minimized), i >= start, whether it beat every earlier one by
    a relative margin of 1e-3 (TuRBO's criterion). A non-finite value (an infeasible
    trial) is a failure; the first finite one after only non-finite ones, a success."""
    out = []
    finite = np.isfinite(y)
    for i in range(max(start, 1), y.shape[0]):
        if not finite[i]:
            out.append(False)
            continue
        earlier = y[:i][finite[:i]]
        if not earlier.size:
            out.append(True)
            continue
        best = float(np.min(earlier))
        out.append(bool(y[i] < best - 1e-3 * abs(best)))
    return out


def side_length(outcomes: Sequence[bool], d: int) -> float:
    """The trust region's side after the outcomes (True: an improvement), in order."""
    fail_tol = max(4, d)
    length, succ, fail = INIT_LENGTH, 0, 0
    for ok in outcomes:
        if ok:
            succ, fail = succ + 1, 0
        else:
            succ, fail = 0, fail + 1
        if succ == SUCCESS_TOL:
            length, succ = min(2.0 * length, MAX_LENGTH), 0
        elif fail == fail_tol:
            length, fail = length / 2.0, 0
        if length < MIN_LENGTH:
            length, succ, fail = INIT_LENGTH, 0, 0
    return length


def box(center: FloatArray, lengthscales: FloatArray, length: float
        ) -> tuple[FloatArray, FloatArray]:
    """(lower, upper) corners (d,) of the region around `center` (d,) in [0, 1]^d, each
    side `length` times the dimension's lengthscale over their geometric mean."""
    ls = np.asarray(lengthscales, dtype=float)
    weights = ls / np.exp(np.mean(np.log(ls)))
    half = 0.5 * length * weights
    return np.clip(center - half, 0.0, 1.0), np.clip(center + half, 0.0, 1.0)


__all__ = ["box", "improvements", "side_length"]
