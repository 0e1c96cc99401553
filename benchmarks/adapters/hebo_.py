"""HEBO (Cowen-Rivers et al., JAIR 2022; Huawei Noah's Ark): `HEBO(space).suggest` /
`observe`, its defaults (GP with input/output warping, the MACE acquisition ensemble
optimized by NSGA-II, 1 + d Sobol start-up points). No conditional spaces: every
parameter is searched and the inactive ones are ignored by the objective.

HEBO 0.3.6 pins numpy < 1.25 and pymoo 0.6.0, so it lives in its own environment
(`make .venv-hebo`); the runner then runs with that interpreter
(`.venv-hebo/bin/python -m benchmarks run --optimizers hebo ...`) and its results file is
read together with the others'. In the main environment `hebo` is reported unavailable.
"""

from __future__ import annotations

from typing import Any

from benchmarks.adapters.base import Adapter, Objective, need, preload
from benchmarks.problems.base import Param, Problem, active

HINT = "HEBO needs its own environment: make .venv-hebo, then run with .venv-hebo/bin/python"


def hebo_param(p: Param) -> dict[str, Any]:
    """HEBO's description of one parameter (log scales as its `pow` types, base 10)."""
    if p.kind == "cat":
        return {"name": p.name, "type": "cat", "categories": list(p.choices)}
    if p.kind == "int":
        kind = "pow_int" if p.log else "int"
        return {"name": p.name, "type": kind, "lb": int(p.low), "ub": int(p.high)}
    return {"name": p.name, "type": "pow" if p.log else "num", "lb": p.low, "ub": p.high}


def plain(p: Param, value: Any) -> Any:
    """A value from HEBO's data frame as the problem's Python type, inside its bounds."""
    if p.kind == "cat":
        return value.item() if hasattr(value, "item") else value
    if p.kind == "int":
        return int(min(max(round(float(value)), p.low), p.high))
    return float(min(max(float(value), p.low), p.high))


class Hebo(Adapter):
    conditional = False

    def prepare(self) -> None:
        need("hebo.optimizers.hebo", HINT)
        need("hebo.design_space.design_space", HINT)
        # HEBO warns about pymoo's compiled modules and its own numerics on every call
        import logging
        import warnings

        warnings.filterwarnings("ignore")
        logging.getLogger("pymoo").setLevel(logging.ERROR)
        preload("torch", "GPy", "pymoo.algorithms.moo.nsga2", "sklearn.preprocessing",
                "pandas")

    def run(self, problem: Problem, objective: Objective, budget: int) -> None:
        import numpy as np
        import torch
        from hebo.design_space.design_space import DesignSpace
        from hebo.optimizers.hebo import HEBO

        np.random.seed(self.seed)  # HEBO draws from the global generators
        torch.manual_seed(self.seed)
        space = DesignSpace().parse([hebo_param(p) for p in problem.space])
        opt = HEBO(space, scramble_seed=self.seed)
        for _ in range(budget):
            rec = opt.suggest(n_suggestions=1)
            row = rec.iloc[0]
            params = {p.name: plain(p, row[p.name]) for p in problem.space}
            value = float(objective(active(problem.space, params)))
            opt.observe(rec, np.array([[value]]))
