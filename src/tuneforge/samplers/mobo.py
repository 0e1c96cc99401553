"""Multi-objective Bayesian optimization: one GP per objective, expected hypervolume
improvement (EHVI).

The sampler is relative, like `GPSampler`, and shares its model code (`gp_model`: the
unit-cube encoding of mixed spaces, warm-started fits, the training subset, the
fantasized points) and acquisition optimizer (`tuneforge.math.optimize`). After
`n_startup_trials` Sobol points, each objective gets a GP on its own warped values
(`tuneforge.math.gp.warp_outputs`, in minimization order), and the next point maximizes
log EHVI (`tuneforge.math.ehvi`) over the feasible Pareto front of those values, times
the probability of feasibility of each outcome constraint (one GP per constraint, as in
`GPSampler`). EHVI is exact for independent GP predictions: over the k + 1 strips
between front points for 2 objectives, over a grid of (k + 1)^(m - 1) boxes beyond.
When that grid passes `max_cells` boxes (a large front in 3 objectives, or 4 and more),
a ParEGO step replaces it: one GP on a random augmented Tchebycheff scalarization of the
objectives, with log EI (Knowles 2006) -- cheaper, and still one that every Pareto
point can win. Pending (RUNNING) trials are fantasized with the kriging believer: every
model is conditioned on its own posterior mean there, and the believed outcome joins
the front, so that parallel workers do not propose the same point.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tuneforge.math.pareto import loss_order, non_dominated_mask
from tuneforge.samplers._branches import in_joint_space
from tuneforge.samplers.base import (
    BaseSampler,
    ConstraintsFunc,
    Suggestion,
    checked_constraints_func,
    sobol_point,
)
from tuneforge.samplers.gp_model import (
    Layout,
    State,
    fantasy_points,
    fit,
    fit_constraints,
    fit_subset,
    mo_observations,
    remember_proposal,
    single_blas_thread,
)
from tuneforge.space.distributions import Distribution
from tuneforge.space.encoding import decode
from tuneforge.trial.records import History, TrialRecord

if TYPE_CHECKING:
    from tuneforge.math.gp import GP, Prior

_MAX_STATES = 8
REF_MARGIN = 0.1   # reference point: the front's worst value + this share of the range


class MOBOSampler(BaseSampler):
    """Bayesian optimization of several objectives with expected hypervolume improvement.

    - `n_startup_trials`: complete trials before the model (Sobol points indexed by
      trial number, as in `GPSampler`); default `min(max(5, d + 1), 20)`.
    - `acquisition`: "ehvi" (exact EHVI, ParEGO when the front's boxes pass
      `max_cells`) or "parego" (always the random Tchebycheff scalarization).
    - `constraints`: model the trials' outcome constraints (feasible when all <= 0) and
      multiply the acquisition by the probability of feasibility; None = when any
      trial has constraints. Only feasible trials make the front.
    - `constraints_func`: Optuna's spelling: a function of a finished trial returning
      its constraint values; the study calls it and stores the values on the trial
      (kept here as the public attribute `constraints_func`).
    - `max_fit_trials`: beyond this many complete trials each model is fitted on a
      subset (the best half by Pareto rank, then the most recent, then random ones).

    Works with one objective too (EHVI is then expected improvement). The same sequence
    of calls gives the same proposals; the trial's system attributes say which phase
    ("startup", "model", "fallback" with the error) and acquisition proposed it.
    """

    def __init__(self, *, seed: int | None = None, n_startup_trials: int | None = None,
                 acquisition: str = "auto", constraints: bool | None = None,
                 constraints_func: ConstraintsFunc | None = None,
                 max_fit_trials: int = 250, max_cells: int = 2048) -> None:
        if acquisition not in ("auto", "ehvi", "parego"):
            raise ValueError(f"MOBOSampler: acquisition must be 'auto', 'ehvi' or 'parego', "
                             f"got {acquisition!r}")
        if n_startup_trials is not None and n_startup_trials < 1:
            raise ValueError(f"MOBOSampler: n_startup_trials must be >= 1, "
                             f"got {n_startup_trials}")
        if max_fit_trials < 10:
            raise ValueError(f"MOBOSampler: max_fit_trials must be >= 10, got {max_fit_trials}")
        if max_cells < 1:
            raise ValueError(f"MOBOSampler: max_cells must be >= 1, got {max_cells}")
        self.seed = seed
        self.n_startup_trials = n_startup_trials
        self.acquisition = acquisition
        self.constraints = constraints
        self.constraints_func = checked_constraints_func(constraints_func, self)
        self.max_fit_trials = max_fit_trials
        self.max_cells = max_cells
        self._states: OrderedDict[tuple[Any, ...], State] = OrderedDict()
        super().__init__()

    relative = True

    def __repr__(self) -> str:
        return f"MOBOSampler(seed={self.seed!r}, acquisition={self.acquisition!r})"

    # -- entry point ------------------------------------------------------------------
    def sample(self, space: Mapping[str, Distribution], history: History,
               rng: np.random.Generator, trial: TrialRecord) -> Suggestion:
        if not space:
            return Suggestion({})
        trials = history.trials()
        if len(space) == 1 and not in_joint_space(space, trials):
            # a define-by-run parameter outside the joint space (a conditional branch)
            return Suggestion(decode(space, rng.random(1)),
                              {"sampler": "MOBOSampler", "mobo_phase": "independent"})
        layout = Layout(space)
        state = self._state(trials, space)
        x_obs, y_obs, cons = mo_observations(layout, state, trials, history.directions)
        d = len(space)
        n_startup = self.n_startup_trials or min(max(5, d + 1), 20)
        if len(y_obs) < n_startup:
            return self._sobol(space, trial, "startup", history)
        try:
            with single_blas_thread():
                x, value, kind = self._propose(layout, state, trials, trial, x_obs, y_obs,
                                               cons, rng)
        except (np.linalg.LinAlgError, FloatingPointError, ValueError) as exc:
            out = self._sobol(space, trial, "fallback", history)
            return Suggestion(out.params, dict(out.attrs, mobo_error=str(exc)[:200]))
        remember_proposal(state, trial.key, x)
        attrs: dict[str, Any] = {"sampler": "MOBOSampler", "mobo_phase": "model",
                                 "acquisition_function": kind,
                                 "acquisition": float(value) if math.isfinite(value) else None}
        return Suggestion(layout.decode(x), attrs)

    # -- pieces -----------------------------------------------------------------------
    def _sobol(self, space: Mapping[str, Distribution], trial: TrialRecord,
               phase: str, history: History) -> Suggestion:
        return Suggestion(decode(space, sobol_point(space, number=trial.number, history=history)),
                          {"sampler": "MOBOSampler", "mobo_phase": phase})

    def _state(self, trials: Sequence[TrialRecord],
               space: Mapping[str, Distribution]) -> State:
        key = (trials[0].key if trials else None, tuple(space.items()))
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = State()
            while len(self._states) > _MAX_STATES:
                self._states.popitem(last=False)
        self._states.move_to_end(key)
        return state

    def _propose(self, layout: Layout, state: State, trials: Sequence[TrialRecord],
                 trial: TrialRecord, x_obs: np.ndarray, y_obs: np.ndarray,
                 cons: list[Any], rng: np.random.Generator) -> tuple[np.ndarray, float, str]:
        """The acquisition's best point, its value and the acquisition's name."""
        from tuneforge.math.gp import Prior, warp_outputs
        from tuneforge.math.optimize import maximize

        d = x_obs.shape[1]
        m = y_obs.shape[1]
        rank = np.empty(len(y_obs))
        rank[loss_order(y_obs)] = np.arange(len(y_obs))
        idx = fit_subset(rank, rng, max_trials=self.max_fit_trials)
        x, y = x_obs[idx], y_obs[idx]
        cons = [cons[i] for i in idx]
        state.n_fits += 1
        prior = Prior.default(d)
        z = np.column_stack([warp_outputs(y[:, j]).z for j in range(m)])

        use_cons = self.constraints if self.constraints is not None else \
            any(c is not None for c in cons)
        feasible = np.ones(len(y), dtype=bool)
        cgps: list[tuple[GP, float]] = []
        if use_cons:
            feasible, cgps = fit_constraints(state, cons, x, layout.is_cat, prior)

        pend, fail = fantasy_points(layout, state, trials, trial)
        xp = np.vstack([pend, fail])
        ok = np.ones(len(pend), dtype=bool)
        if len(xp):
            new_cgps = []
            for cgp, threshold in cgps:
                mc, _ = cgp.predict(xp)
                ok &= mc[: len(pend)] <= threshold
                new_cgps.append((cgp.condition_on(xp, mc), threshold))
            cgps = new_cgps

        front = z[feasible]
        cells: tuple[np.ndarray, np.ndarray] | None = None
        kind = self.acquisition
        if kind == "auto":
            kind = "ehvi" if m <= 2 else "parego"
        if len(front) and kind == "ehvi":
            from tuneforge.math.ehvi import nondominated_cells

            front = front[non_dominated_mask(front)]
            span = z.max(axis=0) - z.min(axis=0)
            ref = front.max(axis=0) + REF_MARGIN * np.where(span > 0, span, 1.0)
            gps = [fit(state, f"objective{j}", x, z[:, j], layout.is_cat, prior)
                   for j in range(m)]
            if len(xp):   # kriging believer: condition on the believed means
                means = np.column_stack([gp.predict(xp)[0] for gp in gps])
                gps = [gp.condition_on(xp, means[:, j]) for j, gp in enumerate(gps)]
                front = np.vstack([front, means[: len(pend)][ok]])
            cells = nondominated_cells(front, ref)
            if len(cells[0]) > self.max_cells:
                kind = "parego"
        if kind == "parego" and len(front):
            return self._parego(layout, state, x, z, feasible, cgps, xp, len(pend), ok,
                                x_obs, prior, rng)

        from tuneforge.math.ehvi import EHVIAcquisition

        if cells is None:   # no feasible point yet: feasibility alone
            gps = []
            acq = EHVIAcquisition(gps, None, None, constraints=cgps)
        else:
            acq = EHVIAcquisition(gps, cells[0], cells[1], constraints=cgps)
        seen = np.vstack([x_obs, xp])
        x_best, value = maximize(acq, acq.value_and_grad, layout.box, rng, avoid=seen,
                                 n_candidates=1024 if d <= 10 else 2048)
        return x_best, value, "ehvi" if cells is not None else "feasibility"

    def _parego(self, layout: Layout, state: State, x: np.ndarray, z: np.ndarray,
                feasible: np.ndarray, cgps: list[tuple[GP, float]], xp: np.ndarray,
                n_pend: int, ok: np.ndarray, x_obs: np.ndarray, prior: Prior,
                rng: np.random.Generator) -> tuple[np.ndarray, float, str]:
        """ParEGO: log EI of one GP on a random augmented Tchebycheff scalarization of the
        objectives, each scaled to [0, 1] over the observations."""
        from tuneforge.math.acquisition import Acquisition
        from tuneforge.math.ehvi import augmented_tchebycheff
        from tuneforge.math.gp import warp_outputs
        from tuneforge.math.optimize import maximize

        m = z.shape[1]
        lo, hi = z.min(axis=0), z.max(axis=0)
        u = (z - lo) / np.where(hi > lo, hi - lo, 1.0)
        weights = rng.dirichlet(np.ones(m))
        s = warp_outputs(augmented_tchebycheff(u, weights)).z
        # the weights change every trial: no warm start from another scalarization
        state.thetas.pop("parego", None)
        gp = fit(state, "parego", x, s, layout.is_cat, prior)
        best = float(s[feasible].min())
        if len(xp):
            mean_p, _ = gp.predict(xp)
            gp = gp.condition_on(xp, mean_p)
            if n_pend and ok.any():
                best = min(best, float(mean_p[:n_pend][ok].min()))
        acq = Acquisition(gp, best, kind="logei", constraints=cgps)
        seen = np.vstack([x_obs, xp])
        d = x.shape[1]
        x_best, value = maximize(acq, acq.value_and_grad, layout.box, rng, avoid=seen,
                                 n_candidates=1024 if d <= 10 else 2048)
        return x_best, value, "parego"


__all__ = ["MOBOSampler", "mo_observations"]
