"""Array types for annotations: the dtype an array of math/ holds (its shape is in the
docstring of the function that takes or returns it)."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

FloatArray: TypeAlias = NDArray[np.float64]   # points, values, weights, hyperparameters
IntArray: TypeAlias = NDArray[np.intp]        # indices, orders, ranks, choice counts
BoolArray: TypeAlias = NDArray[np.bool_]      # masks

__all__ = ["BoolArray", "FloatArray", "IntArray"]
