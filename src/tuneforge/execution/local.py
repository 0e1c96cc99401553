"""LocalPool: k worker processes on this machine sharing the storage, under a supervisor.

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
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tuneforge.exceptions import TuneforgeError
from tuneforge.execution.base import Run
from tuneforge.execution.heartbeat import (
    HEARTBEAT_INTERVAL,
    Heartbeat,
    fail_stale_trials,
    fail_worker_trials,
)
from tuneforge.execution.progress import ProgressBar
from tuneforge.execution.serial import expected_trials
from tuneforge.execution.worker import work
from tuneforge.storage.url import open_storage
from tuneforge.study.study import worker_name

if TYPE_CHECKING:
    from tuneforge.study.study import Study

log = logging.getLogger("tuneforge")

_UNCAUGHT = 3              # worker exit code: the objective raised outside `catch`


def _move_to_sqlite(study: Study) -> None:
    """An in-memory study cannot be shared by processes: copy it to a temporary SQLite
    file and continue there (DESIGN: no storage given -> a temporary SQLite file)."""
    from tuneforge.storage.sqlite import SQLiteStorage

    folder = tempfile.mkdtemp(prefix="tuneforge-")
    target = SQLiteStorage(os.path.join(folder, "study.db"))
    study.move_to(target)
    log.info("n_jobs > 1: study %r moved to a temporary SQLite file %s",
             study.study_name, target.path)
    # the file is the study's storage from now on: removed with the study (or at exit)
    weakref.finalize(study, shutil.rmtree, folder, True)


class LocalPool:
    """`n_workers` worker processes (spawned) on this machine; -1: one per core.

    The supervisor (the calling process) runs callbacks and the progress bar as trials
    finish, replaces a worker that dies (its trial is marked FAIL with the reason) and
    fails trials whose heartbeat went stale. The objective, sampler and pruner must be
    picklable (a module-level function).
    """

    def __init__(self, n_workers: int) -> None:
        if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers == 0 \
                or n_workers < -1:
            raise ValueError(f"n_workers must be a positive integer or -1, got {n_workers!r}")
        self.n_workers = (os.cpu_count() or 1) if n_workers == -1 else n_workers

    def __repr__(self) -> str:
        return f"LocalPool({self.n_workers})"

    def run(self, study: Study, run: Run) -> None:
        if study.storage.url is None:
            _move_to_sqlite(study)
        _supervise(study, run, self.n_workers)


def _supervise(study: Study, run: Run, n_jobs: int) -> None:
    url = study.storage.url
    if url is None:
        raise TuneforgeError(
            f"worker processes need a storage that other processes can open; "
            f"{study.storage!r} has no URL"
        )
    try:
        # callbacks and the progress bar stay here, in the supervisor
        worker_run = replace(run, callbacks=(), show_progress=False)
        payload = pickle.dumps((worker_run, study.sampler, study.pruner,  # ipc
                                   study.constraints_func, study.param_constraints))
    except Exception as exc:
        raise TuneforgeError(
            "with n_jobs > 1 the objective, sampler, pruner and constraints are sent to workers "
            f"and must be picklable; this failed ({type(exc).__name__}: {exc}). Define the "
            "objective as a module-level function (not a lambda or a closure)."
        ) from None

    ctx = mp.get_context("spawn")
    budget = ctx.Value("q", 0)     # trials started by this run, across workers
    stop = ctx.Event()
    errors = ctx.SimpleQueue()  # uncaught objective errors, re-raised here
    limit = -1 if run.n_trials is None else run.n_trials
    bar = ProgressBar(enabled=run.show_progress, n_trials=expected_trials(study, run.n_trials),
                      timeout=run.timeout, directions=study.directions)
    deadline = None if run.timeout is None else time.monotonic() + run.timeout
    seen = {t.key for t in study.trials if t.state.is_finished}
    workers: dict[int, Any] = {}

    def start_worker() -> None:
        p = ctx.Process(target=_worker_main, daemon=True,
                        args=(url, study.study_name, payload, budget, limit, stop, errors))
        p.start()
        assert p.pid is not None  # set by start()
        workers[p.pid] = p

    try:
        for _ in range(n_jobs):
            start_worker()
        while workers:
            time.sleep(0.1)
            if study.stop_requested or (deadline is not None and time.monotonic() >= deadline):
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
                    for callback in run.callbacks:
                        callback(study, record)
                        if study.stop_requested:
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
    """A worker process: the shared worker loop, with budget claimed across processes."""
    from tuneforge.study.api import load_study

    run, sampler, pruner, cons, preds = pickle.loads(payload)  # ipc, from our parent only
    study = load_study(study_name, storage=open_storage(url), sampler=sampler, pruner=pruner,
                       constraints_func=cons, param_constraints=preds)
    heartbeat = Heartbeat(study, HEARTBEAT_INTERVAL)

    def claim() -> bool:
        with budget.get_lock():
            if 0 <= limit <= budget.value:
                return False
            budget.value += 1
            return True

    def uncaught(trial: Any, exc: BaseException) -> None:
        if isinstance(exc, Exception):  # outside `catch`: the trial is FAIL; stop the study
            errors.put(f"trial {trial.number} raised {type(exc).__name__}: {exc}")
            stop.set()
            heartbeat.close()
            os._exit(_UNCAUGHT)

    try:
        if work(study, run, claim=claim, stopped=stop.is_set, heartbeat=heartbeat,
                on_error=uncaught):
            stop.set()  # the search space is exhausted
    except KeyboardInterrupt:
        pass  # run_trial has marked the trial FAIL; the supervisor handles the rest
    finally:
        heartbeat.close()


__all__ = ["LocalPool"]
