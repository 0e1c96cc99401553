"""LocalPool: k worker processes on this machine, under a supervisor in the driver.

The supervisor hands out one trial at a time to an idle worker (so the trial budget and
the study's timeout hold exactly), answers the storage calls of workers of an in-memory
study, runs callbacks and the progress bar, kills a trial that passes `trial_timeout`,
replaces a worker that dies (its trial FAIL with the reason, retried when asked) and
stops, with the worker's own error, when workers cannot start. Workers are kept for
the next `optimize` of this process (`execution.processes`).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, replace
from multiprocessing.connection import wait
from typing import TYPE_CHECKING, Any

from tuneforge.exceptions import StorageError, TuneforgeError
from tuneforge.execution.base import Run
from tuneforge.execution.heartbeat import fail_stale_trials, fail_worker_trials, reap_dead_trials
from tuneforge.execution.processes import (
    REGISTRY,
    START_METHODS,
    StartMethod,
    WorkerProcess,
    start_worker,
)
from tuneforge.execution.progress import ProgressBar
from tuneforge.execution.proxy import serve
from tuneforge.execution.retry import retry_trial
from tuneforge.execution.serial import expected_trials
from tuneforge.study.provenance import objective_code
from tuneforge.trial.records import TrialRecord, TrialState

if TYPE_CHECKING:
    from tuneforge.study.study import Study

log = logging.getLogger("tuneforge")

START_TRIES = 3          # workers that die before they are ready, in a row, before we stop
STALE_CHECK_EVERY = 5.0  # seconds between checks for other hosts' dead trials
_jobs = iter(range(1, 1 << 62))


def describe_exit(code: int) -> str:
    """A worker's exit status in words."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class LocalPool:
    """`n_workers` worker processes on this machine (-1: one per core).

    The objective, sampler and pruner travel to the workers by value (cloudpickle), so
    lambdas, closures and functions defined in a notebook or ``python -c`` work, and no
    worker re-runs the user's script. `start_method`: "auto" forks the driver when that
    is safe (one thread, no torch/CUDA loaded), else starts fresh interpreters ("spawn").
    """

    def __init__(self, n_workers: int, *, start_method: StartMethod = "auto") -> None:
        if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers == 0 \
                or n_workers < -1:
            raise ValueError(f"n_workers must be a positive integer or -1, got {n_workers!r}")
        if start_method not in START_METHODS:
            raise ValueError(f"start_method must be one of {START_METHODS}, "
                             f"got {start_method!r}")
        self.n_workers = (os.cpu_count() or 1) if n_workers == -1 else n_workers
        self.start_method: StartMethod = start_method

    def __repr__(self) -> str:
        return f"LocalPool({self.n_workers})"

    def run(self, study: Study, run: Run) -> None:
        _Supervisor(study, run, self.n_workers, self.start_method).run()


def job_payload(study: Study, run: Run) -> bytes:
    """The job sent to workers: objective, sampler, pruner and constraints, by value."""
    import cloudpickle  # ipc only: objective/sampler/pruner to workers, never stored

    # callbacks and the progress bar stay in the driver
    worker_run = replace(run, callbacks=(), show_progress=False)
    try:
        blob: bytes = cloudpickle.dumps((worker_run, study.sampler, study.pruner,
                                         study.constraints_func, study.param_constraints))
    except Exception as exc:
        raise TuneforgeError(
            "with worker processes the objective, sampler, pruner and constraints are sent "
            f"to the workers by value (cloudpickle), and this failed: {type(exc).__name__}: "
            f"{exc}. An object that holds an open file, lock or connection cannot be sent; "
            "open it inside the objective instead.") from None
    return blob


@dataclass
class _Slot:
    """What the supervisor knows of one worker."""

    proc: WorkerProcess
    state: str = "starting"      # starting -> loading -> idle <-> busy; dead
    number: int | None = None    # the trial it runs
    key: str | None = None
    since: float = 0.0           # when that trial started (monotonic)
    timed_out: bool = False


class _Supervisor:
    """One `optimize` on a LocalPool."""

    def __init__(self, study: Study, run: Run, n: int, method: StartMethod) -> None:
        self.study, self.run_, self.n, self.method = study, run, n, method
        self.url = study.storage.url
        self.job = next(_jobs)
        self.slots: list[_Slot] = []
        self.granted = 0
        self.batch_left = 0     # reproducible mode: trials left to grant in this batch
        self.extra = 0          # retries enqueued by this run: they do not eat the budget
        self.stopping = False
        self.start_failures = 0
        self.last_start_error = ""
        self.error: tuple[int, bytes | None, str] | None = None
        self.seen = {t.key for t in study.get_trials() if t.state.is_finished}
        self.frontier = 0     # trials below it are all finished and seen
        self.news = True      # a trial may have finished since the last _advance
        self.bar = ProgressBar(enabled=run.show_progress,
                               n_trials=expected_trials(study, run.n_trials),
                               timeout=run.timeout, directions=study.directions)

    # -- the loop --------------------------------------------------------------------
    def run(self) -> None:
        study, run = self.study, self.run_
        retry = run.retry
        # the workers start (or wake) first: they get ready while the driver prepares
        self.slots = [_Slot(w) for w in REGISTRY.acquire(self.n, self.method)]
        try:
            self.extra += reap_dead_trials(study, retry=retry)
            if self.url is not None:
                self.extra += fail_stale_trials(study, retry=retry)
            self.payload = job_payload(study, run)
            self.code = objective_code(run.objective)
        except BaseException:
            REGISTRY.release([s.proc for s in self.slots])
            raise
        for slot in self.slots:
            if slot.proc.ready:
                self._send_job(slot)
        deadline = None if run.timeout is None else time.monotonic() + run.timeout
        restore = _catch_sigterm()
        next_stale = time.monotonic() + STALE_CHECK_EVERY
        try:
            while True:
                now = time.monotonic()
                if study.stop_requested or (deadline is not None and now >= deadline):
                    self.stopping = True
                self._dispatch()
                live = [s for s in self.slots if s.state != "dead"]
                if not any(s.state == "busy" for s in live) and (self.stopping or not live
                                                                 or self._budget_left() <= 0):
                    break
                ready = wait([s.proc.conn for s in live], timeout=0.05)
                for slot in live:
                    if slot.proc.conn in ready:
                        self._receive(slot)
                self._check_deaths()
                self._check_timeouts()
                if self.url is not None and time.monotonic() >= next_stale:
                    next_stale = time.monotonic() + STALE_CHECK_EVERY
                    self.extra += fail_stale_trials(study, retry=retry)
                    self.news = True  # also: trials other processes finished
                self._advance()
        except KeyboardInterrupt:
            self._interrupted()
            raise
        except _Terminated:
            self._kill_busy("the driver process received SIGTERM")
            raise SystemExit(128 + signal.SIGTERM) from None
        finally:
            restore()
            self._advance(force=True)
            self.bar.close()
            REGISTRY.release([s.proc for s in self.slots if s.state in ("idle", "loading",
                                                                          "starting")])
            # a busy worker (an error or Ctrl-C ended the run) is not reused
            for s in self.slots:
                if s.state in ("busy", "dead"):
                    s.proc.close()
        if self.error is not None:
            _raise_worker_error(*self.error)

    def _budget_left(self) -> int:
        if self.run_.n_trials is None:
            return 1 << 62
        return self.run_.n_trials + self.extra - self.granted

    def _batch_open(self) -> bool:
        """Reproducible mode: a new batch starts only when the last one has ended."""
        batch = self.run_.reproducible
        if batch is None:
            return True
        if self.batch_left == 0:
            if any(s.state == "busy" for s in self.slots):
                return False
            self.batch_left = batch - len(self.study.get_trials()) % batch
        return True

    def _dispatch(self) -> None:
        for slot in self.slots:
            if slot.state == "idle" and not self.stopping and self._budget_left() > 0 \
                    and self._batch_open():
                if self.run_.reproducible is not None:
                    self.batch_left -= 1
                slot.proc.conn.send(("trial", self.job))
                self.granted += 1
                slot.state, slot.number, slot.key = "busy", None, None
                slot.since = time.monotonic()

    def _send_job(self, slot: _Slot) -> None:
        if slot.proc.job == self.job:
            slot.state = "idle"
            return
        slot.proc.conn.send(("job", self.job, self.payload, self.url, self.study.study_name,
                             {**_context(), "objective_code": self.code}))
        slot.state = "loading"

    # -- messages --------------------------------------------------------------------
    def _receive(self, slot: _Slot) -> None:
        conn = slot.proc.conn
        while conn.poll():
            try:
                message = conn.recv()
            except (EOFError, OSError):
                return  # it died: _check_deaths tells why
            self._handle(slot, message)

    def _handle(self, slot: _Slot, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind not in ("call", "started", "ready", "loaded"):
            self.news = True
        if kind == "call":  # a storage call of a worker of an in-memory study
            _, call_id, method, args, job = message
            if job == self.job:
                ok, value = serve(self.study.storage, method, args)
            else:  # left unanswered when an earlier run ended: not this study's storage
                ok, value = False, StorageError(f"storage call of job {job}, which has "
                                                "ended, refused")
            slot.proc.conn.send(("reply", call_id, ok, value))
        elif kind == "ready":
            slot.proc.ready = True
            self.start_failures = 0
            self._send_job(slot)
        elif kind == "loaded":  # (a kept worker may report an earlier run's job first)
            slot.proc.job = message[1]
            if message[1] == self.job:
                slot.state = "idle"
        elif kind == "job_error":
            if message[1] != self.job:
                return
            slot.state = "idle"
            raise TuneforgeError("a worker process could not load the objective, sampler or "
                                 f"pruner sent to it:\n{message[2]}")
        elif kind == "started":
            slot.number, slot.key = message[1], message[2]
            slot.since = time.monotonic()
        elif kind == "finished":
            slot.state = "idle"
        elif kind == "exhausted":
            slot.state = "idle"
            self.stopping = True
        elif kind == "ask_error":
            slot.state = "idle"
            self.stopping = True
            self.error = self.error or (-1, None, f"study.ask() failed in a worker:\n"
                                                  f"{message[1]}")
        elif kind == "uncaught":
            slot.state = "idle"
            self.stopping = True
            if self.error is None:
                self.error = (message[1], message[2], message[3])
        elif kind == "interrupted":
            slot.state = "idle"
            self.stopping = True

    # -- failures --------------------------------------------------------------------
    def _check_deaths(self) -> None:
        for slot in self.slots:
            if slot.state == "dead":
                continue
            code = slot.proc.exitcode()
            if code is None:
                continue
            self._died(slot, code)

    def _died(self, slot: _Slot, code: int) -> None:
        was = slot.state
        self.news = True
        slot.state = "dead"
        how = describe_exit(code)
        if was in ("starting", "loading"):
            self.start_failures += 1
            self.last_start_error = f"worker process {slot.proc.pid} ended at start-up ({how})"
            if self.start_failures >= START_TRIES:
                raise TuneforgeError(
                    f"{START_TRIES} worker processes in a row ended before they could run a "
                    f"trial; the last: {self.last_start_error}. Its error output is above.")
        elif was == "busy":
            if slot.timed_out:
                reason = (f"timeout: the trial ran past trial_timeout="
                          f"{self.run_.trial_timeout:g} s; its worker process "
                          f"{slot.proc.pid} was killed")
            elif code >= 0:
                reason = (f"the worker process {slot.proc.pid} ended with {how} while "
                          "running this trial (the objective called os._exit, or something "
                          "ended the process)")
            else:
                reason = f"worker process {slot.proc.pid} died ({how}) while running this trial"
            from tuneforge.study.study import worker_name

            for record in fail_worker_trials(self.study, worker_name(slot.proc.pid), reason):
                if retry_trial(self.study, record, self.run_.retry):
                    self.extra += 1
        slot.proc.close()
        if not self.stopping and self._budget_left() > 0:
            if was not in ("starting", "loading"):
                log.warning("worker %d ended (%s); starting a replacement", slot.proc.pid, how)
            self.slots.append(_Slot(start_worker(self.method)))

    def _check_timeouts(self) -> None:
        limit = self.run_.trial_timeout
        if limit is None:
            return
        now = time.monotonic()
        for slot in self.slots:
            if slot.state == "busy" and slot.key is not None and not slot.timed_out \
                    and now - slot.since > limit:
                slot.timed_out = True
                slot.proc.kill()
                slot.proc.wait(5.0)
                code = slot.proc.exitcode()
                self._died(slot, -signal.SIGKILL if code is None else code)

    def _kill_busy(self, reason: str) -> None:
        from tuneforge.study.study import worker_name

        for slot in self.slots:
            if slot.state == "busy":
                slot.proc.kill()
                slot.proc.wait(5.0)
                slot.state = "dead"
                fail_worker_trials(self.study, worker_name(slot.proc.pid), reason)

    def _interrupted(self) -> None:
        """First Ctrl-C: interrupt the running trials (FAIL, reason KeyboardInterrupt) and
        wait for the workers to say so; a second Ctrl-C kills them at once."""
        self.stopping = True
        busy = [s for s in self.slots if s.state == "busy"]
        if busy:
            print(f"\ninterrupted: stopping {len(busy)} running trial(s); press Ctrl-C "
                  "again to stop at once", file=sys.stderr, flush=True)
        try:
            for slot in busy:
                slot.proc.kill(signal.SIGINT)
            end = time.monotonic() + 10.0
            while any(s.state == "busy" for s in busy) and time.monotonic() < end:
                ready = wait([s.proc.conn for s in busy if s.state == "busy"], timeout=0.05)
                for slot in busy:
                    if slot.state == "busy" and slot.proc.conn in ready:
                        self._receive(slot)
                for slot in busy:
                    if slot.state == "busy" and slot.proc.exitcode() is not None:
                        slot.state = "dead"
        except KeyboardInterrupt:
            pass
        self._kill_busy("interrupted by the user (KeyboardInterrupt)")

    def _advance(self, *, force: bool = False) -> None:
        """Callbacks and the progress bar for every trial finished since the last look;
        the study is read only after a worker's news (or when `force`d), and scanned from
        the first trial not yet seen finished, so a message costs O(1), not O(trials)."""
        if not (force or self.news):
            return
        self.news = False
        trials = self.study.get_trials()
        new = [t for t in trials[self.frontier:] if t.state.is_finished
               and t.key not in self.seen]
        while self.frontier < len(trials) and trials[self.frontier].key in self.seen:
            self.frontier += 1
        for record in new:
            self.seen.add(record.key)
            self.bar.advance(record)
            for callback in self.run_.callbacks:
                callback(self.study, record)
                if self.study.stop_requested:
                    self.stopping = True


def _context() -> dict[str, Any]:
    """What a kept worker takes from the driver at each job: import path, environment
    and working folder as they are now, not as they were when the worker started."""
    return {"path": list(sys.path), "env": dict(os.environ), "cwd": os.getcwd()}


class _Terminated(BaseException):
    """SIGTERM reached the driver during a run."""


def _catch_sigterm() -> Any:
    """Turn SIGTERM into _Terminated while a run lasts (main thread, default handler
    only), so the workers' trials are closed before the driver ends."""
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return lambda: None

    def handler(signum: int, frame: Any) -> None:
        raise _Terminated

    signal.signal(signal.SIGTERM, handler)
    return lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _raise_worker_error(number: int, blob: bytes | None, text: str) -> None:
    """Raise in the driver the exception the objective raised in a worker."""
    exc: BaseException | None = None
    if blob is not None:
        try:
            import cloudpickle  # ipc only: objective/sampler/pruner to workers, never stored

            exc = cloudpickle.loads(blob)
        except Exception:
            exc = None
    if not isinstance(exc, BaseException):
        raise TuneforgeError(f"a worker stopped the study (trial {number}):\n{text}")
    if hasattr(exc, "add_note"):
        exc.add_note(f"raised by the objective in a worker process, trial {number}; "
                     f"the worker's traceback:\n{text}")
    raise exc


def finished_record(study: Study, number: int) -> TrialRecord | None:
    """Trial `number` when it has finished, else None."""
    trials = study.get_trials()
    if 0 <= number < len(trials) and trials[number].state is not TrialState.RUNNING:
        return trials[number]
    return None


__all__ = ["LocalPool", "describe_exit", "job_payload"]
