"""The GP sampler's choice of a model family: a lone categorical whose choices open
branches of their own parameters, scored by the best acquisition of each branch's GP."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from tuneforge.samplers._branches import FINISHED, branch_members, context_of, shared_space
from tuneforge.samplers.base import Suggestion
from tuneforge.samplers.gp_model import Layout, observations, single_blas_thread
from tuneforge.space.distributions import Categorical, Distribution
from tuneforge.trial.constraints import constraints_of
from tuneforge.trial.records import Direction, TrialRecord, TrialState

if TYPE_CHECKING:
    from tuneforge.samplers.gp import GPSampler

STARVED = 0.25   # a family choice is explored below this share of the most-tried


def sample_family(sampler: GPSampler, space: Mapping[str, Distribution],
                  trials: Sequence[TrialRecord], trial: TrialRecord, rng: np.random.Generator,
                  direction: Direction) -> Suggestion | None:
    """A lone categorical whose choices open branches of their own parameters, e.g. a
    model family and each family's hyperparameters.

    A GP on the choice alone models each branch's average trial, so a family whose few
    good settings hide among bad ones (an SVC outside its narrow gamma range) is starved
    by one that is uniformly fair. Instead each choice is scored by the best acquisition
    its branch's own GP finds, all on one scale (the objective warped over every trial,
    the incumbent the best of all), and the best choice is taken; its parameters then
    come from `gp_branches.sample_branch`, whose model is warped over the branch alone and
    so resolves the branch's own differences. The choice with fewest trials is taken
    instead until each has `n_startup_trials` (default 5, fewer with more than four
    choices so that this first round stays near 20 trials, at least 2), and whenever one
    has fewer than `STARVED` times the most-tried one's: the acquisitions of models on a
    few points are not comparable enough to starve a family whose first draws missed its
    good region. None (use the GP on the choice alone) when trials carry constraints.
    """
    from tuneforge.math.gp import warp_outputs

    ((name, dist),) = space.items()
    if not isinstance(dist, Categorical):
        return None
    context = context_of(trial)
    members: list[list[TrialRecord]] = [[] for _ in dist.choices]
    for t in branch_members(name, dist, trial, context, trials):
        members[dist.index(t.params[name])].append(t)
    done = [t for group in members for t in group
            if t.state is TrialState.COMPLETE and t.values]
    if any(constraints_of(t) is not None for t in done):
        return None
    tried = np.array([sum(t.state in (*FINISHED, TrialState.RUNNING) for t in group)
                      for group in members])
    branches = [shared_space(group, exclude={*trial.params, name}) for group in members]
    # a choice without parameters of its own (a leaf) is one configuration: once is
    # enough for a deterministic objective
    leaf = np.array([not b and any(t.state in FINISHED for t in group)
                     for b, group in zip(branches, members, strict=True)])
    first = sampler.n_startup_trials or min(5, max(2, math.ceil(20 / len(dist.choices))))
    need = np.where(leaf, 1, max(first, STARVED * int(tried.max())))
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
    kind = sampler.acquisition_kind(trial, trials)
    scores = np.full(len(dist.choices), -np.inf)
    for i, (group, branch) in enumerate(zip(members, branches, strict=True)):
        if not branch:   # a leaf: already evaluated
            continue
        layout = Layout(branch)
        state = sampler._state(trials, branch,
                               tag="family " + repr(sorted({**context, name: i}.items(),
                                                           key=str)))
        x_obs, y_obs, cons = observations(layout, state, group, direction)
        if not len(y_obs):
            continue
        z_obs = np.array([z_of[v] for v in y_obs.tolist()])
        try:
            with single_blas_thread():
                _, value, _ = sampler._propose(layout, state, group, trial, x_obs, y_obs,
                                               cons, rng, z_obs=z_obs, incumbent=incumbent,
                                               kind=kind)
        except (np.linalg.LinAlgError, FloatingPointError, ValueError):
            continue
        if math.isfinite(value):
            scores[i] = value
    if not np.isfinite(scores).any():
        return None
    best = int(np.argmax(scores))
    return Suggestion({name: dist.choices[best]},
                      {"sampler": "GPSampler", "gp_phase": "model",
                       "acquisition_function": kind,
                       "gp_family": [float(v) if math.isfinite(v) else None
                                     for v in scores]})
