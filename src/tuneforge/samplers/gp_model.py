"""What the GP sampler keeps and fits for one study and space: the model inputs of a
space, the cached encodings and fits, the training subset and the fantasized points.
Shared by the sampler on a flat space (`gp.py`), its conditional branches
(`gp_branches.py`) and its model-family choice (`gp_family.py`).
"""

from __future__ import annotations

import contextlib
import zlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from tuneforge.samplers.gp_effort import EFFORTS, Effort, EffortLog
from tuneforge.space.distributions import Categorical, Distribution, level_values, n_levels
from tuneforge.space.encoding import decode_mixed, encode_mixed, to_unit
from tuneforge.trial.constraints import constraints_of
from tuneforge.trial.records import Direction, TrialRecord, TrialState

if TYPE_CHECKING:  # the model pulls in scipy.optimize/linalg: imported on first use
    from tuneforge.math.gp import GP, Prior

MAX_GRID = 512           # ordinal dims with more levels are modelled as continuous
MAX_FANTASIES = 64       # pending/failed points fantasized, most recent first


class Layout:
    """How a space maps to model inputs (`encode_mixed`): [0, 1] for numbers (slice
    centres for integers and steps, so the model sees the value actually evaluated), the
    choice index for categoricals; and the box the acquisition is maximized over."""

    def __init__(self, space: Mapping[str, Distribution]) -> None:
        from tuneforge.math.optimize import Box

        self.space = dict(space)
        self.names = list(space)
        self.dists = list(space.values())
        self.is_cat = np.array([isinstance(d, Categorical) for d in self.dists], dtype=bool)
        self.box = Box([_grid(d) for d in self.dists], self.is_cat)

    def encode(self, params: Mapping[str, Any]) -> np.ndarray | None:
        """The model input (d,) of a trial's params, or None if one is missing or outside."""
        for name, dist in self.space.items():
            if name not in params or not dist.contains(params[name]):
                return None
        return encode_mixed(self.space, params)

    def decode(self, x: np.ndarray) -> dict[str, Any]:
        return decode_mixed(self.space, x)


def _grid(dist: Distribution) -> np.ndarray | None:
    """The allowed model inputs of a dimension (None: continuous): choice indices, or
    the unit-cube centres of at most MAX_GRID levels."""
    if isinstance(dist, Categorical):
        return np.arange(len(dist.choices), dtype=float)
    count = n_levels(dist)
    if not 0 < count <= MAX_GRID:
        return None
    return np.array([to_unit(dist, v) for v in level_values(dist)])


@dataclass
class State:
    """What a sampler keeps between trials of one study and space."""

    rows: dict[str, np.ndarray | None] = field(default_factory=dict)   # finished trials
    thetas: dict[str, np.ndarray] = field(default_factory=dict)         # warm starts
    fits: dict[str, tuple[bytes, GP]] = field(default_factory=dict)    # same data -> same GP
    n_fits: int = 0
    proposals: OrderedDict[str, np.ndarray] = field(default_factory=OrderedDict)
    effort: Effort = EFFORTS["full"]          # this proposal's work (`gp_effort`)
    effort_log: EffortLog = field(default_factory=EffortLog)
    prior_scale: float | None = None   # a warm start's prior-mean weight at the last fit
    pending: int = 0                   # running trials fantasized for the last proposal


def _fingerprint(x: np.ndarray, y: np.ndarray) -> bytes:
    return zlib.crc32(x.tobytes()).to_bytes(4, "little") + \
        zlib.crc32(y.tobytes()).to_bytes(4, "little") + int(x.shape[0]).to_bytes(4, "little")


def observations(layout: Layout, state: State, trials: Sequence[TrialRecord],
                 direction: Direction) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Complete trials in the space, then the pruned ones at their censored value
    (`pruned_observations`): inputs (n, d), values (n,) to minimize and their
    constraint lists."""
    x, y, cons = mo_observations(layout, state, trials, (direction,))
    xp, lp, cp = pruned_observations(layout, state, trials, direction)
    if not len(lp):
        return x, y[:, 0], cons
    return np.vstack([x, xp]), np.concatenate([y[:, 0], censored_losses(lp, y[:, 0])]), \
        cons + cp


def censored_losses(last: np.ndarray, complete: np.ndarray) -> np.ndarray:
    """The loss a GP models for pruned trials whose last reported losses are `last`: that
    loss, but never better than the worst complete trial's (a pruned trial lost its
    rung to the trials that went on, so it ranks below them, as in TPE)."""
    out: np.ndarray = np.asarray(last, dtype=float)
    if len(complete):
        out = np.maximum(out, float(np.max(complete)))
    return out


def pruned_observations(layout: Layout, state: State, trials: Sequence[TrialRecord],
                        direction: Direction) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """PRUNED trials in the space that reported a finite value: inputs (n, d), their last
    reported values (n,) turned to losses, and their constraint lists."""
    sign = -1.0 if direction is Direction.MAXIMIZE else 1.0
    rows, losses, cons = [], [], []
    for t in trials:
        if t.state is not TrialState.PRUNED or not modelled_pruned(t):
            continue
        if t.key not in state.rows:
            state.rows[t.key] = layout.encode(t.params)
        row = state.rows[t.key]
        if row is None:
            continue
        rows.append(row)
        losses.append(sign * float(t.intermediate[max(t.intermediate)]))
        cons.append(constraints_of(t))
    return np.array(rows).reshape(-1, len(layout.names)), np.array(losses, dtype=float), cons


def modelled_pruned(t: TrialRecord) -> bool:
    """Whether a PRUNED trial enters the single-objective GP: its last report is a
    finite number (else it is only fantasized, so that it is not proposed again)."""
    if not t.intermediate:
        return False
    v = t.intermediate[max(t.intermediate)]
    return isinstance(v, (int, float)) and bool(np.isfinite(v))


def mo_observations(layout: Layout, state: State, trials: Sequence[TrialRecord],
                    directions: Sequence[Direction]
                    ) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Complete trials in the space with one value per objective: inputs (n, d), values
    (n, m) to minimize, and their constraint lists (encoded rows cached in `state`)."""
    signs = np.array([-1.0 if d is Direction.MAXIMIZE else 1.0 for d in directions])
    rows, ys, cons = [], [], []
    for t in trials:
        if t.state is not TrialState.COMPLETE or not t.values or \
                len(t.values) != len(signs):
            continue
        if t.key in state.rows:
            row = state.rows[t.key]
        else:
            row = state.rows[t.key] = layout.encode(t.params)
        if row is None:
            continue
        rows.append(row)
        ys.append(signs * np.array([float(v) for v in t.values]))
        cons.append(constraints_of(t))
    x = np.array(rows).reshape(-1, len(layout.names))
    return x, np.array(ys, dtype=float).reshape(-1, len(signs)), cons


def remember_proposal(state: State, key: str, x: np.ndarray) -> None:
    """Keep a trial's proposed point (a fantasy while it runs), the newest
    4 * MAX_FANTASIES only."""
    state.proposals[key] = x
    while len(state.proposals) > 4 * MAX_FANTASIES:
        state.proposals.popitem(last=False)


def fit(state: State, role: str, x: np.ndarray, z: np.ndarray, is_cat: np.ndarray,
        prior: Prior) -> GP:
    """GP on (x, z), hyperparameters warm-started from this role's last fit."""
    from tuneforge.math.gp import GP, fit_theta, initial_theta

    fp = _fingerprint(x, z)
    cached = state.fits.get(role)
    if cached is not None and cached[0] == fp:
        return cached[1]
    d = x.shape[1]
    warm = state.thetas.get(role)
    if warm is not None and state.n_fits % state.effort.refit_every != 0:
        # a cheaper effort level keeps the last hyperparameters between full refits
        gp = GP(x, z, warm, is_cat)
        state.fits[role] = (fp, gp)
        return gp
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


def fit_constraints(state: State, cons: Sequence[Any], x: np.ndarray, is_cat: np.ndarray,
                    prior: Prior) -> tuple[np.ndarray, list[tuple[GP, float]]]:
    """Which observed rows are feasible, and one GP per outcome constraint on its
    standardized values (with the threshold 0 mapped along); a trial without a value
    for a constraint counts as infeasible."""
    from tuneforge.math.constraints import constraint_matrix, standardize_constraint

    cmat = constraint_matrix(cons)
    feasible = np.all(cmat <= 0, axis=1)   # NaN (missing) compares False
    cgps: list[tuple[GP, float]] = []
    for c_i in range(cmat.shape[1]):
        rows = np.flatnonzero(~np.isnan(cmat[:, c_i]))
        cz, threshold = standardize_constraint(cmat[rows, c_i])
        cgps.append((fit(state, f"constraint{c_i}", x[rows], cz, is_cat, prior), threshold))
    return feasible, cgps


def fit_subset(y: np.ndarray, rng: np.random.Generator, *, max_trials: int) -> np.ndarray:
    """Indices of the trials to fit on: all, or the best half + recent + random."""
    n, k = len(y), max_trials
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


def fantasy_points(layout: Layout, state: State, trials: Sequence[TrialRecord],
                   current: TrialRecord, *, single: bool = False
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Inputs of RUNNING trials other than `current` (their params, or what this
    sampler proposed to them if not yet suggested), and of FAIL and PRUNED trials
    not modelled (`single`: the single-objective GP models pruned trials that
    reported), so that none is proposed again."""
    pend: list[np.ndarray] = []
    fail: list[np.ndarray] = []
    for t in reversed(trials):
        if len(pend) + len(fail) >= MAX_FANTASIES:
            break
        if t.key == current.key:
            continue
        if t.state is TrialState.RUNNING:
            row = layout.encode(t.params)
            if row is None:
                row = state.proposals.get(t.key)
            if row is not None:
                pend.append(row)
        elif (t.state is TrialState.FAIL or (t.state is TrialState.PRUNED
                                             and not (single and modelled_pruned(t)))) \
                and t.params:
            if t.key not in state.rows:
                state.rows[t.key] = layout.encode(t.params)
            row = state.rows[t.key]
            if row is not None:
                fail.append(row)
    d = len(layout.names)
    return np.array(pend).reshape(-1, d), np.array(fail).reshape(-1, d)


_BLAS: Any = None


def single_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """Run the model on one BLAS thread: its matrices are small (at most a few hundred
    rows) and its calls many, so thread start-up and oversubscription would cost more
    than the work. Uses threadpoolctl when it is installed (it comes with scikit-learn)."""
    global _BLAS
    if _BLAS is None:
        try:
            from threadpoolctl import ThreadpoolController
            _BLAS = ThreadpoolController()
        except Exception:  # not installed, or no BLAS it can drive
            _BLAS = False
    if not _BLAS:
        return contextlib.nullcontext()
    limited: contextlib.AbstractContextManager[Any] = _BLAS.limit(limits=1, user_api="blas")
    return limited
