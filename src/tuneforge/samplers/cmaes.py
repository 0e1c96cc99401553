"""CMA-ES through the `cmaes` library (extra `cmaes`), its state rebuilt from the trials.

Why replay and not a stored snapshot: samplers do not write storage, and the only thing
every worker and every resumed process can read is the trials. Each trial CMA-ES
proposes records `cma_space` (a digest of the numeric space), `cma_restart`,
`cma_generation`, `cma_popsize` and `cma_x` (the unrounded vector the optimizer told
about, as a JSON list) in its system attributes. The optimizer state is a deterministic
function of those: starting from the initial distribution, generation g is told with the
first `popsize` COMPLETE trials of generation g in trial-number order, once every trial
before them has finished (a FAIL or PRUNED trial is skipped, a RUNNING one is waited
for: while it runs, new trials are more samples of generation g, so nothing blocks).
Because the rule looks only at the stored trials, a fresh sampler after a restart, any
worker process, and the live sampler arrive at the same mean, step size and covariance.
Replay costs O(generations * d^3) once per process; afterwards only new generations are
told. No pickle, no snapshot to keep in sync, nothing to migrate when `cmaes` changes
its internals.

Numeric parameters are optimized in the unit-cube encoding (log scales included).
Integer and stepped parameters use CMA-ES with margin (Hamano et al., "CMA-ES with
Margin", GECCO 2022) when `with_margin`, else plain rounding. Categorical parameters
are sampled uniformly and independently (listed in the trial's `cma_independent`
attribute); with fewer than two numeric parameters everything is sampled that way.
IPOP restarts (Auger & Hansen, CEC 2005): when `should_stop()` says the run converged,
a new run starts from a random mean with the population doubled.
"""

from __future__ import annotations

import hashlib
import json
import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tuneforge.exceptions import TuneforgeError, missing_extra
from tuneforge.samplers.base import (
    BaseSampler,
    ConstraintsFunc,
    Suggestion,
    checked_constraints_func,
)
from tuneforge.space.distributions import (
    Categorical,
    Distribution,
    n_levels,
    resolved_levels,
)
from tuneforge.space.encoding import from_unit
from tuneforge.trial.constraints import violation
from tuneforge.trial.records import Direction, History, TrialRecord, TrialState

_BIG = 1e300  # stands for +inf (and for infeasible trials) when telling CMA-ES


def _import_cmaes() -> Any:
    try:
        import cmaes
    except ImportError:
        raise missing_extra("cmaes", "cmaes") from None
    return cmaes


@dataclass
class _Run:
    """One CMA-ES run of a restart sequence: the optimizer and where replay stands."""

    restart: int
    popsize: int
    opt: Any


class CmaEsSampler(BaseSampler):
    """Covariance matrix adaptation evolution strategy (Hansen & Ostermeier 2001) for
    numeric spaces; see the module docstring for state, margin and restarts.

    - `sigma0`: initial step size in the unit cube (default 1/6 of each range).
    - `restart`: "ipop" for IPOP restarts, None for a single run.
    - `popsize`: initial population (default 4 + floor(3 ln d)).
    - `with_margin`: CMA-ES with margin for integer and stepped parameters.
    """

    relative = True
    _transient = {"_runs": dict}  # rebuilt from the trials in each worker process
    _runs: dict[str, _Run]

    def __init__(self, *, seed: int | None = None, sigma0: float | None = None,
                 restart: str | None = "ipop", popsize: int | None = None,
                 with_margin: bool = True, constraints_func: ConstraintsFunc | None = None) -> None:
        if restart not in ("ipop", None):
            raise ValueError(f"restart must be 'ipop' or None, got {restart!r}")
        if sigma0 is not None and not sigma0 > 0:
            raise ValueError(f"sigma0 must be positive, got {sigma0}")
        if popsize is not None and popsize < 2:
            raise ValueError(f"popsize must be >= 2, got {popsize}")
        _import_cmaes()
        self.seed = seed
        self.constraints_func = checked_constraints_func(constraints_func, self)
        self.sigma0 = sigma0
        self.restart = restart
        self.popsize = popsize
        self.with_margin = with_margin
        super().__init__()

    def __repr__(self) -> str:
        return (f"CmaEsSampler(seed={self.seed!r}, restart={self.restart!r}, "
                f"with_margin={self.with_margin})")

    # -- sampling --------------------------------------------------------------------
    def sample(self, space: Mapping[str, Distribution], history: History,
               rng: np.random.Generator, trial: TrialRecord) -> Suggestion:
        if not space:
            return Suggestion({})
        if len(history.directions) != 1:
            raise TuneforgeError("CmaEsSampler optimizes one objective; this study has "
                                 f"{len(history.directions)}: use NSGAIISampler or "
                                 "MOEADSampler for several")
        numeric = [n for n, d in space.items()
                   if not isinstance(d, Categorical) and n_levels(d) != 1]
        others = [n for n in space if n not in numeric]
        params: dict[str, Any] = {}
        attrs: dict[str, Any] = {"sampler": "CmaEsSampler"}
        u = rng.random(len(space))
        for i, name in enumerate(space):
            if name in others or len(numeric) < 2:
                params[name] = from_unit(space[name], float(u[i]))
        independent = [n for n, d in space.items() if n in others and isinstance(d, Categorical)
                       and len(d.choices) > 1]
        if len(numeric) < 2:
            attrs["cma_independent"] = list(space)
            return Suggestion(params, attrs)
        if independent:
            attrs["cma_independent"] = independent
        items = [(n, space[n]) for n in numeric]
        key = hashlib.sha256(json.dumps([[n, d.to_json()] for n, d in items],
                                        sort_keys=True).encode()).hexdigest()[:16]
        sign = 1.0 if history.directions[0] is Direction.MINIMIZE else -1.0
        run = self._replay(key, items, history.trials(), sign)
        run.opt.reseed_rng(int(rng.integers(2**31 - 1)))
        if self._margin(items):
            x_eval, x_tell = run.opt.ask()
        else:
            x_tell = run.opt.ask()
            x_eval = x_tell
        for (name, dist), x in zip(items, x_eval, strict=True):
            params[name] = from_unit(dist, float(x))
        attrs.update({"cma_space": key, "cma_restart": run.restart,
                      "cma_generation": int(run.opt.generation), "cma_popsize": run.popsize,
                      "cma_x": [float(v) for v in x_tell]})
        return Suggestion({n: params[n] for n in space}, attrs)

    def state(self, space: Mapping[str, Distribution], history: History) -> dict[str, Any]:
        """The replayed optimizer state for `space` (restart, generation, mean, sigma):
        for reports and tests. The numeric parameters of `space` are used."""
        items = [(n, d) for n, d in space.items()
                 if not isinstance(d, Categorical) and n_levels(d) != 1]
        key = hashlib.sha256(json.dumps([[n, d.to_json()] for n, d in items],
                                        sort_keys=True).encode()).hexdigest()[:16]
        sign = 1.0 if history.directions[0] is Direction.MINIMIZE else -1.0
        run = self._replay(key, items, history.trials(), sign)
        return {"restart": run.restart, "generation": int(run.opt.generation),
                "popsize": run.popsize, "mean": [float(v) for v in run.opt.mean]}

    # -- state -----------------------------------------------------------------------
    def _margin(self, items: Sequence[tuple[str, Distribution]]) -> bool:
        return self.with_margin and any(resolved_levels(d) >= 2 for _, d in items)

    def _new_run(self, items: Sequence[tuple[str, Distribution]], restart: int, popsize: int,
                 mean: np.ndarray) -> _Run:
        cmaes = _import_cmaes()
        d = len(items)
        sigma = self.sigma0 if self.sigma0 is not None else 1.0 / 6.0
        # a grid too fine for a float's resolution (2**53 integers) is continuous here
        levels = np.array([resolved_levels(dist) for _, dist in items], dtype=np.float64)
        if self._margin(items):
            disc = levels >= 2
            k = np.where(disc, levels, 1.0)
            bounds = np.column_stack([np.where(disc, 0.5 / k, 0.0),
                                      np.where(disc, 1.0 - 0.5 / k, 1.0)])
            steps = np.where(disc, 1.0 / k, 0.0)
            mean = np.clip(mean, bounds[:, 0], bounds[:, 1])
            opt = cmaes.CMAwM(mean=mean, sigma=sigma, bounds=bounds, steps=steps, seed=0,
                              population_size=popsize)
        else:
            bounds = np.tile([0.0, 1.0], (d, 1))
            opt = cmaes.CMA(mean=mean, sigma=sigma, bounds=bounds, seed=0,
                            population_size=popsize)
        return _Run(restart, popsize, opt)

    def _replay(self, key: str, items: Sequence[tuple[str, Distribution]],
                trials: Sequence[TrialRecord], sign: float) -> _Run:
        """Bring the run for `key` up to date with the finished trials (module doc)."""
        d = len(items)
        run = self._runs.get(key)
        if run is None:
            popsize = self.popsize or 4 + int(math.floor(3 * math.log(d)))
            run = self._runs[key] = self._new_run(items, 0, popsize, np.full(d, 0.5))
        by_generation: dict[tuple[int, int], list[TrialRecord]] = {}
        for t in trials:
            a = t.system_attrs
            if a.get("cma_space") != key or not isinstance(a.get("cma_x"), list):
                continue
            if a.get("cma_restart", -1) < run.restart or len(a["cma_x"]) != d:
                continue
            by_generation.setdefault((a["cma_restart"], a["cma_generation"]), []).append(t)
        while True:
            members = sorted(by_generation.get((run.restart, run.opt.generation), []),
                             key=lambda t: t.number)
            told: list[tuple[np.ndarray, float]] = []
            for t in members:
                if t.state is TrialState.COMPLETE and t.values:
                    told.append((np.array(t.system_attrs["cma_x"], dtype=float),
                                 _loss(t, sign)))
                elif not t.state.is_finished:
                    break
                if len(told) == run.popsize:
                    break
            if len(told) < run.popsize:
                return run
            run.opt.tell(told)
            if self.restart == "ipop" and run.opt.should_stop():
                seed = [run.restart + 1, zlib.crc32(key.encode()),
                        zlib.crc32(np.asarray(run.opt.mean, dtype=float).tobytes())]
                mean = np.random.default_rng(seed).random(d)
                run = self._runs[key] = self._new_run(items, run.restart + 1, run.popsize * 2,
                                                      mean)


def _loss(t: TrialRecord, sign: float) -> float:
    """The value CMA-ES minimizes: finite, with infeasible trials worst of all."""
    if violation(t) > 0:
        return _BIG
    v = float(t.values[0]) * sign  # type: ignore[index]  # COMPLETE: values set
    return float(np.clip(v, -_BIG, _BIG))


__all__ = ["CmaEsSampler"]
