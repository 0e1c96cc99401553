"""The optimize loop: ask -> objective -> tell, with budget, timeout, catch, callbacks."""

from __future__ import annotations

import time
import traceback as tb
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tuneforge.exceptions import SearchExhausted, StorageError, TrialPruned
from tuneforge.execution.heartbeat import (
    HEARTBEAT_INTERVAL,
    Heartbeat,
    fail_stale_trials,
    fail_worker_trials,
    running_trials_of,
)
from tuneforge.execution.progress import ProgressBar
from tuneforge.storage.memory import InMemoryStorage
from tuneforge.trial.records import TrialRecord, TrialState

if TYPE_CHECKING:
    from tuneforge.study.study import Callback, Objective, Study
    from tuneforge.study.trial import Trial


def _check_args(n_trials: int | None, timeout: float | None, n_jobs: int) -> int:
    if n_trials is not None and (isinstance(n_trials, bool) or not isinstance(n_trials, int)
                                 or n_trials < 0):
        raise ValueError(f"n_trials must be a non-negative integer, got {n_trials!r}")
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs must be a positive integer or -1, got {n_jobs!r}")
    if n_jobs == -1:
        import os

        n_jobs = os.cpu_count() or 1
    return n_jobs


def optimize(study: Study, objective: Objective, *, n_trials: int | None,
             timeout: float | None, n_jobs: int, catch: tuple[type[BaseException], ...],
             callbacks: Sequence[Callback], show_progress: bool) -> None:
    n_jobs = _check_args(n_trials, timeout, n_jobs)
    if not callable(objective):
        raise TypeError(f"objective must be callable, got {objective!r}")
    if n_jobs > 1:
        from tuneforge.execution import local

        local.optimize(study, objective, n_trials=n_trials, timeout=timeout,
                           n_jobs=n_jobs, catch=catch, callbacks=callbacks,
                           show_progress=show_progress)
        return
    study._stop_requested = False
    bar = ProgressBar(enabled=show_progress, n_trials=expected_trials(study, n_trials),
                      timeout=timeout, directions=study.directions)
    deadline = None if timeout is None else time.monotonic() + timeout
    done = 0
    heartbeat = None
    if not isinstance(study.storage, InMemoryStorage):
        # shared storage: other processes may be running trials of this study too
        fail_stale_trials(study)
        heartbeat = Heartbeat(study, HEARTBEAT_INTERVAL)
    # trials this process already holds (ask/tell by hand) are not this loop's to fail
    held = running_trials_of(study, study.worker_id)
    try:
        while not study._stop_requested:
            if n_trials is not None and done >= n_trials:
                break
            if deadline is not None and time.monotonic() >= deadline:
                break
            try:
                trial = study.ask()
            except SearchExhausted:
                break
            if heartbeat is not None:
                heartbeat.set(trial.key)
            try:
                record = run_trial(study, trial, objective, catch)
            finally:
                if heartbeat is not None:
                    heartbeat.set(None)
            done += 1
            bar.advance(record)
            for callback in callbacks:
                callback(study, record)
    except KeyboardInterrupt:
        # Ctrl-C may land outside the objective (inside ask, or before tell is stored):
        # whatever trial this loop left RUNNING becomes FAIL, nothing stays RUNNING
        fail_worker_trials(study, study.worker_id,
                           "interrupted by the user (KeyboardInterrupt)", keep=held)
        raise
    finally:
        bar.close()
        if heartbeat is not None:
            heartbeat.close()


def expected_trials(study: Study, n_trials: int | None) -> int | None:
    """How many trials this run will make, for the progress bar: n_trials, capped by
    the points a queueing sampler (a grid) has left."""
    initial = study.sampler.initial_queue()
    if initial is None:
        return n_trials
    tag, queue = initial
    if tag in study._view.refresh().enqueue_tags:
        left = len(study.get_trials((TrialState.WAITING,)))
    else:
        left = len(queue) + len(study.get_trials((TrialState.WAITING,)))
    return left if n_trials is None else min(n_trials, left)


def run_trial(study: Study, trial: Trial, objective: Objective,
              catch: tuple[type[BaseException], ...]) -> TrialRecord:
    """Run the objective on one trial and tell the study how it ended."""
    try:
        result: Any = objective(trial)
    except TrialPruned as exc:
        last = trial.record
        value = None
        if last.intermediate and len(study.directions) == 1:
            value = last.intermediate[max(last.intermediate)]
        return study.tell(trial, None if value is None else [value], state=TrialState.PRUNED,
                          reason=str(exc) or None)
    except KeyboardInterrupt:
        study.tell(trial, state=TrialState.FAIL,
                   reason="interrupted by the user (KeyboardInterrupt)")
        raise
    except BaseException as exc:
        if isinstance(exc, SystemExit) and not isinstance(exc, catch):
            study.tell(trial, state=TrialState.FAIL, reason=f"SystemExit({exc.code!r})")
            raise
        record = study.tell(trial, state=TrialState.FAIL,
                            reason=f"{type(exc).__name__}: {exc}", traceback=tb.format_exc())
        if not isinstance(exc, catch):
            raise
        import logging

        logging.getLogger("tuneforge").warning(
            "trial %d failed: %s: %s", record.number, type(exc).__name__, exc)
        return record
    try:
        return study.tell(trial, result)
    except StorageError as exc:
        # never lose a result silently: the message carries what could not be written
        raise StorageError(
            f"trial {trial.number} finished with {result!r} (params {trial.params}) but "
            f"the result could not be stored: {exc}"
        ) from exc


__all__ = ["optimize", "run_trial"]
