"""The study behind a search: created or resumed, and checked to hold the same search.

A resumed study must have been made by the same kind of search: estimator class, search
space, metrics and CV splits are stored on the study (user attribute ``sklearn_search``)
and compared, so results of different searches are never mixed in one `cv_results_`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from tuneforge.integrations.sklearn.metrics import ScoringPlan
from tuneforge.integrations.sklearn.objective import CV_ATTR
from tuneforge.integrations.sklearn.space import ParamSpace
from tuneforge.study import Study, create_study
from tuneforge.trial.records import TrialRecord

SEARCH_ATTR = "sklearn_search"

_CHECKED = (("estimator", "estimator class"), ("space", "search space"),
            ("metrics", "scoring"), ("primary", "optimized metric"),
            ("n_splits", "number of CV splits"),
            ("splits", "CV splits (other data, or a splitter that shuffles without a "
                       "random_state)"))


def split_digest(splits: Sequence[tuple[np.ndarray, np.ndarray]]) -> str:
    """A short hash of the train/test indices, to recognise the same folds later."""
    h = hashlib.sha256()
    for train, test in splits:
        for part in (train, test):
            h.update(np.asarray(part, dtype=np.int64).tobytes())
            h.update(b"|")
    return h.hexdigest()[:16]


def describe(estimator: Any, space: ParamSpace, plan: ScoringPlan,
             splits: Sequence[tuple[np.ndarray, np.ndarray]]) -> dict[str, Any]:
    """What identifies a search (JSON), stored on its study."""
    text = json.dumps({"version": 1, "estimator": type(estimator).__name__,
                       "space": space.to_json(), "metrics": plan.names(),
                       "primary": plan.primary, "n_splits": len(splits),
                       "splits": split_digest(splits)})
    return json.loads(text)  # as it will read back from storage


def open_search_study(study_name: str | None, storage: Any, *, description: dict[str, Any],
                      direction: str | list[str], sampler: Any, pruner: Any,
                      seed: int | None, warm_start: Any = None) -> Study:
    """Create the study, or resume it when it holds the same search (else ValueError);
    `direction` is a list for several objectives; `warm_start` goes to `create_study`."""
    dirs = direction if isinstance(direction, list) else [direction]
    if warm_start is not None and len(dirs) != 1:
        raise ValueError(f"warm_start applies to single-objective searches; this one "
                         f"optimizes {len(dirs)} objectives")
    study = create_study(study_name, directions=dirs, storage=storage, sampler=sampler,
                         pruner=pruner, load_if_exists=True, seed=seed,
                         warm_start=warm_start)
    stored = study.user_attrs.get(SEARCH_ATTR)
    if stored is None:
        trials = study.trials
        if trials:
            raise ValueError(
                f"study {study.study_name!r} already has {len(trials)} trials that no "
                "scikit-learn search made; give another study_name")
        study.set_user_attr(SEARCH_ATTR, description)
        return study
    for key, label in _CHECKED:
        if stored.get(key) != description[key]:
            raise ValueError(
                f"study {study.study_name!r} holds a search with another {label}: stored "
                f"{stored.get(key)!r}, now {description[key]!r}; give another study_name to "
                "start a new search")
    return study


def record_search_task(study: Study, X: Any, y: Any, space: ParamSpace, metric: str, *,
                       classifier: bool, estimator: Any = None) -> None:
    """Put the search's task (meta-features) and its one-branch space in the study catalog
    (`tuneforge.warmstart`); a table it cannot describe is skipped with a warning."""
    import warnings

    from tuneforge.warmstart.catalog import record_task

    if len(study.directions) != 1:
        return
    flat = space.branches[0].dists if len(space.branches) == 1 else None
    try:
        record_task(study, X, y, space=flat, metric=metric,
                    task=None if y is None else
                    ("classification" if classifier else "regression"),
                    estimator=estimator)
    except (ValueError, TypeError) as exc:
        warnings.warn(f"study {study.study_name!r}: task meta-features not recorded for "
                      f"the warm-start catalog ({exc})", stacklevel=2)


def evaluated(trials: Sequence[TrialRecord]) -> list[TrialRecord]:
    """The finished trials that cross-validated a candidate (they have fold scores);
    trials that crashed or were interrupted before any fold are left out."""
    return [t for t in trials if t.state.is_finished and CV_ATTR in t.user_attrs]


__all__ = ["SEARCH_ATTR", "describe", "evaluated", "open_search_study", "record_search_task",
           "split_digest"]
