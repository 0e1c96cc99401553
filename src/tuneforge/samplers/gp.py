"""Bayesian optimization with a Gaussian process (single objective).

The sampler is relative: the study calls it once per trial with the joint space that the
finished trials share. It proposes Sobol points for the first `n_startup_trials`, then
fits a GP (`tuneforge.math.gp`) to the warped objective values over the unit-cube
encoding, and maximizes log expected improvement (or a confidence bound) times the
probability of feasibility of each constraint (`tuneforge.math.acquisition`) with
quasi-random screening, batched L-BFGS-B and a discrete local search
(`tuneforge.math.optimize`). Pending (RUNNING) trials are fantasized with the kriging
believer (Ginsbourger et al. 2010) so parallel workers do not propose the same point.
In a conditional space, a parameter outside the joint space is proposed, together with
the rest of its branch, by a GP on the trials of that branch (`_sample_branch`); a lone
categorical that opens such branches (a model family) is chosen by comparing the best
acquisition of each branch's model (`_sample_family`).
"""

from __future__ import annotations

import contextlib
import math
import zlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from tuneforge.exceptions import TuneforgeError
from tuneforge.samplers.base import BaseSampler, Suggestion, design_seed
from tuneforge.space.distributions import Categorical, Distribution, Int
from tuneforge.space.encoding import decode, from_unit, to_unit
from tuneforge.trial.records import Direction, History, TrialRecord, TrialState

if TYPE_CHECKING:  # the model pulls in scipy.optimize/linalg: imported on first use
    from tuneforge.math.gp import GP, Prior

_MAX_GRID = 512          # ordinal dims with more levels are modelled as continuous
_MAX_STATES = 32         # (study, space) model states kept per sampler instance: a
                         # family choice keeps two per branch (see `_sample_family`)
_MAX_FANTASIES = 64      # pending/failed points fantasized, most recent first
_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
_STARVED = 0.25          # a family choice is explored below this share of the most-tried


# -- encoding -----------------------------------------------------------------------------
class _Layout:
    """How a space maps to model inputs: [0, 1] for numbers (slice centres for integers
    and steps, so the model sees the value actually evaluated), the choice index for
    categoricals."""

    def __init__(self, space: Mapping[str, Distribution]) -> None:
        from tuneforge.math.optimize import Box

        self.names = list(space)
        self.dists = list(space.values())
        grids: list[np.ndarray | None] = []
        cats = []
        for dist in self.dists:
            cats.append(isinstance(dist, Categorical))
            grids.append(_grid(dist))
        self.is_cat = np.array(cats, dtype=bool)
        self.box = Box(grids, self.is_cat)

    def encode(self, params: Mapping[str, Any]) -> np.ndarray | None:
        """The model input (d,) of a trial's params, or None if one is missing or outside."""
        row = np.empty(len(self.names))
        for j, (name, dist) in enumerate(zip(self.names, self.dists, strict=True)):
            if name not in params or not dist.contains(params[name]):
                return None
            value = params[name]
            row[j] = dist.index(value) if isinstance(dist, Categorical) else to_unit(dist, value)
        return row

    def decode(self, x: np.ndarray) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for j, (name, dist) in enumerate(zip(self.names, self.dists, strict=True)):
            if isinstance(dist, Categorical):
                out[name] = dist.choices[int(min(max(round(x[j]), 0), len(dist.choices) - 1))]
            else:
                out[name] = from_unit(dist, float(x[j]))
        return out


def _grid(dist: Distribution) -> np.ndarray | None:
    if isinstance(dist, Categorical):
        return np.arange(len(dist.choices), dtype=float)
    if isinstance(dist, Int):
        count = (dist.high - dist.low) // dist.step + 1
        values: list[float] = [dist.low + i * dist.step for i in range(count)] \
            if count <= _MAX_GRID else []
    elif dist.step is not None:
        count = int(round((dist.high - dist.low) / dist.step)) + 1
        values = [dist.round(dist.low + i * dist.step) for i in range(count)] \
            if count <= _MAX_GRID else []
    elif dist.low == dist.high:
        values = [dist.low]
    else:
        return None
    if not values:
        return None
    return np.array([to_unit(dist, v) for v in values])


# -- per-study state ----------------------------------------------------------------------
@dataclass
class _State:
    """What a sampler keeps between trials of one study and space."""

    rows: dict[str, np.ndarray | None] = field(default_factory=dict)   # finished trials
    thetas: dict[str, np.ndarray] = field(default_factory=dict)         # warm starts
    fits: dict[str, tuple[bytes, GP]] = field(default_factory=dict)    # same data -> same GP
    n_fits: int = 0
    proposals: OrderedDict[str, np.ndarray] = field(default_factory=OrderedDict)


def _fingerprint(x: np.ndarray, y: np.ndarray) -> bytes:
    return zlib.crc32(x.tobytes()).to_bytes(4, "little") + \
        zlib.crc32(y.tobytes()).to_bytes(4, "little") + x.shape[0].to_bytes(4, "little")


class GPSampler(BaseSampler):
    """Gaussian-process Bayesian optimization for one objective.

    - `n_startup_trials`: complete trials before the model (Sobol points, indexed by
      trial number, so parallel workers never repeat one); default
      `min(max(5, d + 1), 20)` for a d-dimensional space: d + 1 points are the fewest
      that span every dimension (a simplex), so each ARD lengthscale sees a change; at
      least 5 keep a 1-2-D model from extrapolating from a couple of points; at most 20
      so that large spaces start modelling within a typical budget. On 100-trial
      benchmarks (d = 2-10), 5, d + 1 and 15 were within noise of each other.
    - `acquisition`: "logei" (log expected improvement) or "ucb" (confidence bound with
      the schedule of `math.acquisition.ucb_beta`, or `beta` if given).
    - `noisy`: treat observations as noisy (noise prior centred on 2 % of the variance,
      incumbent = best posterior mean at the observed points, re-evaluating a point
      allowed). Otherwise a point already evaluated is never proposed again.
    - `constraints`: model the trials' `constraints` (feasible when all <= 0) and
      multiply the acquisition by the probability of feasibility; None = when any trial
      has constraints.
    - `max_fit_trials`: beyond this many complete trials the model is fitted on a subset
      (the best half, then the most recent, then random ones); the trial's
      `gp_n_train` attribute says how many.

    Kernel hyperparameters are warm-started from the previous trial's fit, kept on the
    instance per study and space; the same sequence of calls gives the same proposals.
    """

    def __init__(self, *, seed: int | None = None, n_startup_trials: int | None = None,
                 acquisition: str = "logei", noisy: bool = False,
                 constraints: bool | None = None, beta: float | None = None,
                 max_fit_trials: int = 250) -> None:
        if acquisition not in ("logei", "ucb"):
            raise ValueError(f"GPSampler: acquisition must be 'logei' or 'ucb', "
                             f"got {acquisition!r}")
        if n_startup_trials is not None and n_startup_trials < 1:
            raise ValueError(f"GPSampler: n_startup_trials must be >= 1, got {n_startup_trials}")
        if max_fit_trials < 10:
            raise ValueError(f"GPSampler: max_fit_trials must be >= 10, got {max_fit_trials}")
        self.seed = seed
        self.n_startup_trials = n_startup_trials
        self.acquisition = acquisition
        self.noisy = noisy
        self.constraints = constraints
        self.beta = beta
        self.max_fit_trials = max_fit_trials
        # warm starts, fits and fantasies shape the next proposal, so they travel with
        # the sampler; the branch proposals of running trials do not (see BaseSampler)
        self._states: OrderedDict[tuple[Any, ...], _State] = OrderedDict()
        super().__init__()

    relative = True
    _transient = {"_branch_cache": OrderedDict}
    # trial key -> {param: (distribution, value)} proposed jointly for its branch
    _branch_cache: OrderedDict[str, dict[str, tuple[Distribution, Any]]]

    def __repr__(self) -> str:
        return (f"GPSampler(seed={self.seed!r}, acquisition={self.acquisition!r}, "
                f"noisy={self.noisy})")

    # -- entry point ------------------------------------------------------------------
    def sample(self, space: Mapping[str, Distribution], history: History,
               rng: np.random.Generator, trial: TrialRecord) -> Suggestion:
        if len(history.directions) != 1:
            raise TuneforgeError(
                f"GPSampler models a single objective; this study has "
                f"{len(history.directions)} (use a multi-objective sampler)")
        if not space:
            return Suggestion({})
        trials = history.trials()
        if len(space) == 1 and not _in_joint_space(space, trials):
            # a define-by-run parameter outside the joint space (a conditional branch)
            return self._sample_branch(space, trials, trial, rng, history.directions[0])
        layout = _Layout(space)
        state = self._state(trials, space)
        x_obs, y_obs, cons = self._observations(layout, state, trials,
                                                history.directions[0])
        d = len(space)
        n_startup = self.n_startup_trials or min(max(5, d + 1), 20)
        if len(y_obs) < n_startup:
            return self._sobol(space, trial, "startup", history)
        if layout.is_cat.all() and len(space) == 1 and _opens_branches(space, trials):
            family = self._sample_family(space, trials, trial, rng, history.directions[0])
            if family is not None:
                return family
        try:
            with _single_blas_thread():
                x, value, n_train = self._propose(layout, state, trials, trial, x_obs, y_obs,
                                                  cons, rng)
        except (np.linalg.LinAlgError, FloatingPointError, ValueError) as exc:
            out = self._sobol(space, trial, "fallback", history)
            return Suggestion(out.params, dict(out.attrs, gp_error=str(exc)[:200]))
        state.proposals[trial.key] = x
        while len(state.proposals) > 4 * _MAX_FANTASIES:
            state.proposals.popitem(last=False)
        attrs: dict[str, Any] = {"sampler": "GPSampler", "gp_phase": "model",
                                 "acquisition": float(value) if math.isfinite(value) else None,
                                 "acquisition_function": self.acquisition}
        if n_train < len(y_obs):
            attrs["gp_n_train"] = n_train
        return Suggestion(layout.decode(x), attrs)

    # -- conditional branches ---------------------------------------------------------
    def _sample_branch(self, space: Mapping[str, Distribution], trials: Sequence[TrialRecord],
                       trial: TrialRecord, rng: np.random.Generator,
                       direction: Direction) -> Suggestion:
        """A parameter outside the joint space, e.g. `svc_C` once `model` = "svc".

        The branch is the finished trials that agree with this trial on every
        categorical value it already has and that also have this parameter; its space
        is the parameters all of them share and this trial does not have yet. With
        enough of them, one GP over that space proposes all of its parameters at once
        (the others are kept for this trial's next calls); before that, a uniform draw.
        The study records either as outside the joint space (`independent_params`);
        the `gp_branch` attribute says which were modelled.
        """
        ((name, dist),) = space.items()
        cached = self._branch_cache.get(trial.key, {})
        if name in cached and cached[name][0] == dist:
            return Suggestion({name: cached[name][1]}, {})
        context, members, branch = _branch(name, dist, trial, trials)
        n_complete = sum(t.state is TrialState.COMPLETE for t in members)
        d = len(branch)
        n_startup = self.n_startup_trials or min(max(5, d + 1), 20)
        if n_complete < n_startup:
            return Suggestion(decode(space, rng.random(1)), {"sampler": "GPSampler"})
        layout = _Layout(branch)
        state = self._state(trials, branch, tag=repr(sorted(context.items(), key=str)))
        x_obs, y_obs, cons = self._observations(layout, state, members, direction)
        try:
            with _single_blas_thread():
                x, _, n_train = self._propose(layout, state, members, trial, x_obs, y_obs,
                                              cons, rng)
        except (np.linalg.LinAlgError, FloatingPointError, ValueError) as exc:
            return Suggestion(decode(space, rng.random(1)),
                              {"sampler": "GPSampler", "gp_error": str(exc)[:200]})
        state.proposals[trial.key] = x
        values = layout.decode(x)
        self._branch_cache[trial.key] = {n: (branch[n], v) for n, v in values.items()}
        while len(self._branch_cache) > 4 * _MAX_FANTASIES:
            self._branch_cache.popitem(last=False)
        info = {"context": context, "params": list(branch), "n_train": n_train}
        return Suggestion({name: values[name]}, {"sampler": "GPSampler", "gp_branch": info})

    def _sample_family(self, space: Mapping[str, Distribution], trials: Sequence[TrialRecord],
                       trial: TrialRecord, rng: np.random.Generator,
                       direction: Direction) -> Suggestion | None:
        """A lone categorical whose choices open branches of their own parameters, e.g.
        a model family and each family's hyperparameters.

        A GP on the choice alone models each branch's average trial, so a family whose
        few good settings hide among bad ones (an SVC outside its narrow gamma range)
        is starved by one that is uniformly fair. Instead each choice is scored by the
        best acquisition its branch's own GP finds, all on one scale (the objective
        warped over every trial, the incumbent the best of all), and the best choice is
        taken; its parameters then come from `_sample_branch`, whose model is warped
        over the branch alone and so resolves the branch's own differences. The choice
        with fewest trials is taken instead until each has `n_startup_trials` (default
        5, fewer with more than four choices so that this first round stays near 20
        trials, at least 2), and whenever one has fewer than `_STARVED` times the
        most-tried one's: the acquisitions of models on a few points are not comparable
        enough to starve a family whose first draws missed its good region. None (use
        the GP on the choice alone) when trials carry constraints.
        """
        from tuneforge.math.gp import warp_outputs

        ((name, dist),) = space.items()
        assert isinstance(dist, Categorical)
        context = _context(trial)
        members: list[list[TrialRecord]] = [[] for _ in dist.choices]
        for t in _members(name, dist, trial, context, trials):
            members[dist.index(t.params[name])].append(t)
        done = [t for group in members for t in group
                if t.state is TrialState.COMPLETE and t.values]
        if any(t.system_attrs.get("constraints") is not None for t in done):
            return None
        tried = np.array([sum(t.state in (*_FINISHED, TrialState.RUNNING) for t in group)
                          for group in members])
        branches = [_shared_space(group, exclude={*trial.params, name}) for group in members]
        # a choice without parameters of its own (a leaf) is one configuration: once is
        # enough for a deterministic objective
        leaf = np.array([not b and any(t.state in _FINISHED for t in group)
                         for b, group in zip(branches, members, strict=True)])
        first = self.n_startup_trials or min(5, max(2, math.ceil(20 / len(dist.choices))))
        need = np.where(leaf, 1, max(first, _STARVED * int(tried.max())))
        short = np.flatnonzero(tried < need)
        if len(short):
            fewest = short[tried[short] == tried[short].min()]
            choice = dist.choices[int(fewest[rng.integers(len(fewest))])]
            return Suggestion({name: choice}, {"sampler": "GPSampler", "gp_phase": "branch"})
        sign = -1.0 if direction is Direction.MAXIMIZE else 1.0
        y_all = np.array([sign * float(t.values[0]) for t in done if t.values])
        z_all = warp_outputs(y_all).z   # a monotone map of y: equal values, equal z
        z_of = dict(zip(y_all.tolist(), z_all.tolist(), strict=True))
        incumbent = float(z_all.min())
        scores = np.full(len(dist.choices), -np.inf)
        for i, (group, branch) in enumerate(zip(members, branches, strict=True)):
            if not branch:   # a leaf: already evaluated
                continue
            layout = _Layout(branch)
            state = self._state(trials, branch,
                                tag="family " + repr(sorted({**context, name: i}.items(),
                                                            key=str)))
            x_obs, y_obs, cons = self._observations(layout, state, group, direction)
            if not len(y_obs):
                continue
            z_obs = np.array([z_of[v] for v in y_obs.tolist()])
            try:
                with _single_blas_thread():
                    _, value, _ = self._propose(layout, state, group, trial, x_obs, y_obs,
                                                cons, rng, z_obs=z_obs, incumbent=incumbent)
            except (np.linalg.LinAlgError, FloatingPointError, ValueError):
                continue
            if math.isfinite(value):
                scores[i] = value
        if not np.isfinite(scores).any():
            return None
        best = int(np.argmax(scores))
        return Suggestion({name: dist.choices[best]},
                          {"sampler": "GPSampler", "gp_phase": "model",
                           "acquisition_function": self.acquisition,
                           "gp_family": [float(v) if math.isfinite(v) else None
                                         for v in scores]})

    # -- pieces -----------------------------------------------------------------------
    def _sobol(self, space: Mapping[str, Distribution], trial: TrialRecord,
               phase: str, history: History) -> Suggestion:
        from scipy.stats import qmc

        names = zlib.crc32("\0".join(space).encode())
        scramble = np.random.default_rng([design_seed(history), len(space), names])
        sobol = qmc.Sobol(len(space), scramble=True, seed=scramble)
        if trial.number:
            sobol.fast_forward(trial.number)
        return Suggestion(decode(space, sobol.random(1)[0]),
                          {"sampler": "GPSampler", "gp_phase": phase})

    def _state(self, trials: Sequence[TrialRecord], space: Mapping[str, Distribution],
               tag: str = "") -> _State:
        key = (trials[0].key if trials else None, tuple(space.items()), tag)
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = _State()
            while len(self._states) > _MAX_STATES:
                self._states.popitem(last=False)
        self._states.move_to_end(key)
        return state

    def _observations(self, layout: _Layout, state: _State, trials: Sequence[TrialRecord],
                      direction: Direction) -> tuple[np.ndarray, np.ndarray, list[Any]]:
        """Complete trials in the space: inputs (n, d), values (n,) to minimize and
        their constraint lists."""
        rows, ys, cons = [], [], []
        sign = -1.0 if direction is Direction.MAXIMIZE else 1.0
        for t in trials:
            if t.state is not TrialState.COMPLETE or not t.values:
                continue
            if t.key in state.rows:
                row = state.rows[t.key]
            else:
                row = state.rows[t.key] = layout.encode(t.params)
            if row is None:
                continue
            rows.append(row)
            ys.append(sign * float(t.values[0]))
            cons.append(t.system_attrs.get("constraints"))
        x = np.array(rows).reshape(-1, len(layout.names))
        return x, np.array(ys, dtype=float), cons

    def _fit(self, state: _State, role: str, x: np.ndarray, z: np.ndarray,
             is_cat: np.ndarray, prior: Prior) -> GP:
        """GP on (x, z), hyperparameters warm-started from this role's last fit."""
        from tuneforge.math.gp import GP, fit_theta, initial_theta

        fp = _fingerprint(x, z)
        cached = state.fits.get(role)
        if cached is not None and cached[0] == fp:
            return cached[1]
        d = x.shape[1]
        warm = state.thetas.get(role)
        if warm is None:
            starts = [initial_theta(d), prior.mean.copy()]
            maxiter = 200
        else:
            starts = [warm]
            if state.n_fits % 10 == 0:  # an occasional fresh start escapes a stale basin
                starts.append(initial_theta(d))
            maxiter = 50
        theta = fit_theta(x, z, is_cat, prior=prior, starts=starts, maxiter=maxiter)
        gp = GP(x, z, theta, is_cat)
        state.thetas[role] = theta
        state.fits[role] = (fp, gp)
        return gp

    def _subset(self, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Indices of the trials to fit on: all, or the best half + recent + random."""
        n, k = len(y), self.max_fit_trials
        if n <= k:
            return np.arange(n)
        chosen = list(np.argsort(y, kind="stable")[: k // 2])
        taken = set(chosen)
        for i in range(n - 1, -1, -1):
            if len(chosen) >= (3 * k) // 4:
                break
            if i not in taken:
                chosen.append(i)
                taken.add(i)
        rest = np.array([i for i in range(n) if i not in taken])
        chosen += list(rng.choice(rest, size=k - len(chosen), replace=False))
        return np.sort(np.array(chosen))

    def _propose(self, layout: _Layout, state: _State, trials: Sequence[TrialRecord],
                 trial: TrialRecord, x_obs: np.ndarray, y_obs: np.ndarray,
                 cons: list[Any], rng: np.random.Generator, *,
                 z_obs: np.ndarray | None = None, incumbent: float | None = None
                 ) -> tuple[np.ndarray, float, int]:
        """The acquisition's best point, its value and the number of trials fitted on.
        `z_obs` replaces the warp of `y_obs` and `incumbent` the best warped value, so that
        the acquisitions of several branches, each with its own model, share one scale."""
        from tuneforge.math.acquisition import Acquisition, ucb_beta
        from tuneforge.math.gp import Prior, warp_outputs
        from tuneforge.math.optimize import maximize

        d = x_obs.shape[1]
        idx = self._subset(y_obs, rng)
        x, y = x_obs[idx], y_obs[idx]
        cons = [cons[i] for i in idx]
        state.n_fits += 1
        prior = Prior.default(d, noisy=self.noisy)
        z = warp_outputs(y).z if z_obs is None else z_obs[idx]
        gp = self._fit(state, "objective", x, z, layout.is_cat, prior)

        use_cons = self.constraints if self.constraints is not None else \
            any(c is not None for c in cons)
        feasible = np.ones(len(y), dtype=bool)
        cgps: list[tuple[GP, float]] = []
        if use_cons:
            # one GP per constraint on its standardized values, threshold 0 mapped along;
            # a trial without a value for a constraint counts as infeasible
            cmat = _constraint_matrix(cons)
            feasible = np.all(cmat <= 0, axis=1)   # NaN (missing) compares False
            for c_i in range(cmat.shape[1]):
                rows = np.flatnonzero(~np.isnan(cmat[:, c_i]))
                cz, threshold = _standardize_constraint(cmat[rows, c_i])
                cgp = self._fit(state, f"constraint{c_i}", x[rows], cz, layout.is_cat, prior)
                cgps.append((cgp, threshold))

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
        pend, fail = self._fantasy_points(layout, state, trials, trial)
        seen = np.vstack([x_obs, pend, fail])
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
        acq = Acquisition(gp, best, kind=self.acquisition, beta=beta, constraints=cgps)
        # A deterministic objective gains nothing from a point it has already seen.
        # No extra candidates around the best points (`centres`): on 300-trial runs they
        # took every L-BFGS-B start and the search stayed in Rosenbrock's local minimum
        # (regret 3.7 where quasi-random starts alone reached 0.34).
        avoid = None if self.noisy else seen
        x_best, value = maximize(acq, acq.value_and_grad, layout.box, rng, avoid=avoid,
                                 n_candidates=1024 if d <= 10 else 2048)
        return x_best, value, len(idx)

    def _fantasy_points(self, layout: _Layout, state: _State, trials: Sequence[TrialRecord],
                        current: TrialRecord) -> tuple[np.ndarray, np.ndarray]:
        """Inputs of RUNNING trials other than `current` (their params, or what this
        sampler proposed to them if not yet suggested), and of FAIL and PRUNED trials
        (not modelled: they have no final value), so that none is proposed again."""
        pend: list[np.ndarray] = []
        fail: list[np.ndarray] = []
        for t in reversed(trials):
            if len(pend) + len(fail) >= _MAX_FANTASIES:
                break
            if t.key == current.key:
                continue
            if t.state is TrialState.RUNNING:
                row = layout.encode(t.params)
                if row is None:
                    row = state.proposals.get(t.key)
                if row is not None:
                    pend.append(row)
            elif t.state in (TrialState.FAIL, TrialState.PRUNED) and t.params:
                if t.key not in state.rows:
                    state.rows[t.key] = layout.encode(t.params)
                row = state.rows[t.key]
                if row is not None:
                    fail.append(row)
        d = len(layout.names)
        return np.array(pend).reshape(-1, d), np.array(fail).reshape(-1, d)


def _constraint_matrix(cons: Sequence[Any]) -> np.ndarray:
    """The trials' constraint lists as an (n, k) array, NaN where a value is missing or
    not a number (k = the longest list)."""
    k = max((len(c) for c in cons if isinstance(c, (list, tuple))), default=0)
    out = np.full((len(cons), k), np.nan)
    for i, c in enumerate(cons):
        if not isinstance(c, (list, tuple)):
            continue
        for j, v in enumerate(c):
            try:
                out[i, j] = float(v)
            except (TypeError, ValueError):
                pass
    return out


def _standardize_constraint(vals: np.ndarray) -> tuple[np.ndarray, float]:
    """Constraint values (n,) to zero mean and unit scale, and where 0 lands."""
    finite = np.isfinite(vals)
    if finite.any():
        lo, hi = float(vals[finite].min()), float(vals[finite].max())
        margin = max(0.1 * (hi - lo), 1.0)
        vals = np.where(vals == np.inf, hi + margin, np.where(vals == -np.inf, lo - margin,
                                                              vals))
    else:
        vals = np.sign(vals)
    m = float(vals.mean())
    s = float(vals.std())
    if not s > 0:
        s = max(abs(m), 1.0)
    return (vals - m) / s, -m / s


def _branch(name: str, dist: Distribution, trial: TrialRecord,
            trials: Sequence[TrialRecord]
            ) -> tuple[dict[str, Any], list[TrialRecord], dict[str, Distribution]]:
    """The branch of `trial` for parameter `name`: the categorical values the trial
    already has (its context), the trials that share that context and have `name` with
    `dist` (finished or running), and the space the finished ones all share, less the
    trial's own parameters (`name` first)."""
    context = _context(trial)
    members = _members(name, dist, trial, context, trials)
    shared = _shared_space(members, exclude=set(trial.params)) or {name: dist}
    branch = {name: dist, **{k: v for k, v in shared.items() if k != name}}
    return context, members, branch


def _members(name: str, dist: Distribution, trial: TrialRecord, context: Mapping[str, Any],
             trials: Sequence[TrialRecord]) -> list[TrialRecord]:
    """The other trials that have `name` with `dist` and agree with `context`."""
    return [t for t in trials if t.key != trial.key and name in t.params
            and t.distributions.get(name) == dist
            and all(k in t.params and t.params[k] == v for k, v in context.items())]


def _context(trial: TrialRecord) -> dict[str, Any]:
    """The categorical values a trial already has: they pick its branch."""
    return {k: v for k, v in trial.params.items()
            if isinstance(trial.distributions.get(k), Categorical)}


def _shared_space(members: Sequence[TrialRecord], exclude: set[str]
                  ) -> dict[str, Distribution]:
    """The parameters (and distributions) every finished one of `members` has, less
    `exclude`, in the first one's order."""
    shared: dict[str, Distribution] | None = None
    for t in members:
        if t.state not in _FINISHED:
            continue
        if shared is None:
            shared = {k: v for k, v in t.distributions.items() if k not in exclude}
        else:
            shared = {k: v for k, v in shared.items() if t.distributions.get(k) == v}
    return shared or {}


def _opens_branches(space: Mapping[str, Distribution], trials: Sequence[TrialRecord]) -> bool:
    """True when a finished trial has parameters beyond the joint space: its choice
    opened a branch of its own."""
    return any(t.state in _FINISHED and any(k not in space for k in t.params)
               for t in trials)


def _in_joint_space(space: Mapping[str, Distribution], trials: Sequence[TrialRecord]) -> bool:
    """True when the one parameter of `space` is in every finished trial's space, with
    the same distribution: a joint call on a one-dimensional space, not a fallback."""
    ((name, dist),) = space.items()
    found = False
    for t in trials:
        if t.state in _FINISHED:
            if t.distributions.get(name) != dist:
                return False
            found = True
    return found



_BLAS: Any = None


def _single_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """Run the model on one BLAS thread. Its matrices are small (at most a few hundred
    rows) and its calls many: with a multi-threaded BLAS, thread start-up and, on a
    shared machine, oversubscription cost 2-8x the work itself (measured on 2 cores).
    Uses threadpoolctl when it is installed (it comes with scikit-learn)."""
    global _BLAS
    if _BLAS is None:
        try:
            from threadpoolctl import ThreadpoolController
            _BLAS = ThreadpoolController()
        except Exception:  # not installed, or no BLAS it can drive
            _BLAS = False
    if not _BLAS:
        return contextlib.nullcontext()
    return _BLAS.limit(limits=1, user_api="blas")
