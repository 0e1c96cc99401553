"""pymoo NSGA-II and MOEA/D with their default settings (population 100; MOEA/D with
Das-Dennis reference directions). The search happens in the unit cube; each point is
decoded into parameters and evaluated by the runner's objective one at a time."""

from __future__ import annotations

from typing import Any

from benchmarks.adapters.base import Adapter, Objective, need
from benchmarks.problems.base import Problem, decode

PARTITIONS = {2: 99, 3: 12}  # Das-Dennis: 100 directions for 2 objectives, 91 for 3


class Pymoo(Adapter):
    multi_objective = True
    single_objective = False
    conditional = False

    def __init__(self, *, seed: int, algorithm: str) -> None:
        super().__init__(seed=seed)
        self.algorithm = algorithm  # "nsga2" or "moead"

    def prepare(self) -> None:
        need("pymoo", "pip install -r benchmarks/requirements.txt")
        import pymoo.algorithms.moo.moead  # noqa: F401
        import pymoo.algorithms.moo.nsga2  # noqa: F401
        import pymoo.optimize  # noqa: F401
        import pymoo.util.ref_dirs  # noqa: F401

    def _make(self, n_obj: int) -> Any:
        if self.algorithm == "nsga2":
            from pymoo.algorithms.moo.nsga2 import NSGA2
            return NSGA2()
        from pymoo.algorithms.moo.moead import MOEAD
        from pymoo.util.ref_dirs import get_reference_directions
        ref = get_reference_directions("das-dennis", n_obj, n_partitions=PARTITIONS[n_obj])
        return MOEAD(ref_dirs=ref)

    def run(self, problem: Problem, objective: Objective, budget: int) -> None:
        import numpy as np
        from pymoo.core.problem import ElementwiseProblem
        from pymoo.optimize import minimize

        space = problem.space

        class Wrapped(ElementwiseProblem):
            def __init__(self) -> None:
                super().__init__(n_var=len(space), n_obj=problem.n_objectives, xl=0.0, xu=1.0)

            def _evaluate(self, x: Any, out: dict[str, Any], *args: Any, **kw: Any) -> None:
                out["F"] = np.asarray(objective(decode(space, x)), dtype=float)

        minimize(Wrapped(), self._make(problem.n_objectives), ("n_eval", budget),
                 seed=self.seed, verbose=False)
