"""scikit-optimize: gp_minimize / forest_minimize. No conditional spaces: every
parameter is searched and the inactive ones are ignored by the objective."""

from __future__ import annotations

from typing import Any

from benchmarks.adapters.base import Adapter, Objective, need
from benchmarks.problems.base import Problem, active


class Skopt(Adapter):
    conditional = False

    def __init__(self, *, seed: int, method: str) -> None:
        super().__init__(seed=seed)
        self.method = method  # "gp_minimize" or "forest_minimize"

    def prepare(self) -> None:
        skopt = need("skopt", "pip install -r benchmarks/requirements.txt")
        self.fn = getattr(skopt, self.method)
        import warnings

        warnings.filterwarnings("ignore", module="skopt")
        warnings.filterwarnings("ignore", module="sklearn")

    def run(self, problem: Problem, objective: Objective, budget: int) -> None:
        from skopt.space import Categorical, Integer, Real

        dims: list[Any] = []
        for p in problem.space:
            prior = "log-uniform" if p.log else "uniform"
            if p.kind == "float":
                dims.append(Real(p.low, p.high, prior=prior, name=p.name))
            elif p.kind == "int":
                dims.append(Integer(int(p.low), int(p.high), prior=prior, name=p.name))
            else:
                dims.append(Categorical(list(p.choices), name=p.name))
        names = [p.name for p in problem.space]

        def fn(x: list[Any]) -> float:
            params = {n: (v.item() if hasattr(v, "item") else v)
                      for n, v in zip(names, x, strict=True)}
            return float(objective(active(problem.space, params)))

        self.fn(fn, dims, n_calls=budget, n_initial_points=min(10, budget),
                random_state=self.seed)
