"""The study catalog: what task each study tuned, and the past studies most like a new one.

The evaluation helpers (`cross_val_objective`, `automl.select`, `TuneSearchCV`,
`nested_select`) call `record_task`, which stores two user attributes on the study:
``task_meta`` (`meta_features` of its data) and ``search_space`` (its distributions).
`similar_studies` ranks the studies of a storage by

    similarity = exp(-meta_distance / 0.5) * space_overlap

where `meta_distance` is the Euclidean distance of the normalized meta-features
(`meta.meta_vector`) and `space_overlap` the mean, over the union of parameter names, of
how much two distributions of one name overlap (0 for a name only one space has).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tuneforge.space.distributions import (
    Categorical,
    Distribution,
    Float,
    Int,
    distribution_from_json,
)
from tuneforge.storage.base import Storage
from tuneforge.storage.cached import StudyView
from tuneforge.storage.url import open_storage
from tuneforge.study.warm import WarmSource
from tuneforge.trial.records import TrialState
from tuneforge.warmstart.meta import meta_distance, meta_features

META_ATTR = "task_meta"
SPACE_ATTR = "search_space"
DISTANCE_SCALE = 0.5  # a distance of 0.5 divides the similarity by e


def space_to_json(space: Mapping[str, Distribution]) -> dict[str, Any]:
    """A search space as JSON (name -> distribution JSON)."""
    return {name: dist.to_json() for name, dist in space.items()}


def space_from_json(data: Mapping[str, Any]) -> dict[str, Distribution]:
    return {name: distribution_from_json(d) for name, d in data.items()}


def _interval(d: Float | Int) -> tuple[float, float]:
    if d.log:
        return math.log10(d.low), math.log10(d.high)
    return float(d.low), float(d.high)


def dist_overlap(a: Distribution, b: Distribution) -> float:
    """How much two distributions of one parameter overlap, in [0, 1]: the Jaccard index
    of their intervals (in log units when both are log) or of their choices; 0 for a
    categorical against a number."""
    if isinstance(a, Categorical) or isinstance(b, Categorical):
        if not (isinstance(a, Categorical) and isinstance(b, Categorical)):
            return 0.0
        sa, sb = set(map(repr, a.choices)), set(map(repr, b.choices))
        return len(sa & sb) / len(sa | sb)
    if a.log != b.log:
        a_lo, a_hi, b_lo, b_hi = float(a.low), float(a.high), float(b.low), float(b.high)
    else:
        (a_lo, a_hi), (b_lo, b_hi) = _interval(a), _interval(b)
    inter = min(a_hi, b_hi) - max(a_lo, b_lo)
    union = max(a_hi, b_hi) - min(a_lo, b_lo)
    if union <= 0:  # two single points
        return 1.0 if a_lo == b_lo else 0.0
    return max(0.0, inter) / union


def space_overlap(a: Mapping[str, Distribution], b: Mapping[str, Distribution]) -> float:
    """Mean `dist_overlap` over the union of the two spaces' names (0 where one lacks a
    name): 1 for the same space, 0 for spaces with nothing in common."""
    names = set(a) | set(b)
    if not names:
        return 1.0
    return sum(dist_overlap(a[n], b[n]) for n in names if n in a and n in b) / len(names)


def estimator_recipe(estimator: Any) -> dict[str, Any] | None:
    """How to build `estimator` again (JSON): its class's import path and its plain
    constructor parameters (numbers, strings, booleans, None); None for a non-estimator
    (a factory function). `tuneforge retune` rebuilds the model from it."""
    if not hasattr(estimator, "get_params") or isinstance(estimator, type):
        return None
    cls = type(estimator)
    params = {k: v for k, v in estimator.get_params(deep=False).items()
              if v is None or isinstance(v, (bool, int, float, str))}
    return {"class": f"{cls.__module__}.{cls.__qualname__}", "params": params}


def record_task(study: Any, X: Any, y: Any = None, *, space: Mapping[str, Distribution]
                | None = None, metric: str | None = None, task: str | None = None,
                estimator: Any = None) -> bool:
    """Store the task's meta-features (and `space`, `metric`, the `estimator`'s recipe)
    on `study` unless it has them; whether it wrote them. The evaluation helpers call
    this for every study."""
    if META_ATTR in study.user_attrs:
        return False
    meta = meta_features(X, y, task=task)
    if metric is not None:
        meta["metric"] = str(metric)
    recipe = estimator_recipe(estimator)
    if recipe is not None:
        meta["estimator"] = recipe
    study.set_user_attr(META_ATTR, meta)
    if space is not None and SPACE_ATTR not in study.user_attrs:
        study.set_user_attr(SPACE_ATTR, space_to_json(space))
    return True


@dataclass(frozen=True)
class CatalogEntry:
    """A study in the catalog: its task's meta-features, its space and its size."""

    study_name: str
    meta: dict[str, Any]
    space: dict[str, Distribution]
    n_complete: int


def catalog(storage: str | Storage) -> list[CatalogEntry]:
    """The single-objective studies of `storage` that recorded their task (`record_task`)."""
    store = open_storage(storage, must_exist=True)
    out = []
    for ref in store.list_studies():
        if len(ref.directions) != 1:
            continue
        state = StudyView(store, ref).refresh()
        meta = state.user_attrs.get(META_ATTR)
        if not isinstance(meta, dict):
            continue
        trials = state.trials((TrialState.COMPLETE,))
        stored = state.user_attrs.get(SPACE_ATTR)
        if isinstance(stored, dict):
            space = space_from_json(stored)
        else:  # the distributions its trials used
            space = {}
            for t in trials:
                space.update(t.distributions)
        out.append(CatalogEntry(ref.name, dict(meta), space, len(trials)))
    return out


def similar_studies(storage: str | Storage, X: Any = None, y: Any = None, *,
                    meta: Mapping[str, Any] | None = None,
                    space: Mapping[str, Distribution] | None = None, k: int = 3,
                    exclude: Iterable[str] = (), min_trials: int = 5,
                    same_metric: bool = True) -> list[WarmSource]:
    """The `k` past studies of `storage` most similar to a new task (its data `X`, `y`,
    or its `meta` features), best first, as `WarmSource`s for `create_study(warm_start=)`.
    Studies with fewer than `min_trials` complete trials, another task type or (with
    `same_metric`, when both name one) another metric are left out; without a `space`
    the space overlap counts as 1."""
    if meta is None:
        if X is None:
            raise ValueError("similar_studies needs the new task's data (X, y) or its meta")
        meta = meta_features(X, y)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k!r}")
    skip = set(exclude)
    found = []
    for entry in catalog(storage):
        if entry.study_name in skip or entry.n_complete < min_trials:
            continue
        if meta.get("task") and entry.meta.get("task") and meta["task"] != entry.meta["task"]:
            continue
        if same_metric and meta.get("metric") and entry.meta.get("metric") \
                and meta["metric"] != entry.meta["metric"]:
            continue
        dist = meta_distance(meta, entry.meta)
        overlap = 1.0 if space is None else space_overlap(space, entry.space)
        sim = math.exp(-dist / DISTANCE_SCALE) * overlap
        if sim <= 0:
            continue
        found.append(WarmSource(entry.study_name, similarity=max(sim, 1e-6), distance=dist,
                                space_overlap=overlap))
    found.sort(key=lambda s: (-s.similarity, s.study_name))
    return found[:k]


__all__ = ["DISTANCE_SCALE", "META_ATTR", "SPACE_ATTR", "CatalogEntry", "catalog",
           "dist_overlap", "estimator_recipe", "record_task", "similar_studies", "space_from_json",
           "space_overlap", "space_to_json"]
