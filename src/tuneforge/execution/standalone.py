"""Workers without a supervisor: `tuneforge worker` processes started by hand or by a
scheduler (SLURM, Kubernetes jobs) and Ray actors, sharing one study in a storage.

Their trial budget is counted in the storage: trial slot i is taken by the first worker
whose claim event for it is stored (a first-writer-wins attribute), so n workers on any
number of hosts run exactly n_trials trials between them.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tuneforge.exceptions import TuneforgeError
from tuneforge.execution.base import Run
from tuneforge.execution.heartbeat import (
    HEARTBEAT_INTERVAL,
    Heartbeat,
    fail_stale_trials,
    reap_dead_trials,
)
from tuneforge.execution.worker import work
from tuneforge.storage import events as ev

if TYPE_CHECKING:
    from tuneforge.study.study import Study

log = logging.getLogger("tuneforge")


def slot_claimer(study: Study, budget: str, n_trials: int | None,
                 limit: Callable[[], int | None] | None = None) -> Callable[[], bool]:
    """A claim function: True while a trial slot of `budget` (a name shared by the
    workers of one run) is left and this process took it; counted in the storage.
    `limit()`, when given, is the number of slots now (retries may add some)."""
    if n_trials is None and limit is None:
        return lambda: True
    me = f"{study.worker_id}:{ev.new_key()}"

    def claim() -> bool:
        taken = study.system_attrs
        n = limit() if limit is not None else n_trials
        if n is None:
            return True
        i = 0
        while i < n:  # the first free slot, then compare-and-set on it
            name = f"slot:{budget}:{i}"
            if name not in taken:
                study.storage.append(study.ref, [ev.attr_set(None, name, me, scope="system",
                                                             once=True)])
                taken = study.system_attrs
                if taken.get(name) == me:
                    return True
            i += 1
        return False

    return claim


def load_objective(spec: str) -> Callable[..., Any]:
    """The objective named ``module:function`` (``module:Class.attribute`` works too)."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise TuneforgeError(f"--objective must look like module:function, got {spec!r}")
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise TuneforgeError(f"cannot import module {module_name!r} of --objective {spec!r}: "
                             f"{exc} (is its folder on PYTHONPATH?)") from None
    for part in attr.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise TuneforgeError(f"module {module_name!r} has no {attr!r} "
                                 f"(--objective {spec!r})") from None
    if not callable(target):
        raise TuneforgeError(f"--objective {spec!r} is {target!r}, which is not callable")
    return target  # type: ignore[no-any-return]


def serve(study: Study, run: Run, *, budget: str, stop: Callable[[], bool] | None = None,
          limit: Callable[[], int | None] | None = None) -> int:
    """Run trials of `study` until the storage-counted budget, the timeout or `stop()`;
    returns how many this process ran. Dead processes' trials are reaped first."""
    reap_dead_trials(study, retry=run.retry)
    fail_stale_trials(study, retry=run.retry)
    claim = slot_claimer(study, budget, run.n_trials, limit)
    deadline = None if run.timeout is None else time.monotonic() + run.timeout
    done = 0

    def stopped() -> bool:
        return (stop is not None and stop()) or study.stop_requested or (
            deadline is not None and time.monotonic() >= deadline)

    def finished(record: Any) -> None:
        nonlocal done
        done += 1
        for callback in run.callbacks:
            callback(study, record)

    if run.trial_timeout is not None:
        return _serve_isolated(study, run, claim, stopped, deadline)
    heartbeat = Heartbeat(study, HEARTBEAT_INTERVAL)
    pristine = study.sampler
    study.reproducible_batch = run.reproducible
    try:
        work(study, run, claim=claim, stopped=stopped, heartbeat=heartbeat,
             on_finished=finished)
    finally:
        heartbeat.close()
        study.sampler = pristine
        study.reproducible_batch = None
    return done


def _serve_isolated(study: Study, run: Run, claim: Callable[[], bool],
                    stopped: Callable[[], bool], deadline: float | None) -> int:
    """`serve` with a `trial_timeout`: each claimed trial runs in a worker process of a
    one-process local pool (kept from trial to trial), killed at the limit, as
    `optimize(trial_timeout=...)` does; its trial is FAIL with reason "timeout"."""
    from dataclasses import replace

    from tuneforge.execution.local import LocalPool

    pool = LocalPool(1)
    done = 0

    def finished(study: Study, record: Any) -> None:
        nonlocal done
        done += 1
        for callback in run.callbacks:
            callback(study, record)

    study.reproducible_batch = run.reproducible
    try:
        while not stopped() and claim():
            before = len(study.trials)
            left = None if deadline is None else max(deadline - time.monotonic(), 1e-3)
            pool.run(study, replace(run, n_trials=1, timeout=left, callbacks=(finished,)))
            if len(study.trials) == before:  # no trial could be asked: space exhausted
                break
    finally:
        study.reproducible_batch = None
    return done


__all__ = ["load_objective", "serve", "slot_claimer"]
