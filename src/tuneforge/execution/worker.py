"""The worker loop every executor shares: claim budget, ask, run the objective, tell.

The in-process executor, each process of the local pool (and, later, `tuneforge worker`
and Ray actors) run this same loop; they differ only in how budget is claimed, how a stop
is signalled and what happens as each trial finishes.
"""

from __future__ import annotations

import copy
import gc
import logging
import traceback as tb
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tuneforge.exceptions import SearchExhausted, StorageError, TrialPruned, TrialStateError
from tuneforge.execution.base import Run
from tuneforge.execution.heartbeat import Heartbeat
from tuneforge.trial.records import TrialRecord, TrialState

if TYPE_CHECKING:
    from tuneforge.study.study import Objective, Study
    from tuneforge.study.trial import Trial

log = logging.getLogger("tuneforge")


def work(study: Study, run: Run, *, claim: Callable[[], bool], stopped: Callable[[], bool],
         heartbeat: Heartbeat | None = None,
         on_finished: Callable[[TrialRecord], None] | None = None,
         on_error: Callable[[Trial, BaseException], None] | None = None) -> bool:
    """Run trials until `stopped()`, until `claim()` grants no more budget, or until the
    search space is exhausted; returns True in the last case.

    An exception outside `run.catch` leaves its trial FAIL, is passed to `on_error` and
    propagates.
    """
    pristine = copy.deepcopy(study.sampler) if run.reproducible else None
    while not stopped() and claim():
        if pristine is not None:  # no state carried from one proposal to the next
            study.sampler = copy.deepcopy(pristine)
        try:
            trial = study.ask()
        except SearchExhausted:
            return True
        if heartbeat is not None:
            heartbeat.set(trial.key)
        try:
            record = run_trial(study, trial, run.objective, run.catch)
        except BaseException as exc:
            if on_error is not None:
                on_error(trial, exc)
            raise
        finally:
            if heartbeat is not None:
                heartbeat.set(None)
        if run.gc_after_trial:
            gc.collect()
        if on_finished is not None:
            on_finished(record)
    return False


def run_trial(study: Study, trial: Trial, objective: Objective,
              catch: tuple[type[BaseException], ...]) -> TrialRecord:
    """Run the objective on one trial and tell the study how it ended."""
    record_provenance(study, trial, objective)
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
        log.warning("trial %d failed: %s: %s", record.number, type(exc).__name__, exc)
        return record
    try:
        return study.tell(trial, result)
    except TrialStateError:
        # marked FAIL meanwhile (its heartbeat went stale while it was only slow): the
        # first finish stands; the late result is said, and the worker goes on
        record = study.trials[trial.number]
        log.warning("trial %d finished with %r after it was marked %s (%s); the late "
                    "result is not stored", trial.number, result, record.state.value,
                    record.system_attrs.get("fail_reason", ""))
        return record
    except StorageError as exc:
        # never lose a result silently: the message carries what could not be written
        raise StorageError(
            f"trial {trial.number} finished with {result!r} (params {trial.params}) but "
            f"the result could not be stored: {exc}"
        ) from exc


def record_provenance(study: Study, trial: Trial, objective: Objective) -> None:
    """Record where and with what code the trial runs (`study.provenance`), and this
    process's environment on the study once."""
    from tuneforge.storage import events as ev
    from tuneforge.study.provenance import environment, trial_provenance

    info = trial_provenance(objective, study.seed)
    events = [ev.attr_set(trial.key, "provenance", info, scope="system")]
    name = f"environment:{info['env']}"
    known = _environments.setdefault(study, set())
    if name not in known:  # a storage read once per study and process, not per trial
        if name not in study.system_attrs:
            events.insert(0, ev.attr_set(None, name, environment(), scope="system",
                                         once=True))
        known.add(name)
    study.storage.append(study.ref, events)


# the environments this process has recorded (or seen recorded) on each live study
_environments: weakref.WeakKeyDictionary[Study, set[str]] = weakref.WeakKeyDictionary()


__all__ = ["record_provenance", "run_trial", "work"]
