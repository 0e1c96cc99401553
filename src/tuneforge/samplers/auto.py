"""AutoSampler: picks a sampler per trial from the space, the study's size and its
parallelism, and records on the trial which one proposed it and why.

Rules (first match wins), re-evaluated at every trial so the choice follows the study:

1. Several objectives: `choose_multi_objective` -- multi-objective BO (`MOBOSampler`)
   for a small budget over a numeric or mixed, unconditional space; past it MOEA/D
   (`MOEADSampler`) on an all-numeric space, else multi-objective TPE.
2. The space is conditional (finished trials have different parameter sets), or
   categorical-heavy (more than half of the parameters): TPE, which groups conditional
   parameters and models categories directly.
3. More than `gp_max_trials` finished trials: TPE (a GP's cost grows as n^3).
4. Many trials running at once (>= `gp_max_parallel`): TPE, whose constant liar spreads
   a batch for free.
5. Otherwise a small numeric budget: the GP sampler (`tuneforge.samplers.gp`).

A trial keeps the sampler that made its joint proposal for the parameters it asks for
later (define-by-run), so TPE's groups stay consistent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from tuneforge.samplers.base import (
    BaseSampler,
    ConstraintsFunc,
    Sampler,
    Suggestion,
    checked_constraints_func,
)
from tuneforge.samplers.gp import GPSampler
from tuneforge.samplers.mobo import MOBOSampler
from tuneforge.samplers.moead import MOEADSampler
from tuneforge.samplers.prior import SupportsPrior, TransferPrior
from tuneforge.samplers.tpe import TPESampler
from tuneforge.space.distributions import Categorical, Distribution
from tuneforge.trial.records import History, TrialRecord, TrialState

GP_MAX_TRIALS = 200
GP_MAX_PARALLEL = 8
GP_MAX_DIMS = 20
# multi-objective BO: one GP per objective, each O(n^3); measured ahead of TPE and
# NSGA-II at 100 evaluations on 30-variable ZDT problems (benchmarks/README.md)
MOBO_MAX_TRIALS = 200
MOBO_MAX_DIMS = 40
_SAMPLERS = {"GPSampler": GPSampler, "TPESampler": TPESampler, "MOBOSampler": MOBOSampler,
             "MOEADSampler": MOEADSampler}


def choose_multi_objective(space: Mapping[str, Distribution],
                           history: History) -> tuple[str, str]:
    """(sampler name, reason) for a study with several objectives: `MOBOSampler` while
    the budget is small (fewer than `MOBO_MAX_TRIALS` complete trials, fewer than
    `GP_MAX_PARALLEL` running) and the space numeric or mixed (unconditional, at most
    half categorical, at most `MOBO_MAX_DIMS` parameters). Past that, `MOEADSampler` on
    an all-numeric unconditional space (the best median hypervolume on ZDT1-3 and DTLZ2
    at 200 and 1,000 evaluations, benchmarks/README.md), and multi-objective TPE
    otherwise, which is cheap at any size and groups conditional parameters."""
    m = len(history.directions)
    finished = history.trials((TrialState.COMPLETE, TrialState.PRUNED))
    n = sum(t.state is TrialState.COMPLETE for t in finished)
    running = sum(1 for _ in history.trials((TrialState.RUNNING,)))
    param_sets = {frozenset(t.params) for t in finished}
    n_cat = sum(isinstance(d, Categorical) for d in space.values())
    tpe = f"{m} objectives, multi-objective TPE: "
    if len(param_sets) > 1:
        return "TPESampler", (tpe + "conditional space (finished trials have "
                              f"{len(param_sets)} different parameter sets)")
    if space and n_cat * 2 > len(space):
        return "TPESampler", (tpe + f"categorical-heavy space ({n_cat} of {len(space)} "
                              "parameters are categorical)")
    # past multi-objective BO's range: MOEA/D on numbers, TPE where categories remain
    late, prefix = (("MOEADSampler", f"{m} objectives, all-numeric space, MOEA/D: ")
                    if n_cat == 0 else ("TPESampler", tpe))
    if len(space) > MOBO_MAX_DIMS:
        return late, (prefix + f"{len(space)} parameters (multi-objective BO is used "
                      f"up to {MOBO_MAX_DIMS})")
    if n >= MOBO_MAX_TRIALS:
        return late, (prefix + f"{n} completed trials (multi-objective BO is used "
                      f"below {MOBO_MAX_TRIALS}; its cost grows as n^3)")
    if running >= GP_MAX_PARALLEL:
        return late, (prefix + f"{running} trials running at once (a population spreads "
                      "a parallel batch)" if n_cat == 0 else prefix + f"{running} trials "
                      "running at once (constant liar spreads a parallel batch)")
    return "MOBOSampler", (f"{m} objectives, numeric or mixed space, {n} completed trials "
                           f"(< {MOBO_MAX_TRIALS}): multi-objective BO (a GP per objective, "
                           "expected hypervolume improvement)")


class AutoSampler(BaseSampler):
    """Chooses GP, multi-objective BO, MOEA/D or TPE per trial (module docstring) and says
    why in the trial's system attributes: {"sampler": "GPSampler" | "MOBOSampler" |
    "MOEADSampler" | "TPESampler", "auto_reason": "..."}.

    The samplers it chose travel with it to worker processes (each drops its own caches);
    which trial got which does not."""

    relative = True
    _transient = {"_chosen": dict}
    _chosen: dict[str, tuple[str, str]]  # trial key -> (sampler, reason)

    def __init__(self, *, seed: int | None = None,
                 constraints_func: ConstraintsFunc | None = None) -> None:
        self.seed = seed
        self.constraints_func = checked_constraints_func(constraints_func, self)
        self._samplers: dict[str, Sampler] = {}
        self._prior: TransferPrior | None = None
        super().__init__()

    def __repr__(self) -> str:
        return f"AutoSampler(seed={self.seed!r})"

    def _get(self, name: str) -> Sampler:
        if name not in self._samplers:
            self._samplers[name] = _SAMPLERS[name]()
            self._hand_prior(self._samplers[name])
        return self._samplers[name]

    # -- warm-start hook: the prior goes to every sampler that can use it ---------------
    @property
    def prior(self) -> TransferPrior | None:
        """The warm start's transferred observations, or None."""
        return self._prior

    def set_prior(self, prior: TransferPrior | None) -> None:
        """Hand a warm start's transferred observations to the chosen samplers (TPE, GP)."""
        self._prior = prior
        for sub in self._samplers.values():
            self._hand_prior(sub)

    def _hand_prior(self, sub: Sampler) -> None:
        if isinstance(sub, SupportsPrior):
            sub.set_prior(self._prior)

    def choose(self, space: Mapping[str, Distribution],
               history: History) -> tuple[str, str]:
        """(sampler name, reason) for the next trial of `history` over `space`."""
        if len(history.directions) > 1:
            return choose_multi_objective(space, history)
        finished = history.trials((TrialState.COMPLETE, TrialState.PRUNED))
        running = sum(1 for t in history.trials((TrialState.RUNNING,)))
        n = sum(t.state is TrialState.COMPLETE for t in finished)
        param_sets = {frozenset(t.params) for t in finished}
        n_cat = sum(isinstance(d, Categorical) for d in space.values())
        if len(param_sets) > 1:
            return "TPESampler", ("conditional space: finished trials have "
                                  f"{len(param_sets)} different parameter sets")
        if space and n_cat * 2 > len(space):
            return "TPESampler", (f"categorical-heavy space ({n_cat} of {len(space)} "
                                  "parameters are categorical)")
        if len(space) > GP_MAX_DIMS:
            return "TPESampler", f"{len(space)} parameters (a GP is used up to {GP_MAX_DIMS})"
        if n >= GP_MAX_TRIALS:
            return "TPESampler", (f"{n} completed trials (a GP is used below "
                                  f"{GP_MAX_TRIALS}; its cost grows as n^3)")
        if running >= GP_MAX_PARALLEL:
            return "TPESampler", (f"{running} trials running at once (constant liar "
                                  "spreads a parallel batch)")
        return "GPSampler", f"numeric space, {n} completed trials (< {GP_MAX_TRIALS})"

    def sample(self, space: Mapping[str, Distribution], history: History,
               rng: np.random.Generator, trial: TrialRecord) -> Suggestion:
        if self._chosen:
            live = {t.key for t in history.trials((TrialState.RUNNING, TrialState.WAITING))}
            for key in [k for k in self._chosen if k not in live and k != trial.key]:
                del self._chosen[key]
        choice = self._chosen.get(trial.key)
        if choice is None:
            choice = self.choose(space, history)
            self._chosen[trial.key] = choice
        name, reason = choice
        sub = self._get(name).sample(space, history, rng, trial)
        attrs = dict(sub.attrs)
        attrs.update({"sampler": name, "auto_reason": reason})
        return Suggestion(sub.params, attrs)


def sampler_report(trials: Iterable[TrialRecord]) -> dict[str, int]:
    """How many trials each sampler proposed (system attribute "sampler"); trials without
    it are counted under "enqueued" (enqueued by hand) or "unknown"."""
    counts: dict[str, int] = {}
    for t in trials:
        name = t.system_attrs.get("sampler")
        if not isinstance(name, str):
            name = "enqueued" if t.system_attrs.get("enqueued") else "unknown"
        counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


__all__ = ["AutoSampler", "choose_multi_objective", "sampler_report"]
