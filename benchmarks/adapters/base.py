"""The one interface every optimizer adapter implements.

    adapter = Adapter(seed=..., **registry_kwargs)
    adapter.prepare()                       # imports, before the clock; may raise Unavailable
    adapter.run(problem, objective, budget) # calls objective(params) until it is done

`objective` is the runner's Meter: it returns the internal value (a float, or a tuple of
floats for several objectives; always minimized) and raises a StopRun exception at the
budget or the time cap, which the adapter must let through.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from benchmarks.problems.base import Param, Problem, is_active

Objective = Callable[[Mapping[str, Any]], Any]


class Unavailable(Exception):
    """The optimizer's library is missing or fails to import (reason in the message)."""


def need(module: str, hint: str | None = None) -> Any:
    """Import `module` or raise Unavailable naming what to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except Exception as exc:  # ImportError, or a half-written module's own error
        raise Unavailable(f"cannot import {module} ({type(exc).__name__}: {exc})"
                          + (f"; {hint}" if hint else "")) from None


def preload(*modules: str) -> None:
    """Import modules that a library would import lazily during the first trials (so that
    import time never counts as optimizer overhead); missing ones are skipped. scipy's
    Sobol generator reads its direction numbers on first use: done here too."""
    import importlib
    import importlib.util

    for mod in modules:
        try:
            if importlib.util.find_spec(mod) is not None:
                importlib.import_module(mod)
        except Exception:  # a module that fails to import is the sampler's own problem
            pass
    try:
        from scipy.stats import qmc
        qmc.Sobol(2, scramble=True, seed=0).random(2)
    except Exception:
        pass


COMMON = ("numpy.random", "secrets", "scipy.stats", "scipy.stats.qmc", "scipy.optimize",
          "scipy.linalg", "scipy.special")


class Adapter:
    multi_objective = False   # can run problems with several objectives
    single_objective = True
    conditional = True        # handles conditional spaces natively (else: flattened)

    def __init__(self, *, seed: int) -> None:
        self.seed = seed

    def prepare(self) -> None:
        """Import everything the run needs (raise Unavailable when it cannot)."""

    def run(self, problem: Problem, objective: Objective, budget: int) -> None:
        raise NotImplementedError

    def supports(self, problem: Problem) -> bool:
        if problem.n_objectives > 1:
            return self.multi_objective
        return self.single_objective


def suggest_all(trial: Any, space: Sequence[Param]) -> dict[str, Any]:
    """Define-by-run: suggest each active parameter in order (Optuna's and tuneforge's
    trial API are the same for this)."""
    params: dict[str, Any] = {}
    for p in space:
        if not is_active(p, params):
            continue
        if p.kind == "float":
            params[p.name] = trial.suggest_float(p.name, p.low, p.high, log=p.log)
        elif p.kind == "int":
            params[p.name] = trial.suggest_int(p.name, int(p.low), int(p.high), log=p.log)
        else:
            params[p.name] = trial.suggest_categorical(p.name, list(p.choices))
    return params
