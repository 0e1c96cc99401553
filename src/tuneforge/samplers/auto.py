"""AutoSampler: picks a sampler per trial from the space, the study's size, its
parallelism and the evidence of the study itself, and records on the trial which one
proposed it and why.

Rules (first match wins), re-evaluated at every trial so the choice follows the study:

1. Several objectives: `choose_multi_objective` -- multi-objective BO (`MOBOSampler`)
   for a small budget over a numeric or mixed, unconditional space; past it MOEA/D
   (`MOEADSampler`) on an all-numeric space, else multi-objective TPE.
2. A conditional space (finished trials have different parameter sets): TPE, which
   groups conditional parameters -- unless `portfolio=True`, see 5. A categorical-heavy
   space (more than half of the parameters): TPE, which models categories directly.
3. More than `GP_MAX_DIMS` parameters or `GP_MAX_TRIALS` finished trials: TPE (a GP's
   cost grows as n^3).
4. Many trials running at once (>= `GP_MAX_PARALLEL`): TPE, whose constant liar spreads
   a batch for free.
5. Otherwise the GP sampler (`tuneforge.samplers.gp`), or, with ``portfolio=True``
   (opt-in until the full bbob suite shows it ahead: on a reduced run it ranked behind
   the GP at 50 and 100 evaluations), a portfolio of the GP and TPE sharing the one history
   (`tuneforge.samplers.portfolio`): the GP's space-filling start first, then each
   proposal goes to the member whose recent proposals reached the study's best values
   most often (Thompson sampling over their success rates). The GP's prior credit is
   its fit quality, the rank correlation of its leave-one-out predictions: high on
   smooth problems, where it starts with most proposals; near zero on rugged ones,
   where TPE soon takes over. A conditional space goes to the same portfolio (the GP
   models each branch), so evidence, not the shape of the space, routes it.

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
from tuneforge.samplers.portfolio import member_evidence, thompson
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
# the portfolio: TPE joins once its own random start is over (its proposals before that
# are uniform draws, which would discredit it); the GP's prior pseudo-successes are
# GP_PRIOR_WEIGHT times its leave-one-out rank correlation (DEFAULT_FIT_QUALITY until the
# first model) over a Beta(1, 1); TPE's prior is Beta(1, 2): at 25-100 evaluations the GP
# was ahead of TPE on 16 of 18 BBOB problems, so TPE has to earn its proposals (weight 6
# ranked best of the three settings tried: benchmarks/README.md, "Auto portfolio")
TPE_STARTUP = 10
GP_PRIOR_WEIGHT = 6.0
DEFAULT_FIT_QUALITY = 0.67
TPE_PRIOR = (1.0, 2.0)
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
    "MOEADSampler" | "TPESampler", "auto_reason": "..."}, plus "auto_member" (the
    member's name) on a portfolio choice, which is how its outcome is credited.

    The samplers it chose travel with it to worker processes (each drops its own caches);
    which trial got which does not."""

    relative = True
    _transient = {"_chosen": dict}
    # trial key -> (sampler, reason, chosen by the portfolio)
    _chosen: dict[str, tuple[str, str, bool]]

    def __init__(self, *, seed: int | None = None,
                 constraints_func: ConstraintsFunc | None = None,
                 portfolio: bool = False) -> None:
        self.seed = seed
        # off by default: on the reduced bbob run (9 functions, d = 2 and 5, 2 seeds) the
        # portfolio ranked level with the GP at 25 evaluations and behind it at 50 and
        # 100 (benchmarks/results/partial/auto-portfolio-v3.json), so the default stays
        # the measured rule until the full suite says otherwise
        self.portfolio = bool(portfolio)
        self.constraints_func = checked_constraints_func(constraints_func, self)
        self._samplers: dict[str, Sampler] = {}
        self._prior: TransferPrior | None = None
        super().__init__()

    def __repr__(self) -> str:
        extra = ", portfolio=True" if self.portfolio else ""
        return f"AutoSampler(seed={self.seed!r}{extra})"

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

    def choose(self, space: Mapping[str, Distribution], history: History,
               rng: np.random.Generator | None = None) -> tuple[str, str]:
        """(sampler name, reason) for the next trial of `history` over `space`; `rng`
        draws the portfolio's choice (None: each member's posterior mean decides)."""
        name, reason, _ = self._decide(space, history, rng)
        return name, reason

    def _decide(self, space: Mapping[str, Distribution], history: History,
                rng: np.random.Generator | None) -> tuple[str, str, bool]:
        """`choose`, and whether the portfolio made the choice."""
        if len(history.directions) > 1:
            return (*choose_multi_objective(space, history), False)
        finished = history.trials((TrialState.COMPLETE, TrialState.PRUNED))
        running = sum(1 for t in history.trials((TrialState.RUNNING,)))
        n = sum(t.state is TrialState.COMPLETE for t in finished)
        param_sets = {frozenset(t.params) for t in finished}
        n_cat = sum(isinstance(d, Categorical) for d in space.values())
        conditional = len(param_sets) > 1   # the portfolio routes it by evidence
        if conditional and not self.portfolio:
            return "TPESampler", ("conditional space: finished trials have "
                                  f"{len(param_sets)} different parameter sets"), False
        if space and n_cat * 2 > len(space) and not conditional:
            return "TPESampler", (f"categorical-heavy space ({n_cat} of {len(space)} "
                                  "parameters are categorical)"), False
        if len(space) > GP_MAX_DIMS:
            return ("TPESampler", f"{len(space)} parameters (a GP is used up to {GP_MAX_DIMS})",
                    False)
        if n >= GP_MAX_TRIALS:
            return "TPESampler", (f"{n} completed trials (a GP is used below "
                                  f"{GP_MAX_TRIALS}; its cost grows as n^3)"), False
        if running >= GP_MAX_PARALLEL:
            return "TPESampler", (f"{running} trials running at once (constant liar "
                                  "spreads a parallel batch)"), False
        if not self.portfolio:
            return ("GPSampler", f"numeric space, {n} completed trials (< {GP_MAX_TRIALS})",
                    False)
        kind = ("conditional space (finished trials have "
                f"{len(param_sets)} different parameter sets)" if conditional
                else "numeric space")
        d = max(len(space), 1)
        gp_start = min(max(5, d + 1), 20)  # the GP sampler's own default start
        if n < gp_start:
            return "GPSampler", (f"{kind}, {n} completed trials: the GP's space-filling "
                                 f"start ({gp_start} trials)"), False
        if n < TPE_STARTUP:
            return "GPSampler", (f"{kind}, {n} completed trials: GP (TPE joins the "
                                 f"portfolio at {TPE_STARTUP})"), False
        return (*self._portfolio(space, history, rng, kind, n), True)

    def _portfolio(self, space: Mapping[str, Distribution], history: History,
                   rng: np.random.Generator | None, kind: str, n: int) -> tuple[str, str]:
        """GP or TPE by Thompson sampling over their recent success rates
        (`portfolio`), the GP's prior set by its leave-one-out fit quality."""
        members = ("GPSampler", "TPESampler")
        evidence = member_evidence(history.trials(), history.directions[0], members)
        gp = self._get("GPSampler")
        quality = getattr(gp, "fit_quality", None)
        fitted = quality(space, history) if quality is not None else None
        rho = DEFAULT_FIT_QUALITY if fitted is None else fitted[0]
        priors = {"GPSampler": (1.0 + GP_PRIOR_WEIGHT * max(rho, 0.0), 1.0),
                  "TPESampler": TPE_PRIOR}
        if rng is None:
            means = {m: (priors[m][0] + e.wins) / (sum(priors[m]) + e.tries)
                     for m, e in evidence.items()}
            name = max(means, key=lambda m: means[m])
            how = "higher posterior mean"
        else:
            name, _ = thompson(evidence, priors, rng)
            how = "Thompson draw"
        fit = ("GP fit quality (leave-one-out rank correlation) not yet measured"
               if fitted is None else
               f"GP fit quality (leave-one-out rank correlation) {rho:.2f} on {fitted[1]} trials")
        return name, (f"{kind}, {n} completed trials: portfolio; recent proposals in the "
                      f"best fifth: GP {evidence['GPSampler']}, TPE {evidence['TPESampler']}; "
                      f"{fit}; {how} chose {name[:-7]}")

    def sample(self, space: Mapping[str, Distribution], history: History,
               rng: np.random.Generator, trial: TrialRecord) -> Suggestion:
        if self._chosen:
            live = {t.key for t in history.trials((TrialState.RUNNING, TrialState.WAITING))}
            for key in [k for k in self._chosen if k not in live and k != trial.key]:
                del self._chosen[key]
        # the portfolio draws from its own stream, taken whether or not it draws, so the
        # member sees the same rng state on every call for a trial
        draw_rng = np.random.default_rng(int(rng.integers(2**63)))
        choice = self._chosen.get(trial.key)
        if choice is None:
            choice = self._decide(space, history, draw_rng)
            self._chosen[trial.key] = choice
        name, reason, by_portfolio = choice
        sub = self._get(name).sample(space, history, rng, trial)
        attrs = dict(sub.attrs)
        attrs.update({"sampler": name, "auto_reason": reason})
        if by_portfolio:  # credited to the member when its value comes in
            attrs["auto_member"] = name
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
