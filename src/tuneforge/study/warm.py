"""Warm start: seed a new study from past studies (create_study(warm_start=...)).

The past studies' complete trials become a `TransferPrior` (their configurations with
their ranks, weighted by similarity), stored on the new study as the system attribute
``warm_start`` (JSON) and handed to its sampler when it can use one (TPE, the GP, Auto);
a study reopened with `load_study` gets it back. Nothing is evaluated again unless
`WarmStart(evaluate=k)` asks for the best k configurations mapped into `space`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tuneforge.exceptions import TuneforgeError
from tuneforge.samplers.prior import (
    PriorPoint,
    SupportsPrior,
    TransferPrior,
    map_params,
    rank_scores,
)
from tuneforge.space.distributions import Distribution
from tuneforge.storage import events as ev
from tuneforge.storage.base import Storage, find_study
from tuneforge.storage.cached import StudyView
from tuneforge.storage.url import open_storage
from tuneforge.trial.records import Direction, TrialState

if TYPE_CHECKING:
    from tuneforge.study.study import Study

WARM_ATTR = "warm_start"        # study system attribute: the prior (TransferPrior JSON)
SOURCE_ATTR = "warm_start_source"  # user attribute of an enqueued transferred trial


@dataclass(frozen=True)
class WarmSource:
    """A past study to learn from: its name, its `similarity` in (0, 1] to the new task
    (it scales the weight of its points), and where it is (None: the new study's storage).
    `tuneforge.warmstart.similar_studies` returns these with `distance` and
    `space_overlap` filled in."""

    study_name: str
    similarity: float = 1.0
    storage: str | Storage | None = None
    distance: float | None = None
    space_overlap: float | None = None

    def __post_init__(self) -> None:
        if not (0.0 < self.similarity <= 1.0) or not math.isfinite(self.similarity):
            raise ValueError(f"WarmSource({self.study_name!r}): similarity must be in (0, 1], "
                             f"got {self.similarity!r}")


@dataclass(frozen=True)
class WarmStart:
    """How to warm-start: the past `studies` (names in `storage`, `WarmSource`s or
    `Study` objects), at most `max_points` best configurations of each, and `evaluate`:
    how many of the best, mapped into `space`, to enqueue for evaluation (0: none; they
    then act only as the sampler's prior)."""

    studies: Sequence[Any]
    storage: str | Storage | None = None
    evaluate: int = 0
    space: Mapping[str, Distribution] | None = None
    max_points: int = 100

    def __post_init__(self) -> None:
        if isinstance(self.studies, (str, bytes)) or not isinstance(self.studies, Sequence):
            raise TypeError("WarmStart.studies must be a list of study names, WarmSources or "
                            f"studies, got {self.studies!r}")
        if isinstance(self.evaluate, bool) or not isinstance(self.evaluate, int) \
                or self.evaluate < 0:
            raise ValueError(f"WarmStart.evaluate must be an int >= 0, got {self.evaluate!r}")
        if self.evaluate and self.space is None:
            raise ValueError("WarmStart(evaluate=k) needs the new `space`: the configurations "
                             "are mapped into it before they are enqueued")
        if self.max_points < 1:
            raise ValueError(f"WarmStart.max_points must be >= 1, got {self.max_points!r}")


def as_warm_start(value: Any) -> WarmStart:
    """A WarmStart from what create_study(warm_start=...) accepts."""
    if isinstance(value, WarmStart):
        return value
    if isinstance(value, (str, WarmSource)) or hasattr(value, "study_name"):
        value = [value]
    if isinstance(value, (bytes, Mapping)) or not isinstance(value, Iterable):
        raise TypeError(f"warm_start must be a study name, a WarmSource, a Study, a list of "
                        f"them or a WarmStart, got {type(value).__name__} {value!r:.80}")
    return WarmStart(list(value))


def _source(item: Any, default: Storage) -> tuple[str, float, Storage]:
    if isinstance(item, str):
        return item, 1.0, default
    if isinstance(item, WarmSource):
        store = default if item.storage is None else open_storage(item.storage, must_exist=True)
        return item.study_name, item.similarity, store
    if hasattr(item, "study_name") and hasattr(item, "storage"):  # a Study
        return str(item.study_name), 1.0, item.storage
    raise TypeError(f"warm_start: {item!r} is not a study name, WarmSource or Study")


def build_prior(warm: WarmStart, default_storage: Storage, *,
                exclude: str | None = None) -> TransferPrior:
    """The prior of `warm`: each past study's complete single-objective trials, ranked
    within their study, the best `max_points` kept, weighted by its similarity."""
    store = default_storage if warm.storage is None else open_storage(warm.storage,
                                                                      must_exist=True)
    points: list[PriorPoint] = []
    sources: list[tuple[str, float]] = []
    for item in warm.studies:
        name, sim, where = _source(item, store)
        if name == exclude and where is default_storage:
            raise TuneforgeError(f"warm_start: study {name!r} cannot warm-start itself")
        ref = find_study(where, name)
        if len(ref.directions) != 1:
            raise TuneforgeError(f"warm_start: study {name!r} has {len(ref.directions)} "
                                 "objectives; warm starts transfer single-objective studies")
        sign = -1.0 if ref.directions[0] is Direction.MAXIMIZE else 1.0
        done = [t for t in StudyView(where, ref).trials((TrialState.COMPLETE,))
                if t.values is not None and len(t.values) == 1 and math.isfinite(t.values[0])]
        if not done:
            raise TuneforgeError(f"warm_start: study {name!r} has no complete trial to "
                                 "learn from")
        ranks = rank_scores([sign * float(t.values[0]) for t in done])  # type: ignore[index]
        order = sorted(range(len(done)), key=lambda i: ranks[i])[: warm.max_points]
        points += [PriorPoint(dict(done[i].params), ranks[i], sim, name) for i in order]
        sources.append((name, sim))
    return TransferPrior(tuple(points), tuple(sources))


def attach(sampler: Any, prior: TransferPrior) -> bool:
    """Hand `prior` to `sampler` if it can use one; whether it could."""
    if isinstance(sampler, SupportsPrior):
        sampler.set_prior(prior)
        return True
    return False


def stored_prior(system_attrs: Mapping[str, Any]) -> TransferPrior | None:
    """The prior a study was warm-started with, or None."""
    data = system_attrs.get(WARM_ATTR)
    return None if data is None else TransferPrior.from_json(data)


def start_warm(study: Study, warm: WarmStart, prior: TransferPrior | None = None
               ) -> TransferPrior:
    """Warm-start `study` (create_study calls this): store the prior on it once, hand
    it to the sampler and enqueue the configurations `warm.evaluate` asks for. A study
    reopened with `load_if_exists` keeps the prior it was first given; `prior` is
    `build_prior(warm, ...)` when the caller built it already (to check the sources)."""
    existing = stored_prior(study.system_attrs)
    if existing is not None:
        attach(study.sampler, existing)
        return existing
    if prior is None:
        prior = build_prior(warm, study.storage, exclude=study.study_name)
    study._append([ev.attr_set(None, WARM_ATTR, prior.to_json(), scope="system", once=True)])
    attach(study.sampler, prior)
    if warm.evaluate and warm.space is not None:
        queued: list[dict[str, Any]] = []
        for p in sorted_points(prior):  # best rank first across the sources
            mapped = map_params(p.params, warm.space)
            if mapped is None or mapped in queued:
                continue  # outside the new space: dropped
            study.enqueue_trial(mapped, user_attrs={SOURCE_ATTR: p.source})
            queued.append(mapped)
            if len(queued) == warm.evaluate:
                break
    return prior


def sorted_points(prior: TransferPrior) -> list[PriorPoint]:
    """The prior's points best rank first, then by weight."""
    return sorted(prior.points, key=lambda p: (p.rank, -p.weight))


__all__ = ["SOURCE_ATTR", "WARM_ATTR", "WarmSource", "WarmStart", "as_warm_start", "attach",
           "build_prior", "sorted_points", "start_warm", "stored_prior"]
