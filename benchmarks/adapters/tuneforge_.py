"""tuneforge: `study.optimize` with a define-by-run objective, any sampler by name."""

from __future__ import annotations

from typing import Any

from benchmarks.adapters.base import (
    COMMON,
    Adapter,
    Objective,
    Unavailable,
    need,
    preload,
    suggest_all,
)
from benchmarks.problems.base import Problem

# Modules tuneforge imports lazily during the first trials: imported in prepare().
LAZY = ("tuneforge.execution.serial", "tuneforge.execution.heartbeat",
        "tuneforge.execution.progress",
        "tuneforge.samplers.tpe", "tuneforge.samplers.genetic", "tuneforge.samplers.cmaes",
        "tuneforge.samplers.nsga2", "tuneforge.samplers.moead",
        "tuneforge.math.ehvi", "tuneforge.math.optimize", "cmaes")


class Tuneforge(Adapter):
    multi_objective = True  # RandomSampler handles several objectives

    def __init__(self, *, seed: int, sampler: str, multi_objective: bool = False,
                 pending: int = 0, **options: Any) -> None:
        super().__init__(seed=seed)
        self.pending = pending   # > 1: that many trials in flight (simulated workers)
        self.sampler_path = sampler
        self.options = options
        self.multi_objective = multi_objective

    def _sampler_class(self) -> Any:
        if ":" in self.sampler_path:  # "module:Class" for samplers outside the public API
            module, _, cls = self.sampler_path.partition(":")
            return getattr(need(module), cls)
        return getattr(need("tuneforge"), self.sampler_path)

    def prepare(self) -> None:
        cls = self._sampler_class()
        if cls is None:
            raise Unavailable(f"tuneforge has no sampler {self.sampler_path!r}")
        preload(*COMMON, *LAZY)
        self.cls = cls
        import logging

        logging.getLogger("tuneforge").setLevel(logging.ERROR)

    def run(self, problem: Problem, objective: Objective, budget: int) -> None:
        import tuneforge as tf

        sampler = self.cls(seed=self.seed, **self.options)
        study = tf.create_study(directions=["minimize"] * problem.n_objectives,
                                sampler=sampler, seed=self.seed)
        space = problem.space

        def fn(trial: Any) -> Any:
            return objective(suggest_all(trial, space))

        if self.pending > 1:
            self._run_in_flight(study, space, objective, budget)
            return
        # catch nothing: the problems never raise, so an exception is the sampler's own
        # and must fail the run (caught, it only made FAIL trials: in an earlier run TPE
        # "finished" ml-cond-cancer with 14-29 evaluations and status ok)
        study.optimize(fn, n_trials=budget, catch=())

    def _run_in_flight(self, study: Any, space: Any, objective: Objective, budget: int) -> None:
        """`pending` workers with equal evaluation times, simulated with ask/tell: each
        new trial is proposed while the others are still running (the sampler sees them
        RUNNING, with their parameters), and the oldest finishes first. Measures the
        quality of parallel proposals per evaluation, free of timing noise."""
        flight: list[tuple[Any, dict[str, Any]]] = []
        asked = 0
        while asked < budget and len(flight) < self.pending:
            trial = study.ask()
            flight.append((trial, suggest_all(trial, space)))
            asked += 1
        while flight:
            trial, params = flight.pop(0)
            study.tell(trial, objective(params))
            if asked < budget:
                nxt = study.ask()
                flight.append((nxt, suggest_all(nxt, space)))
                asked += 1
