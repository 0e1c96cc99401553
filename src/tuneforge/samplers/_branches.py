"""Conditional (define-by-run) spaces: which trials share a branch, and which
parameters a branch has. Shared by the GP and TPE samplers (and the GA's check that a
trial has a whole space).

A branch is picked by the categorical values a trial already has (its context), e.g.
`model = "svc"`; its trials are those that agree with that context, and its parameters
are those they all share.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tuneforge.space.distributions import Categorical, Distribution
from tuneforge.trial.records import TrialRecord, TrialState

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)


def has_space(t: TrialRecord, space: Iterable[tuple[str, Distribution]]) -> bool:
    """True when trial `t` has every (name, distribution) of `space`, with exactly that
    distribution (a trial run on other bounds is another space)."""
    return all(n in t.params and t.distributions.get(n) == d for n, d in space)


def context_of(trial: TrialRecord) -> dict[str, Any]:
    """The categorical values a trial already has: they pick its branch."""
    return {k: v for k, v in trial.params.items()
            if isinstance(trial.distributions.get(k), Categorical)}


def branch_members(name: str, dist: Distribution, trial: TrialRecord,
                   context: Mapping[str, Any],
                   trials: Sequence[TrialRecord]) -> list[TrialRecord]:
    """The trials other than `trial` that have `name` with `dist` and agree with
    `context` (finished or not)."""
    return [t for t in trials if t.key != trial.key and name in t.params
            and t.distributions.get(name) == dist
            and all(k in t.params and t.params[k] == v for k, v in context.items())]


def shared_space(members: Sequence[TrialRecord], exclude: set[str]
                 ) -> dict[str, Distribution]:
    """The parameters (and distributions) every finished one of `members` has, less
    `exclude`, in the first one's order: the active parameters of their branch."""
    shared: dict[str, Distribution] | None = None
    for t in members:
        if t.state not in FINISHED:
            continue
        if shared is None:
            shared = {k: v for k, v in t.distributions.items() if k not in exclude}
        else:
            shared = {k: v for k, v in shared.items() if t.distributions.get(k) == v}
    return shared or {}


def branch_of(name: str, dist: Distribution, trial: TrialRecord,
              trials: Sequence[TrialRecord]
              ) -> tuple[dict[str, Any], list[TrialRecord], dict[str, Distribution]]:
    """The branch of `trial` for parameter `name`: the trial's context, the trials that
    share it and have `name` with `dist` (`branch_members`), and the space the finished
    ones all share, less the trial's own parameters (`name` first)."""
    context = context_of(trial)
    members = branch_members(name, dist, trial, context, trials)
    shared = shared_space(members, exclude=set(trial.params)) or {name: dist}
    branch = {name: dist, **{k: v for k, v in shared.items() if k != name}}
    return context, members, branch


def opens_branches(space: Mapping[str, Distribution], trials: Sequence[TrialRecord]) -> bool:
    """True when a finished trial has parameters beyond `space`: a choice in it opened a
    branch of its own."""
    return any(t.state in FINISHED and any(k not in space for k in t.params)
               for t in trials)


def in_joint_space(space: Mapping[str, Distribution], trials: Sequence[TrialRecord]) -> bool:
    """True when the one parameter of `space` is in every finished trial's space, with
    the same distribution: a joint call on a one-dimensional space, not a branch."""
    ((name, dist),) = space.items()
    found = False
    for t in trials:
        if t.state in FINISHED:
            if t.distributions.get(name) != dist:
                return False
            found = True
    return found


def param_groups(param_sets: frozenset[frozenset[str]]) -> list[list[str]]:
    """Partition of the names in `param_sets` (the distinct parameter sets of the
    trials): names in the same group occur in exactly the same sets, so every trial's
    parameters are a union of groups. Groups and names in a deterministic order."""
    ordered = sorted(param_sets, key=lambda s: sorted(s))
    by_signature: dict[tuple[int, ...], list[str]] = {}
    for name in sorted(set().union(*param_sets)) if param_sets else []:
        sig = tuple(i for i, s in enumerate(ordered) if name in s)
        by_signature.setdefault(sig, []).append(name)
    return list(by_signature.values())


def latest_distribution(trials: Sequence[TrialRecord], name: str) -> Distribution | None:
    """The distribution of `name` in the last of `trials` that has it (None: none has)."""
    for t in reversed(trials):
        d = t.distributions.get(name)
        if d is not None:
            return d
    return None
