"""Random search in plain numpy: the baseline every optimizer must beat."""

from __future__ import annotations

from benchmarks.adapters.base import Adapter, Objective
from benchmarks.problems.base import Problem, decode


class NumpyRandom(Adapter):
    multi_objective = True

    def run(self, problem: Problem, objective: Objective, budget: int) -> None:
        import numpy as np

        rng = np.random.default_rng(self.seed)
        for _ in range(budget):
            objective(decode(problem.space, rng.random(len(problem.space))))
