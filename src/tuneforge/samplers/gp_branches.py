"""The GP sampler in a conditional space: a parameter outside the joint space is
proposed together with the rest of its branch by a GP on the trials of that branch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from tuneforge.samplers._branches import branch_of
from tuneforge.samplers.base import Suggestion
from tuneforge.samplers.gp_model import MAX_FANTASIES, Layout, observations, single_blas_thread
from tuneforge.space.distributions import Distribution
from tuneforge.space.encoding import decode
from tuneforge.trial.records import Direction, TrialRecord, TrialState

if TYPE_CHECKING:
    from tuneforge.samplers.gp import GPSampler


def sample_branch(sampler: GPSampler, space: Mapping[str, Distribution],
                  trials: Sequence[TrialRecord], trial: TrialRecord, rng: np.random.Generator,
                  direction: Direction) -> Suggestion:
    """A parameter outside the joint space, e.g. `svc_C` once `model` = "svc".

    The branch is the finished trials that agree with this trial on every categorical
    value it already has and that also have this parameter; its space is the parameters
    all of them share and this trial does not have yet (`_branches.branch_of`). With
    enough of them, one GP over that space proposes all of its parameters at once (the
    others are kept for this trial's next calls); before that, a uniform draw. The study
    records either as outside the joint space (`independent_params`); the `gp_branch`
    attribute says which were modelled.
    """
    ((name, dist),) = space.items()
    cached = sampler._branch_cache.get(trial.key, {})
    if name in cached and cached[name][0] == dist:
        return Suggestion({name: cached[name][1]}, {})
    context, members, branch = branch_of(name, dist, trial, trials)
    n_complete = sum(t.state is TrialState.COMPLETE for t in members)
    d = len(branch)
    n_startup = sampler.n_startup_trials or min(max(5, d + 1), 20)
    if n_complete < n_startup:
        return Suggestion(decode(space, rng.random(1)), {"sampler": "GPSampler"})
    layout = Layout(branch)
    state = sampler._state(trials, branch, tag=repr(sorted(context.items(), key=str)))
    x_obs, y_obs, cons = observations(layout, state, members, direction)
    try:
        with single_blas_thread():
            x, _, n_train = sampler._propose(layout, state, members, trial, x_obs, y_obs,
                                             cons, rng,
                                             kind=sampler.acquisition_kind(trial, trials))
    except (np.linalg.LinAlgError, FloatingPointError, ValueError) as exc:
        return Suggestion(decode(space, rng.random(1)),
                          {"sampler": "GPSampler", "gp_error": str(exc)[:200]})
    state.proposals[trial.key] = x
    values = layout.decode(x)
    sampler._branch_cache[trial.key] = {n: (branch[n], v) for n, v in values.items()}
    while len(sampler._branch_cache) > 4 * MAX_FANTASIES:
        sampler._branch_cache.popitem(last=False)
    info = {"context": context, "params": list(branch), "n_train": n_train}
    return Suggestion({name: values[name]}, {"sampler": "GPSampler", "gp_branch": info})
