"""Running hypervolume of a benchmark run: the value after each new point, over the
non-dominated archive (the exact 2-D / 3-D computation is `tuneforge.math.hypervolume`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tuneforge.math.hypervolume import hypervolume

__all__ = ["Running", "hypervolume"]


class Running:
    """Hypervolume after each new point, keeping only the non-dominated archive."""

    def __init__(self, ref: Sequence[float]) -> None:
        self.ref = np.asarray(ref, dtype=float)
        self.front = np.empty((0, len(ref)))
        self.value = 0.0

    def add(self, y: Sequence[float]) -> float:
        y = np.asarray(y, dtype=float)
        if not np.all(np.isfinite(y)) or not np.all(y < self.ref):
            return self.value
        f = self.front
        if len(f) and np.any(np.all(f <= y, axis=1)):
            return self.value  # dominated (or equal): nothing changes
        keep = ~np.all(y <= f, axis=1) if len(f) else np.zeros(0, dtype=bool)
        self.front = np.vstack([f[keep], y[None, :]])
        self.value = hypervolume(self.front, self.ref)
        return self.value
