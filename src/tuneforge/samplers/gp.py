"""Bayesian optimization with a Gaussian process: the sampler (several objectives are
handed to `tuneforge.samplers.mobo`).

The sampler is relative: the study calls it once per trial with the joint space that the
finished trials share. It proposes Sobol points for the first `n_startup_trials`, then
fits a GP (`tuneforge.math.gp`) to the warped objective values over the unit-cube
encoding (`gp_model.Layout`), and maximizes log expected improvement (or a confidence
bound) times the probability of feasibility of each constraint
(`tuneforge.math.acquisition`) with quasi-random screening, batched L-BFGS-B and a
discrete local search (`tuneforge.math.optimize`); every other trial minimizes the
model's mean instead (greedy), and on an all-continuous space both search a trust region
around the best point (`tuneforge.math.trust_region`). Pruned trials are modelled at their
last reported value, never better than the worst complete trial (`gp_model.
censored_losses`: they lost a rung to the trials that went on), so under a pruner the GP
learns from every trial, not only the few that ran to the end. Pending (RUNNING) trials
are fantasized with the kriging believer (Ginsbourger et al. 2010) so parallel workers
do not propose the same point. In a conditional space, a parameter outside the joint space
is proposed, together with the rest of its branch, by a GP on the trials of that branch
(`gp_branches`); a lone categorical that opens such branches (a model family) is chosen
by comparing the best acquisition of each branch's model (`gp_family`).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tuneforge.samplers._branches import in_joint_space, opens_branches
from tuneforge.samplers.base import (
    BaseSampler,
    ConstraintsFunc,
    Suggestion,
    checked_constraints_func,
    sobol_point,
)
from tuneforge.samplers.gp_branches import sample_branch
from tuneforge.samplers.gp_effort import EFFORTS, check_effort, choose_effort, objective_seconds
from tuneforge.samplers.gp_family import sample_family
from tuneforge.samplers.gp_model import (
    Layout,
    State,
    fantasy_points,
    fit,
    fit_constraints,
    fit_subset,
    observations,
    remember_proposal,
    single_blas_thread,
)
from tuneforge.samplers.prior import TransferPrior
from tuneforge.space.distributions import Distribution
from tuneforge.space.encoding import decode
from tuneforge.trial.records import History, TrialRecord, TrialState

if TYPE_CHECKING:  # the model pulls in scipy.optimize/linalg: imported on first use
    from tuneforge.math.gp import GP
    from tuneforge.samplers.gp_effort import Search
    from tuneforge.samplers.mobo import MOBOSampler

GREEDY_EVERY = 2             # every other model trial minimizes the mean (`greedy_every`)
_MAX_STATES = 32         # (study, space) model states kept per sampler instance: a
                         # family choice keeps two per branch (see `gp_family`)


class GPSampler(BaseSampler):
    """Gaussian-process Bayesian optimization for one objective.

    - `n_startup_trials`: complete (or pruned, reported) trials before the model
      (Sobol points, indexed by trial number, so parallel workers never repeat one); default
      `min(max(5, d + 1), 20)` for a d-dimensional space: d + 1 points are the fewest
      that span every dimension (a simplex), so each ARD lengthscale sees a change; at
      least 5 keep a 1-2-D model from extrapolating from a couple of points; at most 20
      so that large spaces start modelling within a typical budget.
    - `acquisition`: "logei" (log expected improvement) or "ucb" (confidence bound with
      the schedule of `math.acquisition.ucb_beta`, or `beta` if given).
    - `greedy_every`: every k-th trial (by trial number) proposes the minimizer of the
      model's mean instead of the acquisition's maximizer (never a point already
      evaluated, unless `noisy`): an exploitation step that refines the best region
      between the acquisition's more exploratory proposals ("Greed is good", De Ath et
      al., ACM TELO 2021; the measured gain: benchmarks/README.md). Such a trial's
      `acquisition_function` is "mean". 0: never.
    - `noisy`: treat observations as noisy (noise prior centred on 2 % of the variance,
      incumbent = best posterior mean at the observed points, re-evaluating a point
      allowed). Otherwise a point already evaluated is never proposed again.
    - `constraints`: model the trials' `constraints` (feasible when all <= 0) and
      multiply the acquisition by the probability of feasibility; None = when any trial
      has constraints.
    - `max_fit_trials`: beyond this many complete trials the model is fitted on a subset
      (the best half, then the most recent, then random ones); the trial's
      `gp_n_train` attribute says how many.
    - `trust_region`: maximize the acquisition in a TuRBO-style box around the best
      point (`math.trust_region`; its side is the trial's `gp_trust_region`); None: on
      when every parameter is continuous (no categorical or integer/step grid): with
      the greedy steps it gained at every budget from 25 to 130 evaluations on the 48
      BBOB problems of d = 2 and 5, losing some multimodal ones (benchmarks/README.md).
    - `effort`: the work per proposal (`gp_effort`): "full", "reduced", "minimal", or
      "auto": the most thorough level whose measured proposal time is at most
      `effort_fraction` of the objective's measured time per trial (for cheap objectives,
      e.g. under a pruner, where the model would otherwise take most of the wall-clock
      time; the choice then depends on timings, so proposals are not reproducible). The
      trial's `gp_effort` attribute says which level ran (and `gp_propose_s`, with
      "auto", the proposal's seconds).

    A study with several objectives is handed to a `MOBOSampler` with these settings
    (one GP per objective, expected hypervolume improvement; `noisy`, `acquisition` and
    `beta` do not apply to it).

    A warm start (`set_prior`, done by `create_study(warm_start=...)`) first proposes
    the best transferred configurations (two), then half its Sobol start-up (the past
    best region may not be the new one's), then models the residuals of the new study
    from a prior mean fitted to the past studies' ranks, with a weight learned from the
    new trials and capped by the similarity (`tuneforge.math.gp_prior.learned_scale`);
    each model trial records that weight as `gp_prior_weight`.

    Kernel hyperparameters are warm-started from the previous trial's fit, kept on the
    instance per study and space; the same sequence of calls gives the same proposals.
    """

    def __init__(self, *, seed: int | None = None, n_startup_trials: int | None = None,
                 acquisition: str = "logei", noisy: bool = False,
                 constraints: bool | None = None, beta: float | None = None,
                 max_fit_trials: int = 250, trust_region: bool | None = None,
                 constraints_func: ConstraintsFunc | None = None, effort: str = "full",
                 effort_fraction: float = 0.25, greedy_every: int = GREEDY_EVERY) -> None:
        if acquisition not in ("logei", "ucb"):
            raise ValueError(f"GPSampler: acquisition must be 'logei' or 'ucb', "
                             f"got {acquisition!r}")
        if isinstance(greedy_every, bool) or not isinstance(greedy_every, int) \
                or greedy_every < 0:
            raise ValueError(f"GPSampler: greedy_every must be an int >= 0 (0: never), "
                             f"got {greedy_every!r}")
        self.greedy_every = greedy_every
        if n_startup_trials is not None and n_startup_trials < 1:
            raise ValueError(f"GPSampler: n_startup_trials must be >= 1, got {n_startup_trials}")
        if max_fit_trials < 10:
            raise ValueError(f"GPSampler: max_fit_trials must be >= 10, got {max_fit_trials}")
        check_effort(effort, effort_fraction)
        self.effort, self.effort_fraction = effort, effort_fraction
        self.seed = seed
        self.constraints_func = checked_constraints_func(constraints_func, self)
        self.n_startup_trials = n_startup_trials
        self.acquisition = acquisition
        self.noisy = noisy
        self.constraints = constraints
        self.beta = beta
        self.max_fit_trials = max_fit_trials
        self.trust_region = trust_region
        self._mobo: MOBOSampler | None = None   # several objectives (`_multi_objective`)
        # warm starts, fits and fantasies shape the next proposal, so they travel with
        # the sampler; the branch proposals of running trials do not (see BaseSampler)
        self._states: OrderedDict[tuple[Any, ...], State] = OrderedDict()
        self.prior: TransferPrior | None = None
        super().__init__()

    def set_prior(self, prior: TransferPrior | None) -> None:
        """Use a warm start's transferred observations (None: forget them)."""
        self.prior = prior

    relative = True
    _transient = {"_branch_cache": OrderedDict}
    # trial key -> {param: (distribution, value)} proposed jointly for its branch
    _branch_cache: OrderedDict[str, dict[str, tuple[Distribution, Any]]]

    def __repr__(self) -> str:
        return (f"GPSampler(seed={self.seed!r}, acquisition={self.acquisition!r}, "
                f"noisy={self.noisy}, greedy_every={self.greedy_every})")

    # -- entry point ------------------------------------------------------------------
    def sample(self, space: Mapping[str, Distribution], history: History,
               rng: np.random.Generator, trial: TrialRecord) -> Suggestion:
        if len(history.directions) != 1:
            return self._multi_objective(space, history, rng, trial)
        if not space:
            return Suggestion({})
        trials = history.trials()
        transferred = self.prior.in_space(space) if self.prior is not None else []
        if transferred and sum(t.state is TrialState.COMPLETE and all(n in t.params for n in space)
                               for t in trials) < 2:
            # a warm start begins with the best transferred configurations (two)
            return self._from_prior(space, trials, trial, history, transferred)
        if len(space) == 1 and not in_joint_space(space, trials):
            # a define-by-run parameter outside the joint space (a conditional branch)
            return sample_branch(self, space, trials, trial, rng, history.directions[0])
        layout = Layout(space)
        state = self._state(trials, space)
        x_obs, y_obs, cons = observations(layout, state, trials, history.directions[0])
        d = len(space)
        cold_startup = self.n_startup_trials or min(max(5, d + 1), 20)
        # a warm start keeps half the space-filling start-up after the two transferred
        # configurations: the past study's best region may not be the new one's
        n_startup = 2 + cold_startup // 2 if transferred else cold_startup
        if len(y_obs) < n_startup:
            return self._sobol(space, trial, "startup", history)
        if layout.is_cat.all() and len(space) == 1 and opens_branches(space, trials):
            family = sample_family(self, space, trials, trial, rng, history.directions[0])
            if family is not None:
                return family
        # the region centres on the best feasible trial: none yet, the whole box
        y_region = self._feasible_values(y_obs, cons)
        region = self._use_trust_region(layout) and bool(np.isfinite(y_region).any())
        level = self.effort if self.effort != "auto" else choose_effort(
            objective_seconds(trials, state.effort_log.trial_s), state.effort_log.level_s,
            self.effort_fraction)
        state.effort = EFFORTS[level]
        started = time.perf_counter()
        try:
            with single_blas_thread():
                x, value, n_train = self._propose(layout, state, trials, trial, x_obs, y_obs,
                                                  cons, rng,
                                                  region_from=n_startup if region else None)
        except (np.linalg.LinAlgError, FloatingPointError, ValueError) as exc:
            out = self._sobol(space, trial, "fallback", history)
            return Suggestion(out.params, dict(out.attrs, gp_error=str(exc)[:200]))
        finally:
            state.effort = EFFORTS["full"]
        took = time.perf_counter() - started
        state.effort_log.record(trial.key, level, took)
        remember_proposal(state, trial.key, x)
        attrs: dict[str, Any] = {"sampler": "GPSampler", "gp_phase": "model",
                                 "acquisition": float(value) if math.isfinite(value) else None,
                                 "acquisition_function": self.acquisition_kind(trial, trials),
                                 "gp_effort": level}
        if self.effort == "auto":  # the measured time chose the level: show it
            attrs["gp_propose_s"] = round(took, 6)
        if n_train < len(y_obs):
            attrs["gp_n_train"] = n_train
        if transferred and state.prior_scale is not None:
            attrs["gp_prior_weight"] = round(state.prior_scale, 4)
        if state.pending:  # running trials, fantasized at the model's mean
            attrs["gp_pending"] = state.pending
        if region:
            from tuneforge.math.trust_region import improvements, side_length

            attrs["gp_trust_region"] = round(side_length(improvements(y_region, n_startup), d),
                                             6)
        return Suggestion(layout.decode(x), attrs)

    def acquisition_kind(self, trial: TrialRecord, trials: Sequence[TrialRecord] = ()) -> str:
        """The acquisition this trial maximizes: "mean" on every `greedy_every`-th trial
        number (exploitation), else `acquisition`. One greedy trial runs at a time: the
        fantasies of running trials leave the model's mean where it was, so a second
        one would propose (next to) the same point."""
        if not self.greedy_every or trial.number % self.greedy_every:
            return self.acquisition
        if any(t.state is TrialState.RUNNING and t.key != trial.key
               and t.system_attrs.get("acquisition_function") == "mean" for t in trials):
            return self.acquisition
        return "mean"

    def fit_quality(self, space: Mapping[str, Distribution], history: History
                    ) -> tuple[float, int] | None:
        """(leave-one-out rank correlation, trials fitted) of the objective model of the
        study's complete trials over `space` (`math.gp.loo_rank_correlation`); None
        with fewer than 5 trials, several objectives or a failed fit. The fit is the
        one the next proposal over the same trials reuses (cached by its data)."""
        from tuneforge.math.gp import Prior, loo_rank_correlation, warp_outputs

        if len(history.directions) != 1 or not space:
            return None
        trials = history.trials()
        layout = Layout(space)
        state = self._state(trials, space)
        x_obs, y_obs, _ = observations(layout, state, trials, history.directions[0])
        if len(y_obs) < 5 or len(y_obs) > self.max_fit_trials:
            return None
        try:
            with single_blas_thread():
                gp = fit(state, "objective", x_obs, warp_outputs(y_obs).z, layout.is_cat,
                         Prior.default(len(space), noisy=self.noisy))
                return loo_rank_correlation(gp), len(y_obs)
        except (np.linalg.LinAlgError, FloatingPointError, ValueError):
            return None

    # -- pieces -----------------------------------------------------------------------
    def _multi_objective(self, space: Mapping[str, Distribution], history: History,
                         rng: np.random.Generator, trial: TrialRecord) -> Suggestion:
        """Several objectives: a GP per objective with expected hypervolume improvement,
        by a `MOBOSampler` with this sampler's settings (kept for the study's life)."""
        from tuneforge.samplers.mobo import MOBOSampler

        if self._mobo is None:
            self._mobo = MOBOSampler(seed=self.seed, n_startup_trials=self.n_startup_trials,
                                     constraints=self.constraints,
                                     max_fit_trials=self.max_fit_trials)
        out = self._mobo.sample(space, history, rng, trial)
        if not out.attrs:
            return out
        return Suggestion(out.params, dict(out.attrs, sampler="GPSampler",
                                           gp_model="MOBOSampler"))

    def _sobol(self, space: Mapping[str, Distribution], trial: TrialRecord,
               phase: str, history: History) -> Suggestion:
        return Suggestion(decode(space, sobol_point(space, number=trial.number, history=history)),
                          {"sampler": "GPSampler", "gp_phase": phase})

    def _from_prior(self, space: Mapping[str, Distribution], trials: Sequence[TrialRecord],
                    trial: TrialRecord, history: History,
                    transferred: list[tuple[dict[str, Any], Any]]) -> Suggestion:
        """The best transferred configuration no trial has yet (Sobol when all have)."""
        taken = [t.params for t in trials if t.key != trial.key]
        for params, point in transferred:
            if not any(all(p.get(k) == v for k, v in params.items()) for p in taken):
                return Suggestion(params, {"sampler": "GPSampler", "gp_phase": "prior",
                                           "prior_source": point.source})
        return self._sobol(space, trial, "startup", history)

    def _prior_mean(self, layout: Layout, state: State, prior: Any) -> tuple[GP, float] | None:
        """A GP on the transferred points' rank scores in this space, and its scale (the
        points' mean weight); None with fewer than three points inside."""
        from tuneforge.math.gp_prior import rank_targets

        inside = self.prior.in_space(layout.space) if self.prior is not None else []
        if len(inside) < 3:
            return None
        xs = np.array([layout.encode(m) for m, _ in inside])
        zs = rank_targets(np.array([p.rank for _, p in inside]))
        scale = float(np.mean([p.weight for _, p in inside]))
        return fit(state, "prior", xs, zs, layout.is_cat, prior), scale

    def _state(self, trials: Sequence[TrialRecord], space: Mapping[str, Distribution],
               tag: str = "") -> State:
        key = (trials[0].key if trials else None, tuple(space.items()), tag)
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = State()
            while len(self._states) > _MAX_STATES:
                self._states.popitem(last=False)
        self._states.move_to_end(key)
        return state

    def _propose(self, layout: Layout, state: State, trials: Sequence[TrialRecord],
                 trial: TrialRecord, x_obs: np.ndarray, y_obs: np.ndarray,
                 cons: list[Any], rng: np.random.Generator, *,
                 z_obs: np.ndarray | None = None, incumbent: float | None = None,
                 region_from: int | None = None,
                 kind: str | None = None) -> tuple[np.ndarray, float, int]:
        """The acquisition's best point, its value and the number of trials fitted on.
        `z_obs` replaces the warp of `y_obs` and `incumbent` the best warped value, so that
        the acquisitions of several branches, each with its own model, share one scale.
        `region_from`: search a trust region whose side follows the outcomes of the
        trials from this index on (None: the whole box). `kind`: the acquisition (None:
        `acquisition_kind` of this trial among `trials`)."""
        from tuneforge.math.acquisition import Acquisition, ucb_beta
        from tuneforge.math.gp import Prior, warp_outputs
        from tuneforge.math.optimize import maximize

        d = x_obs.shape[1]
        # the region (if any) centres on the best feasible trial: none yet, the whole box
        y_region = self._feasible_values(y_obs, cons) if region_from is not None else None
        idx = fit_subset(y_obs, rng, max_trials=self.max_fit_trials)
        x, y = x_obs[idx], y_obs[idx]
        cons = [cons[i] for i in idx]
        state.n_fits += 1
        state.prior_scale = None
        prior = Prior.default(d, noisy=self.noisy)
        z = warp_outputs(y).z if z_obs is None else z_obs[idx]
        transfer = self._prior_mean(layout, state, prior) if z_obs is None else None
        if transfer is None:
            gp = fit(state, "objective", x, z, layout.is_cat, prior)
        else:  # the new study's residuals from the past studies' mean
            from tuneforge.math.gp_prior import PriorMeanGP, learned_scale

            mean_gp, similarity = transfer
            m = mean_gp.predict(x)[0]
            scale = learned_scale(z - z.mean(), m - m.mean(), similarity)
            state.prior_scale = scale
            resid = z - scale * m
            gp = PriorMeanGP(fit(state, "objective", x, resid, layout.is_cat, prior),
                             mean_gp, scale)

        use_cons = self._uses_constraints(cons)
        feasible = np.ones(len(y), dtype=bool)
        cgps: list[tuple[GP, float]] = []
        if use_cons:
            feasible, cgps = fit_constraints(state, cons, x, layout.is_cat, prior)

        # incumbent in warped units
        best: float | None = None
        if feasible.any():
            if self.noisy:
                best = float(gp.predict(x[feasible])[0].min())
            else:
                best = float(z[feasible].min())
        if incumbent is not None:
            best = incumbent

        # pending (RUNNING), failed and pruned points: kriging believer fantasies
        pend, fail = fantasy_points(layout, state, trials, trial, single=True)
        seen = np.vstack([x_obs, pend, fail])
        state.pending = len(pend)
        if len(pend) or len(fail):
            xp = np.vstack([pend, fail]) if len(fail) else pend
            mean_p, _ = gp.predict(xp)
            gp = gp.condition_on(xp, mean_p)
            ok = np.ones(len(pend), dtype=bool)
            new_cgps = []
            for cgp, threshold in cgps:
                mc, _ = cgp.predict(xp)
                ok &= mc[: len(pend)] <= threshold
                new_cgps.append((cgp.condition_on(xp, mc), threshold))
            cgps = new_cgps
            if len(pend) and best is not None and ok.any():
                best = min(best, float(mean_p[: len(pend)][ok].min()))

        beta = self.beta if self.beta is not None else ucb_beta(len(y), d)
        kind = kind or self.acquisition_kind(trial, trials)
        acq = Acquisition(gp, best, kind=kind, beta=beta, constraints=cgps)
        # A deterministic objective gains nothing from a point it has already seen.
        # No extra candidates around the best points (`centres`): they take the L-BFGS-B
        # starts and hold the search in a local minimum (benchmarks/README.md).
        avoid = None if self.noisy else seen
        if region_from is not None and y_region is not None and np.isfinite(y_region).any():
            x_best, value = _maximize_in_region(acq, gp, x_obs, y_region, region_from, rng,
                                                avoid, state.effort.search(d))
        else:
            x_best, value = maximize(acq, acq.value_and_grad, layout.box, rng, avoid=avoid,
                                     **state.effort.search(d))
        return x_best, value, len(idx)

    def _uses_constraints(self, cons: Sequence[Any]) -> bool:
        return self.constraints if self.constraints is not None else \
            any(c is not None for c in cons)

    def _feasible_values(self, y_obs: np.ndarray, cons: Sequence[Any]) -> np.ndarray:
        """y_obs (n,) with infeasible trials at +inf (unchanged without constraints)."""
        if not self._uses_constraints(cons):
            return y_obs
        from tuneforge.math.constraints import constraint_matrix

        feasible = np.all(constraint_matrix(cons) <= 0, axis=1)
        out: np.ndarray = np.where(feasible, y_obs, np.inf)
        return out

    def _use_trust_region(self, layout: Layout) -> bool:
        if self.trust_region is not None:
            return self.trust_region and not layout.is_cat.any()
        return all(g is None for g in layout.box.grids) and not layout.is_cat.any()


def _maximize_in_region(acq: Any, gp: GP, x_obs: np.ndarray, y_obs: np.ndarray, start: int,
                        rng: np.random.Generator, avoid: np.ndarray | None,
                        search: Search) -> tuple[np.ndarray, float]:
    """The acquisition's best point in the trust region around the best observation
    (`math.trust_region`), searched in the region's own unit box."""
    from tuneforge.math.optimize import Box, maximize
    from tuneforge.math.trust_region import box, improvements, side_length

    d = x_obs.shape[1]
    length = side_length(improvements(y_obs, start), d)
    lo, hi = box(x_obs[int(np.argmin(y_obs))], 1.0 / np.sqrt(gp.w), length)
    width = np.maximum(hi - lo, 1e-12)

    def value(u: np.ndarray) -> np.ndarray:
        out: np.ndarray = acq(lo + u * width)
        return out

    def value_and_grad(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        v, g = acq.value_and_grad(lo + u * width)
        return v, g * width

    unit = Box([None] * d, np.zeros(d, dtype=bool))
    near = None if avoid is None else (avoid - lo) / width
    u, val = maximize(value, value_and_grad, unit, rng, avoid=near, tol=1e-7, **search)
    return np.clip(lo + u * width, 0.0, 1.0), val


__all__ = ["GPSampler"]
