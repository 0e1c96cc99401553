"""optimize(n_jobs=k): k worker processes sharing the storage, under a small supervisor.

Each worker is the loop ask -> objective -> tell against the storage, with a heartbeat
thread while a trial runs. The supervisor (this process) runs callbacks and the progress
bar as trials finish, replaces a worker that dies (its trial is marked FAIL with the
reason), and fails trials whose heartbeat went stale. A bare ProcessPoolExecutor is not
used: one killed worker would break the whole pool.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import pickle  # ipc only: sends the objective to worker processes, never stored
import shutil
import signal
import tempfile
import time
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tuneforge.exceptions import SearchExhausted, TuneforgeError
from tuneforge.execution.heartbeat import (
    HEARTBEAT_INTERVAL,
    Heartbeat,
    fail_stale_trials,
    fail_worker_trials,
    worker_name,
)
from tuneforge.execution.progress import ProgressBar
from tuneforge.execution.serial import expected_trials
from tuneforge.storage.memory import InMemoryStorage
from tuneforge.storage.url import open_storage, storage_url

if TYPE_CHECKING:
    from tuneforge.study.study import Callback, Objective, Study

log = logging.getLogger("tuneforge")

_UNCAUGHT = 3              # worker exit code: the objective raised outside `catch`


def _move_to_sqlite(study: Study) -> None:
    """An in-memory study cannot be shared by processes: copy it to a temporary SQLite
    file and continue there (DESIGN: no storage given -> a temporary SQLite file)."""
    from tuneforge.storage.cached import StudyView
    from tuneforge.storage.sqlite import SQLiteStorage

    folder = tempfile.mkdtemp(prefix="tuneforge-")
    target = SQLiteStorage(os.path.join(folder, "study.db"))
    ref = target.create_study(study.study_name, study.directions)
    events = [e for _, e in study.storage.read(study._ref)]
    if events:
        target.append(ref, events)
    study._storage, study._ref = target, ref
    study._view = StudyView(target, ref)
    study._view.refresh()
    log.info("n_jobs > 1: study %r moved to a temporary SQLite file %s",
             study.study_name, target.path)
    # the file is the study's storage from now on: removed with the study (or at exit)
    weakref.finalize(study, shutil.rmtree, folder, True)


def optimize(study: Study, objective: Objective, *, n_trials: int | None,
             timeout: float | None, n_jobs: int, catch: tuple[type[BaseException], ...],
             callbacks: Sequence[Callback], show_progress: bool) -> None:
    if isinstance(study.storage, InMemoryStorage):
        _move_to_sqlite(study)
    url = storage_url(study.storage)
    if url is None:
        raise TuneforgeError(
            f"n_jobs > 1 needs a storage that other processes can open; {study.storage!r} "
            "has no URL"
        )
    try:
        payload = pickle.dumps((objective, study.sampler, study.pruner, catch))  # ipc
    except Exception as exc:
        raise TuneforgeError(
            "with n_jobs > 1 the objective, sampler and pruner are sent to worker processes "
            f"and must be picklable; this failed ({type(exc).__name__}: {exc}). Define the "
            "objective as a module-level function (not a lambda or a closure)."
        ) from None

    ctx = mp.get_context("spawn")
    budget = ctx.Value("q", 0)     # trials started by this run, across workers
    stop = ctx.Event()
    errors = ctx.SimpleQueue()  # uncaught objective errors, re-raised here
    limit = -1 if n_trials is None else n_trials
    study._stop_requested = False
    bar = ProgressBar(enabled=show_progress, n_trials=expected_trials(study, n_trials),
                      timeout=timeout, directions=study.directions)
    deadline = None if timeout is None else time.monotonic() + timeout
    seen = {t.key for t in study.trials if t.state.is_finished}
    workers: dict[int, Any] = {}

    def start_worker() -> None:
        p = ctx.Process(target=_worker_main, daemon=True,
                        args=(url, study.study_name, payload, budget, limit, stop, errors))
        p.start()
        workers[p.pid] = p

    try:
        for _ in range(n_jobs):
            start_worker()
        while workers:
            time.sleep(0.1)
            if study._stop_requested or (deadline is not None and time.monotonic() >= deadline):
                stop.set()
            for pid, p in list(workers.items()):
                if p.exitcode is None:
                    continue
                del workers[pid]
                p.join()
                if p.exitcode in (0, _UNCAUGHT):
                    if p.exitcode == _UNCAUGHT:
                        stop.set()
                    continue
                fail_worker_trials(study, worker_name(pid),
                                   f"worker process {pid} died "
                                   f"({_describe_exit(p.exitcode)}) while running this trial")
                if not stop.is_set() and (limit < 0 or budget.value < limit):
                    log.warning("worker %d died (%s); starting a replacement", pid,
                                _describe_exit(p.exitcode))
                    start_worker()
            fail_stale_trials(study)
            for record in study.trials:
                if record.state.is_finished and record.key not in seen:
                    seen.add(record.key)
                    bar.advance(record)
                    for callback in callbacks:
                        callback(study, record)
                        if study._stop_requested:
                            stop.set()
    except KeyboardInterrupt:
        stop.set()
        _shutdown(workers)
        for pid in list(workers):
            fail_worker_trials(study, worker_name(pid),
                               "interrupted by the user (KeyboardInterrupt)")
        raise
    finally:
        bar.close()
        _shutdown(workers)
    if not errors.empty():
        raise TuneforgeError(f"a worker stopped the study: {errors.get()}")


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _shutdown(workers: dict[int, Any]) -> None:
    for p in workers.values():
        p.join(timeout=10)
        if p.exitcode is None:
            p.terminate()
            p.join(timeout=5)


def _worker_main(url: str, study_name: str, payload: bytes, budget: Any, limit: int,
                 stop: Any, errors: Any) -> None:
    """A worker process: claim budget, ask, run the objective, tell; until told to stop."""
    from tuneforge.execution.serial import run_trial
    from tuneforge.study.api import load_study

    objective, sampler, pruner, catch = pickle.loads(payload)  # ipc, from our parent only
    study = load_study(study_name, storage=open_storage(url), sampler=sampler, pruner=pruner)
    heartbeat = Heartbeat(study, HEARTBEAT_INTERVAL)
    try:
        while not stop.is_set():
            with budget.get_lock():
                if 0 <= limit <= budget.value:
                    break
                budget.value += 1
            try:
                trial = study.ask()
            except SearchExhausted:
                stop.set()
                break
            heartbeat.set(trial.key)
            try:
                run_trial(study, trial, objective, catch)
            except Exception as exc:  # outside `catch`: the trial is FAIL; stop the study
                errors.put(f"trial {trial.number} raised {type(exc).__name__}: {exc}")
                stop.set()
                heartbeat.close()
                os._exit(_UNCAUGHT)
            finally:
                heartbeat.set(None)
    except KeyboardInterrupt:
        pass  # run_trial has marked the trial FAIL; the supervisor handles the rest
    finally:
        heartbeat.close()
