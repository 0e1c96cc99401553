"""Optuna: `study.optimize` with a define-by-run objective, any sampler by name."""

from __future__ import annotations

from typing import Any

from benchmarks.adapters.base import COMMON, Adapter, Objective, need, preload, suggest_all
from benchmarks.problems.base import Problem

# Modules a sampler needs (`need`: unavailable without them) and modules Optuna imports
# lazily during the first trials (`preload`); both imported in prepare(), before the clock.
NEEDS = {"GPSampler": ("torch",), "CmaEsSampler": ("cmaes",)}
# greenlet is optional for GPSampler (batched L-BFGS-B); without it Optuna falls back to a
# slower sequential optimizer: install it (benchmarks/requirements.txt) for a fair run.
LAZY = ("optuna.samplers._tpe.sampler", "optuna.samplers.nsgaii", "optuna._gp.acqf",
        "optuna._gp.gp", "optuna._gp.optim_mixed", "optuna._gp.prior",
        "optuna._gp.search_space", "optuna._gp.batched_lbfgsb", "optuna._gp.qmc", "greenlet",
        "cmaes")


class Optuna(Adapter):
    def __init__(self, *, seed: int, sampler: str, multi_objective: bool = False,
                 single_objective: bool = True, **options: Any) -> None:
        super().__init__(seed=seed)
        self.sampler_name = sampler
        self.options = options
        self.multi_objective = multi_objective
        self.single_objective = single_objective

    def prepare(self) -> None:
        optuna = need("optuna", "pip install -r benchmarks/requirements.txt")
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        for mod in NEEDS.get(self.sampler_name, ()):
            need(mod, f"optuna's {self.sampler_name} needs it")
        preload(*COMMON, *(LAZY if self.sampler_name == "GPSampler" else LAZY[:2]))
        import warnings

        warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
        warnings.filterwarnings("ignore", module="optuna")
        self.cls = getattr(optuna.samplers, self.sampler_name)

    def run(self, problem: Problem, objective: Objective, budget: int) -> None:
        import optuna

        sampler = self.cls(seed=self.seed, **self.options)
        study = optuna.create_study(directions=["minimize"] * problem.n_objectives,
                                    sampler=sampler)
        space = problem.space

        def fn(trial: Any) -> Any:
            return objective(suggest_all(trial, space))

        study.optimize(fn, n_trials=budget)
