"""Refine a study's search space around its best trials, keep its versions, continue on it.

`refine` picks the best COMPLETE trials and narrows (or, at a bound, widens) the space with
`tuneforge.space.narrowing`. `record_space` appends a version to the study's system attribute
"space_versions"; `continue_on` records the refined space and wraps the study's sampler in
a `RefinedSampler`, which shows the sampler the old trials with their values mapped into
the refined space (clipped into the new bounds, removed categorical choices dropped). The
stored trials are never changed.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from tuneforge.exceptions import TuneforgeError
from tuneforge.samplers.refined import RefinedSampler
from tuneforge.space.distributions import Distribution
from tuneforge.space.narrowing import ParamChange, refine_space_report
from tuneforge.space.search_space import SearchSpace
from tuneforge.storage import events as ev
from tuneforge.trial.records import Direction, TrialRecord, TrialState

if TYPE_CHECKING:
    from tuneforge.study.study import Study

VERSIONS_ATTR = "space_versions"
VERSION_PREFIX = "space_version:"  # + a unique key: one attribute per version


@dataclass(frozen=True)
class SpaceVersion:
    """One recorded search space of a study, used from trial `trial_number_from` on."""

    version: int
    space: SearchSpace
    note: str
    trial_number_from: int


def top_trials(study: Study, top: float | int = 0.2) -> list[TrialRecord]:
    """The best COMPLETE trials of a single-objective study, best first.

    `top` is a count (int >= 1) or a fraction in (0, 1] of the complete trials (at least
    two when there are two: a box needs more than one point).
    """
    if len(study.directions) != 1:
        raise TuneforgeError(f"study {study.study_name!r} has {len(study.directions)} "
                             "objectives; refining needs a single objective")
    complete = [t for t in study.get_trials([TrialState.COMPLETE]) if t.values]
    n = len(complete)
    if isinstance(top, bool) or not isinstance(top, (int, float)):
        raise ValueError(f"top must be a count or a fraction, got {top!r}")
    if isinstance(top, numbers.Integral):
        top = int(top)
        if top < 1:
            raise ValueError(f"top must be a count >= 1 or a fraction in (0, 1], got {top}")
        count = min(top, n)
    else:
        if not 0 < top <= 1:
            raise ValueError(f"top as a fraction must be in (0, 1], got {top}")
        count = min(n, max(2, math.ceil(top * n - 1e-9)))
    sign = -1.0 if study.direction is Direction.MAXIMIZE else 1.0
    # a COMPLETE trial's values are set (the ignore below: `values` is optional)
    ranked = sorted(complete, key=lambda t: (sign * t.values[0], t.number))  # type: ignore[index]
    return ranked[:count]


def refine_report(study: Study, space: SearchSpace, *, top: float | int = 0.2,
                  min_trials: int = 5, quantiles: tuple[float, float] = (0.0, 1.0),
                  margin: float = 0.1, edge_tolerance: float = 0.02, widen: float = 2.0
                  ) -> tuple[SearchSpace, dict[str, ParamChange]]:
    """`refine`, with what changed per parameter (see `refine_space_report`)."""
    n_complete = len(study.get_trials([TrialState.COMPLETE]))
    if n_complete < min_trials:
        raise TuneforgeError(
            f"study {study.study_name!r} has {n_complete} COMPLETE trial(s); refining its "
            f"space needs at least min_trials={min_trials}")
    best = top_trials(study, top)
    return refine_space_report(space, [t.params for t in best], quantiles=quantiles,
                               margin=margin, edge_tolerance=edge_tolerance, widen=widen)


def refine(study: Study, space: SearchSpace, *, top: float | int = 0.2, min_trials: int = 5,
           quantiles: tuple[float, float] = (0.0, 1.0), margin: float = 0.1,
           edge_tolerance: float = 0.02, widen: float = 2.0) -> SearchSpace:
    """`space` refined around the study's `top` best COMPLETE trials (direction-aware);
    raises TuneforgeError with fewer than `min_trials` complete trials."""
    return refine_report(study, space, top=top, min_trials=min_trials, quantiles=quantiles,
                         margin=margin, edge_tolerance=edge_tolerance, widen=widen)[0]


# -- versions --------------------------------------------------------------------------
def space_versions(study: Study) -> list[SpaceVersion]:
    """The spaces recorded on the study, oldest first (numbered 1, 2, ... in the order
    the storage logged them)."""
    return [_parse_version(study, number, name, item)
            for number, (name, item) in enumerate(_version_items(study), start=1)]


def _parse_version(study: Study, number: int, name: str, item: Any) -> SpaceVersion:
    try:
        return SpaceVersion(number, SearchSpace(item["space"]), str(item.get("note", "")),
                            int(item["trial_number_from"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise TuneforgeError(f"study {study.study_name!r}: space version {name!r} is "
                             f"malformed ({exc}): {item!r}") from None


def _version_items(study: Study) -> list[tuple[str, Any]]:
    """(attribute name, stored entry) of every space version, oldest first."""
    raw = study.system_attrs.get(VERSIONS_ATTR, [])  # written by tuneforge 0.1 as one list
    if not isinstance(raw, list):
        raise TuneforgeError(f"study {study.study_name!r}: system attribute "
                             f"{VERSIONS_ATTR!r} is not a list: {raw!r}")
    items = [(f"{VERSIONS_ATTR}[{i}]", item) for i, item in enumerate(raw)]
    # since then one attribute per version: attributes keep the order of their events
    return items + [(name, item) for name, item in study.system_attrs.items()
                    if name.startswith(VERSION_PREFIX)]


def record_space(study: Study, space: SearchSpace, note: str = "", *,
                 trial_number_from: int | None = None) -> SpaceVersion:
    """Append `space` as the study's next space version, starting at the next trial
    (or at `trial_number_from`).

    Each version is one attribute of its own with a fresh name, written in one event:
    processes recording at the same moment each add theirs, none overwrites another.
    """
    if not isinstance(space, SearchSpace):
        space = SearchSpace(space)
    start = len(study.trials) if trial_number_from is None else int(trial_number_from)
    name = VERSION_PREFIX + ev.new_key()
    study._append([ev.attr_set(None, name, {"space": space.to_json(), "note": str(note),
                                            "trial_number_from": start}, scope="system")])
    items = _version_items(study)
    number = [n for n, _ in items].index(name)  # numbered in the storage's order
    return _parse_version(study, number + 1, name, items[number][1])


# -- continuing on a refined space -----------------------------------------------------
def continue_on(study: Study, space: SearchSpace, *, note: str = "refined",
                outside: Literal["clip", "drop"] = "clip") -> SpaceVersion:
    """Let the study go on in `space`: record it (unless it is already the latest version)
    and wrap the study's sampler in a RefinedSampler. The objective must then ask for the
    space's parameters with its distributions, e.g. ``trial.suggest_space(space)``.

    A study with trials but no recorded version first gets version 1: the space its trials
    were drawn from (each parameter's distribution, as stored on the trials), so that
    every trial has a recorded space."""
    base = study.sampler.inner if isinstance(study.sampler, RefinedSampler) else study.sampler
    study.sampler = RefinedSampler(base, space, outside=outside)
    versions = space_versions(study)
    if not versions and study.trials:
        seen = trials_space(study.trials)
        if len(seen):
            versions = [record_space(study, seen, "initial (from the trials)",
                                     trial_number_from=0)]
    if versions and versions[-1].space == space:
        return versions[-1]
    return record_space(study, space, note)


def trials_space(trials: Any) -> SearchSpace:
    """The space trials were drawn from: each parameter's distribution as stored on the
    trials (the latest one where it changed between trials)."""
    out: dict[str, Distribution] = {}
    for t in trials:
        out.update(t.distributions)
    return SearchSpace(out)


__all__ = ["SpaceVersion", "continue_on", "record_space", "refine",
           "refine_report", "space_versions", "top_trials"]
