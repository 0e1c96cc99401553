"""create_study, load_study, delete_study: the entry points users call."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from tuneforge.exceptions import DuplicatedStudyError
from tuneforge.pruners.base import Pruner, check_pruner
from tuneforge.samplers.base import ConstraintsFunc, Sampler, check_sampler
from tuneforge.space.constraints import ParamConstraint
from tuneforge.storage.base import Storage, find_study
from tuneforge.storage.url import open_storage
from tuneforge.study.study import Study
from tuneforge.study.warm import WarmStart, as_warm_start, build_prior, start_warm
from tuneforge.trial.records import Direction


def create_study(study_name: str | None = None, *, direction: Direction | str | None = None,
                 directions: Sequence[Direction | str] | None = None,
                 storage: str | Storage | None = None, sampler: Sampler | None = None,
                 pruner: Pruner | None = None, load_if_exists: bool = False,
                 seed: int | None = None, constraints_func: ConstraintsFunc | None = None,
                 param_constraints: Sequence[ParamConstraint] | ParamConstraint | None = None,
                 warm_start: WarmStart | Sequence[Any] | None = None,
                 ) -> Study:
    """Create a study. `storage` is a URL (``sqlite:///tuneforge.db``,
    ``postgresql://...``), a Storage, or None for memory. `seed` makes it reproducible;
    without one, the sampler's `seed=` is the study seed (the two may not disagree).

    `constraints_func(frozen_trial) -> [c1, ...]` gives each completed trial's outcome
    constraints (feasible when all <= 0; Optuna's name, also accepted by every sampler);
    `param_constraints` are predicates over the params dict that no proposal violates
    (docs: tutorials/constraints-and-fronts).

    `warm_start` (past study names, `WarmSource`s from `tuneforge.warmstart`, studies,
    or a `WarmStart`) gives the sampler the past studies' best configurations as a prior,
    without evaluating them again (docs: tutorials/warm-start)."""
    if sampler is not None:
        check_sampler(sampler)
        if seed is not None and sampler.seed is not None and sampler.seed != seed:
            raise ValueError(
                f"create_study(seed={seed!r}) and {sampler!r} name two seeds; the study "
                "seed drives every sampler, so give it once (seed= here, or the sampler's)")
    if pruner is not None:
        check_pruner(pruner)
    theirs = None if sampler is None else sampler.constraints_func
    if constraints_func is not None and theirs is not None and theirs is not constraints_func:
        raise ValueError(f"create_study(constraints_func=...) and {sampler!r} name two "
                         "constraints functions; give it once")
    warm = None if warm_start is None else as_warm_start(warm_start)
    if direction is not None and directions is not None:
        raise ValueError("give either direction or directions, not both")
    named = [direction or "minimize"] if directions is None else list(directions)
    dirs = tuple(Direction.parse(d) for d in named)
    if not dirs:
        raise ValueError("directions must name at least one objective")
    if warm is not None and len(dirs) != 1:  # refused before anything is stored
        raise ValueError("warm_start applies to single-objective studies")
    if study_name is None:
        study_name = f"study-{secrets.token_hex(4)}"
    if not isinstance(study_name, str) or not study_name.strip():
        raise ValueError(f"study_name must be a non-empty string, got {study_name!r}")
    store = open_storage(storage)
    prior = None
    if warm is not None and not any(r.name == study_name for r in store.list_studies()):
        # read the sources before the study exists: a bad one leaves nothing behind
        prior = build_prior(warm, store, exclude=study_name)
    ref = store.create_study(study_name, dirs, exist_ok=load_if_exists)
    if ref.directions != dirs:
        raise DuplicatedStudyError(
            f"study {study_name!r} exists with directions {[d.value for d in ref.directions]},"
            f" not {[d.value for d in dirs]}"
        )
    study = Study(storage=store, ref=ref, sampler=sampler, pruner=pruner, seed=seed,
                  constraints_func=constraints_func, param_constraints=param_constraints)
    _ = study.seed  # store the seed now, so every later process shares it
    record_study_provenance(study)
    if warm is not None:
        start_warm(study, warm, prior)
    return study


def record_study_provenance(study: Study) -> None:
    """Store where and with what the study was created (`study.provenance`), once."""
    from tuneforge.storage import events as ev
    from tuneforge.study.provenance import study_provenance

    study.storage.append(study.ref, [ev.attr_set(None, "provenance",
                                                 study_provenance(study.seed),
                                                 scope="system", once=True)])


def load_study(study_name: str, *, storage: str | Storage, sampler: Sampler | None = None,
               pruner: Pruner | None = None, constraints_func: ConstraintsFunc | None = None,
               param_constraints: Sequence[ParamConstraint] | ParamConstraint | None = None,
               ) -> Study:
    """Open an existing study (raises StudyNotFoundError naming the studies there); a
    SQLite file that does not exist is a StorageError naming the path, never created.
    Constraints are code, not stored: give them again here (see `create_study`)."""
    store = open_storage(storage, must_exist=True)
    return Study(storage=store, ref=find_study(store, study_name), sampler=sampler,
                 pruner=pruner, constraints_func=constraints_func,
                 param_constraints=param_constraints)


def delete_study(study_name: str, *, storage: str | Storage) -> None:
    """Delete a study and all its trials (a missing SQLite file is an error, not created)."""
    store = open_storage(storage, must_exist=True)
    store.delete_study(find_study(store, study_name))
