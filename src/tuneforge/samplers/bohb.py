"""BOHB's sampler (Falkner et al. 2018): a TPE-style density-ratio model fitted at the
highest budget (step) that enough trials reached, so Hyperband's brackets are fed by a
model instead of random search (math in tuneforge.math.tpe)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tuneforge.math import tpe as tpe_math
from tuneforge.samplers._branches import has_space
from tuneforge.samplers.base import (
    BaseSampler,
    ConstraintsFunc,
    Suggestion,
    checked_constraints_func,
)
from tuneforge.space.distributions import Categorical, Distribution, Float, n_levels
from tuneforge.space.encoding import decode, decode_indices, encode, encode_indices
from tuneforge.trial.records import Direction, History, TrialRecord, TrialState

_SEEN = (TrialState.RUNNING, TrialState.COMPLETE, TrialState.PRUNED)
FINAL = math.inf  # the budget of a COMPLETE trial's final value when it reported nothing


def _levels(d: Distribution) -> int:
    return 0 if isinstance(d, Float) and d.step is None else n_levels(d)


def observations(trials: Sequence[TrialRecord], sign: float
                 ) -> dict[float, list[tuple[TrialRecord, float]]]:
    """budget (step) -> [(trial, loss)] over every report of every trial (NaN skipped);
    a COMPLETE trial without reports counts at budget FINAL."""
    out: dict[float, list[tuple[TrialRecord, float]]] = {}
    for t in trials:
        for step, v in t.intermediate.items():
            if not math.isnan(v):
                out.setdefault(float(step), []).append((t, sign * v))
        if not t.intermediate and t.state is TrialState.COMPLETE and t.values is not None:
            out.setdefault(FINAL, []).append((t, sign * t.values[0]))
    return out


def good_size(n: int, n_min: int, top_n_percent: float) -> int:
    """The size of the good set among n observations: the best `top_n_percent` %, at
    least n_min."""
    return max(n_min, int(top_n_percent * n) // 100)


def model_split(obs: Mapping[float, Sequence[Any]], n_min: int,
                top_n_percent: float) -> tuple[float, int] | None:
    """(budget, good-set size) for the model: the highest budget whose observations split
    into a good set (`good_size`) and a disjoint bad set of at least n_min, so that
    each estimator has enough points and the density ratio compares two different
    groups (None while no budget has that many)."""
    ok = [b for b, rows in obs.items()
          if len(rows) - good_size(len(rows), n_min, top_n_percent) >= n_min]
    if not ok:
        return None
    budget = max(ok)
    return budget, good_size(len(obs[budget]), n_min, top_n_percent)


class BOHBSampler(BaseSampler):
    """BOHB: with probability `random_fraction` (and until some budget has enough
    observations) a uniform random point; otherwise a TPE-style model on the
    observations at the highest budget (reported step) whose trials split into a good
    set, the best `top_n_percent` % (at least `min_points_in_model`, default d + 1), and
    a disjoint bad set of at least `min_points_in_model` (`model_split`); `n_ei_candidates` are
    drawn from the good estimator widened by `bandwidth_factor` and the one with the
    largest l(x)/g(x) is taken. Use it with HyperbandPruner or SuccessiveHalvingPruner;
    it sees every bracket's trials (``multi_fidelity = True``), as in the paper.
    Single-objective. The trial records the budget it was modelled on
    (`bohb_budget`)."""

    relative = True
    multi_fidelity = True  # Hyperband does not narrow its history to one bracket

    def __init__(self, *, seed: int | None = None, min_points_in_model: int | None = None,
                 top_n_percent: float = 15.0, n_ei_candidates: int = 64,
                 random_fraction: float = 1.0 / 3.0, bandwidth_factor: float = 3.0,
                 min_bandwidth: float = 1e-3,
                 constraints_func: ConstraintsFunc | None = None) -> None:
        self.constraints_func = checked_constraints_func(constraints_func, self)
        if min_points_in_model is not None and (isinstance(min_points_in_model, bool)
                                                or min_points_in_model < 1):
            raise ValueError(f"BOHBSampler: min_points_in_model must be >= 1, "
                             f"got {min_points_in_model!r}")
        if not 0.0 < top_n_percent < 100.0:
            raise ValueError(f"BOHBSampler: top_n_percent must be in (0, 100), "
                             f"got {top_n_percent!r}")
        if n_ei_candidates < 1:
            raise ValueError(f"BOHBSampler: n_ei_candidates must be >= 1, "
                             f"got {n_ei_candidates!r}")
        if not 0.0 <= random_fraction <= 1.0:
            raise ValueError(f"BOHBSampler: random_fraction must be in [0, 1], "
                             f"got {random_fraction!r}")
        if not bandwidth_factor > 0 or not min_bandwidth > 0:
            raise ValueError("BOHBSampler: bandwidth_factor and min_bandwidth must be "
                             f"positive, got {bandwidth_factor!r}, {min_bandwidth!r}")
        self.seed = seed
        self.min_points_in_model = min_points_in_model
        self.top_n_percent = float(top_n_percent)
        self.n_ei_candidates = n_ei_candidates
        self.random_fraction = float(random_fraction)
        self.bandwidth_factor = float(bandwidth_factor)
        self.min_bandwidth = float(min_bandwidth)
        super().__init__()

    def __repr__(self) -> str:
        return (f"BOHBSampler(seed={self.seed!r}, top_n_percent={self.top_n_percent:g}, "
                f"random_fraction={self.random_fraction:.3g})")

    def sample(self, space: Mapping[str, Distribution], history: History,
               rng: np.random.Generator, trial: TrialRecord) -> Suggestion:
        if not space:
            return Suggestion({})
        if len(history.directions) != 1:
            raise ValueError("BOHBSampler supports single-objective studies only")
        sign = -1.0 if history.directions[0] is Direction.MAXIMIZE else 1.0
        items = tuple(space.items())
        random_point = rng.random() < self.random_fraction
        u = rng.random(len(space))  # drawn either way: one stream per trial
        trials = [t for t in history.trials(_SEEN) if t.key != trial.key and has_space(t, items)]
        n_min = self.min_points_in_model or len(space) + 1
        obs = observations(trials, sign)
        split = model_split(obs, n_min, self.top_n_percent)
        if random_point or split is None:
            return Suggestion(decode(space, u), {"sampler": "BOHBSampler", "bohb_budget": None})
        budget, n_good = split
        rows = sorted(obs[budget], key=lambda r: (r[1], r[0].number))
        good, bad = rows[:n_good], rows[n_good:]  # disjoint: the ratio compares groups
        params = self._propose(space, [t for t, _ in good], [t for t, _ in bad], rng)
        return Suggestion(params, {"sampler": "BOHBSampler",
                                   "bohb_budget": budget if budget != FINAL else "final"})

    def _propose(self, space: Mapping[str, Distribution], good: list[TrialRecord],
                 bad: list[TrialRecord], rng: np.random.Generator) -> dict[str, Any]:
        num_space = {n: d for n, d in space.items() if not isinstance(d, Categorical)}
        cat_space = {n: d for n, d in space.items() if isinstance(d, Categorical)}
        levels = np.array([_levels(d) for d in num_space.values()], dtype=np.float64)
        n_choices = np.array([len(d.choices) for d in cat_space.values()], dtype=np.int64)

        def enc(ts: list[TrialRecord]) -> tuple[np.ndarray, np.ndarray]:
            num = np.array([encode(num_space, t.params) for t in ts]).reshape(
                len(ts), len(num_space))
            cat = np.array([encode_indices(cat_space, t.params) for t in ts],
                           dtype=np.int64).reshape(len(ts), len(cat_space))
            return num, cat

        def mixture(num: np.ndarray, cat: np.ndarray, factor: float) -> tpe_math.Mixture:
            w = np.ones(len(num))
            sigma = None
            if num.shape[1]:
                sigma = np.broadcast_to(tpe_math.bandwidths(
                    num, w, n_dims=num.shape[1] + cat.shape[1], factor=factor,
                    min_bandwidth=self.min_bandwidth), num.shape).copy()
            return tpe_math.build_mixture(num, cat, w, levels=levels, n_choices=n_choices,
                                          kernel_sigma=sigma)

        num_g, cat_g = enc(good)
        num_b, cat_b = enc(bad)
        below, above = mixture(num_g, cat_g, 1.0), mixture(num_b, cat_b, 1.0)
        wide = mixture(num_g, cat_g, self.bandwidth_factor)  # BOHB samples wider
        num, cat = tpe_math.sample(wide, rng, self.n_ei_candidates)
        score = tpe_math.log_density(below, num, cat) - tpe_math.log_density(above, num, cat)
        best = int(np.argmax(np.nan_to_num(score, nan=-np.inf)))
        return {**decode(num_space, num[best]), **decode_indices(cat_space, cat[best])}


__all__ = ["BOHBSampler", "model_split"]
