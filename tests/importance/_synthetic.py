"""A study whose influential parameters are known: y = 10 x0^2 + 4 x1 + 2 [c == b] + x2."""

from __future__ import annotations

import numpy as np

from tuneforge.space.distributions import Categorical, Float
from tuneforge.trial.records import Direction, TrialRecord, TrialState

DIRS = (Direction.MINIMIZE,)


def synthetic(n: int = 300, seed: int = 0) -> list[TrialRecord]:
    rng = np.random.default_rng(seed)
    dists = {f"x{i}": Float(-1.0, 1.0) for i in range(5)}
    dists["c"] = Categorical(("a", "b", "c"))
    out = []
    for i in range(n):
        p = {f"x{j}": float(rng.uniform(-1, 1)) for j in range(5)}
        p["c"] = ["a", "b", "c"][int(rng.integers(3))]
        y = 10 * p["x0"] ** 2 + 4 * p["x1"] + (2.0 if p["c"] == "b" else 0.0) + p["x2"]
        out.append(TrialRecord(number=i, key=str(i), state=TrialState.COMPLETE, params=p,
                               distributions=dists, values=(y,)))
    return out
