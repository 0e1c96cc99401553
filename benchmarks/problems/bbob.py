"""COCO BBOB problems (``import cocoex``): all 24 functions, bounds [-5, 5]^d, instance 1
unless the suite asks for another (the `bbob` suite takes instance seed + 1, so each seed
sees a differently shifted and rotated problem and nothing is tuned to one instance).

Internal value: the regret f(x) - f_opt, f_opt exact from COCO: the function value at the
optimum that COCO itself reports (``problem._best_parameter("print")`` writes x_opt).
cocoex's Cython problem type has no ``final_target_fvalue1`` attribute in the release we
use (2.8), so this is the exact route; f_opt of BBOB is a round number (two decimals) and
is checked to be one. The report shows log10(max(regret, 1e-8)).
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import numpy as np

from benchmarks.problems.base import Metric, Param, Problem, flt

FUNCTIONS = {1: "sphere", 2: "separable ellipsoid", 3: "Rastrigin", 4: "Bueche-Rastrigin",
             5: "linear slope", 6: "attractive sector", 7: "step ellipsoid", 8: "Rosenbrock",
             9: "rotated Rosenbrock", 10: "rotated ellipsoid", 11: "discus", 12: "bent cigar",
             13: "sharp ridge", 14: "different powers", 15: "rotated Rastrigin",
             16: "Weierstrass", 17: "Schaffer F7", 18: "Schaffer F7 ill-conditioned",
             19: "Griewank-Rosenbrock", 20: "Schwefel", 21: "Gallagher 101 peaks",
             22: "Gallagher 21 peaks", 23: "Katsuura", 24: "Lunacek bi-Rastrigin"}
# BBOB's five groups (Hansen et al., "Real-parameter black-box optimization benchmarking
# 2009: noiseless functions definitions"), for per-family summaries
GROUPS = {"separable": (1, 2, 3, 4, 5), "moderate": (6, 7, 8, 9),
          "ill-conditioned": (10, 11, 12, 13, 14), "multimodal": (15, 16, 17, 18, 19),
          "weak-structure": (20, 21, 22, 23, 24)}
# the seven functions of the suite before it covered all 24 (the quick suites use some)
CORE = (1, 2, 8, 10, 15, 17, 21)
DIMS = (2, 5, 10)
METRIC = Metric("log10 regret", sign=1, floor=1e-8, tie_abs=0.1)


def name_of(f: int, d: int) -> str:
    return f"bbob-f{f}-d{d}"


NAMES = tuple(name_of(f, d) for f in FUNCTIONS for d in DIMS)


def f_opt(problem: Any) -> float:
    """The optimal value of a cocoex problem, evaluated at the x_opt that COCO writes
    (in a temporary folder, so parallel runs never share the file)."""
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            problem._best_parameter("print")
            x_opt = np.atleast_1d(np.loadtxt("._bbob_problem_best_parameter.txt"))
        finally:
            os.chdir(here)
    value = float(problem(x_opt))
    if abs(value * 100 - round(value * 100)) > 1e-6:
        raise RuntimeError(f"{problem.id}: f_opt {value!r} is not a BBOB round value")
    return round(value, 2)


def build(name: str, checkpoints: tuple[int, ...] = (10, 25, 50, 100), *,
          instance: int = 1) -> Problem:
    """The problem `name` ("bbob-f<function>-d<dimension>") at COCO instance `instance`
    (>= 1; instances differ by the shift of the optimum, rotations and f_opt)."""
    _, fpart, dpart = name.split("-")
    fid, dim = int(fpart[1:]), int(dpart[1:])
    if fid not in FUNCTIONS or dim < 2:
        raise ValueError(f"{name}: BBOB has functions 1-24 and dimensions >= 2")
    if not (isinstance(instance, int) and instance >= 1):
        raise ValueError(f"{name}: instance must be an int >= 1, got {instance!r}")
    import cocoex

    suite = cocoex.Suite("bbob", f"instances: {instance}",
                         f"function_indices: {fid} dimensions: {dim}")
    coco = suite.get_problem_by_function_dimension_instance(fid, dim, instance)
    fopt = f_opt(coco)
    names = [f"x{i}" for i in range(dim)]
    space: tuple[Param, ...] = tuple(flt(n, -5.0, 5.0) for n in names)

    def evaluate(params: dict[str, float]) -> float:
        x = np.fromiter((params[n] for n in names), dtype=float, count=dim)
        return max(float(coco(x)) - fopt, 0.0)

    return Problem(name=name, family=f"bbob-f{fid}", space=space, evaluate=evaluate,
                   metric=METRIC, checkpoints=checkpoints,
                   info={"function": FUNCTIONS.get(fid, "?"), "d": dim, "f_opt": fopt,
                         "instance": instance, "coco_id": coco.id})
