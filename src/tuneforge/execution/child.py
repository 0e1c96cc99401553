"""The worker side of the local pool: a process that runs one trial per order it gets.

The driver sends a job (the objective, sampler and pruner by value, with cloudpickle, and
where the study lives), then one ``("trial", job)`` order per trial; the worker asks,
runs the objective, tells, and says how it went. Errors travel as messages, never as
exit codes, so an objective that ends the process is never mistaken for our own error.
A worker ends when its driver does (parent-death signal and a watch on the parent pid).
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time
import traceback
from collections import deque
from typing import Any

PARENT_POLL = 0.2  # seconds between checks that the driver is still alive


def bootstrap(fd: int, deathsig: int) -> None:
    """Entry point of a worker started as a fresh interpreter (``python -c``)."""
    from multiprocessing.connection import Connection

    conn = Connection(fd)
    main(conn, os.getppid(), bool(deathsig))


def main(conn: Any, parent: int, deathsig: bool) -> None:
    """Serve orders from the driver on `conn` until it says quit or goes away.
    `deathsig`: ask Linux for SIGTERM when the driver's starting thread ends (set only
    when that thread is the driver's main thread, which ends with the process)."""
    _die_with_parent(parent, deathsig)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # forwarded Ctrl-C
    signal.signal(signal.SIGTERM, _on_sigterm)
    # the imports a trial needs, done before saying ready: start-up is paid once
    import cloudpickle  # noqa: F401  # ipc only: never stored

    import tuneforge.study.api  # noqa: F401

    worker = _Worker(conn)
    conn.send(("ready", os.getpid()))
    worker.serve()


_current: dict[str, Any] = {}  # the running trial and its study, for a last word on exit


def _on_sigterm(signum: int, frame: Any) -> None:
    _last_word("the worker process received SIGTERM (its driver is stopping)")
    os._exit(128 + signum)


def _last_word(reason: str) -> None:
    """Mark the running trial FAIL before exiting, when the storage is reachable without
    the driver (a file or a database; an in-memory study dies with its driver)."""
    study, key = _current.get("study"), _current.get("key")
    if study is None or key is None or study.storage.url is None:
        return
    try:
        from tuneforge.trial.records import TrialState

        for t in study.get_trials((TrialState.RUNNING,)):
            if t.key == key:
                study.tell(t.number, state=TrialState.FAIL, reason=reason)
    except Exception:
        pass


def _die_with_parent(parent: int, deathsig: bool) -> None:
    """End this process soon after the driver dies, even when it was SIGKILLed."""
    if deathsig and sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                _last_word("the driver process died while this trial ran")
                os._exit(1)
            time.sleep(PARENT_POLL)

    threading.Thread(target=watch, daemon=True, name="tuneforge-parent-watch").start()
    if os.getppid() != parent:  # it died before the watch began
        os._exit(1)


class _Worker:
    """One worker's state: the loaded job and the study it runs trials of."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.job: int | None = None
        self.study: Any = None
        self.run: Any = None
        self.heartbeat: Any = None
        self.pristine: bytes | None = None
        # orders that came while a storage call waited for its reply, served next: a
        # kept worker may still wait on a call of a run that has ended when the next
        # run's job arrives, and that order must not be lost
        self.pending: deque[tuple[Any, ...]] = deque()

    def receive_reply(self, call_id: int) -> Any:
        """The driver's answer to storage call `call_id`; other orders are kept."""
        while True:
            message = self.conn.recv()
            if message[0] == "reply":
                if message[1] == call_id:
                    return message[2], message[3]
                continue  # the answer to a call given up earlier
            if message[0] == "quit":
                os._exit(0)
            self.pending.append(message)

    def send_call(self, job: int) -> Any:
        """The `send` of this job's ProxyStorage: each call names its job, so that a
        later run's supervisor refuses, instead of answering, a call of an ended run."""
        return lambda message: self.conn.send((*message, job))

    def serve(self) -> None:
        while True:
            try:
                message = self.pending.popleft() if self.pending else self.conn.recv()
            except KeyboardInterrupt:
                continue  # a Ctrl-C forwarded just as the trial ended
            except EOFError:
                os._exit(0)  # the driver closed the pipe
            kind = message[0]
            if kind == "quit":
                break
            try:
                if kind == "job":
                    self.load(*message[1:])
                elif kind == "trial":
                    self.trial()
            except KeyboardInterrupt:
                self.conn.send(("interrupted", None))
        if self.heartbeat is not None:
            self.heartbeat.close()

    def load(self, job: int, payload: bytes, url: str | None, study_name: str,
             context: dict[str, Any]) -> None:
        """Load a job: the objective and strategies (by value), and open the study, in
        the driver's current import path, environment and working folder."""
        try:
            for entry in reversed(context["path"]):  # for objects pickled by name
                if entry not in sys.path:
                    sys.path.insert(0, entry)
            env = context["env"]
            for name in [n for n in os.environ if n not in env]:
                del os.environ[name]
            os.environ.update(env)
            os.chdir(context["cwd"])
            import cloudpickle  # ipc only: objective/sampler/pruner to workers, never stored

            from tuneforge.execution.heartbeat import HEARTBEAT_INTERVAL, Heartbeat
            from tuneforge.execution.proxy import ProxyStorage
            from tuneforge.storage.base import find_study
            from tuneforge.storage.url import open_storage
            from tuneforge.study.study import Study

            run, sampler, pruner, cons, preds = cloudpickle.loads(payload)
            storage: Any = (ProxyStorage(self.send_call(job), self.receive_reply) if url is None
                            else open_storage(url))
            self.study = Study(storage=storage, ref=find_study(storage, study_name),
                               sampler=sampler, pruner=pruner, constraints_func=cons,
                               param_constraints=preds)
            self.run = run
            self.pristine = cloudpickle.dumps(sampler) if run.reproducible else None
            self.study.reproducible_batch = run.reproducible
            if context.get("objective_code"):  # the driver ran git for it already
                from tuneforge.study.provenance import remember_objective_code

                remember_objective_code(run.objective, context["objective_code"])
            if self.heartbeat is not None:
                self.heartbeat.close()
            self.heartbeat = Heartbeat(self.study, HEARTBEAT_INTERVAL) if url else None
            self.job = job
        except BaseException:
            self.job = None
            self.conn.send(("job_error", job, traceback.format_exc()))
            return
        self.conn.send(("loaded", job))

    def trial(self) -> None:
        """Ask, run the objective, tell; say how it ended."""
        from tuneforge.exceptions import SearchExhausted
        from tuneforge.execution.worker import run_trial

        study, run = self.study, self.run
        if self.pristine is not None:  # reproducible: no state from earlier proposals
            import cloudpickle  # ipc only: objective/sampler/pruner to workers, never stored

            study.sampler = cloudpickle.loads(self.pristine)
        try:
            trial = study.ask()
        except SearchExhausted:
            self.conn.send(("exhausted",))
            return
        except Exception:
            self.conn.send(("ask_error", traceback.format_exc()))
            return
        _current.update(study=study, key=trial.key)
        self.conn.send(("started", trial.number, trial.key))
        if self.heartbeat is not None:
            self.heartbeat.set(trial.key)
        try:
            run_trial(study, trial, run.objective, run.catch)
        except KeyboardInterrupt:
            self.conn.send(("interrupted", trial.number))
            return
        except BaseException as exc:  # outside `catch`: the trial is FAIL already
            self.conn.send(("uncaught", trial.number, _portable(exc),
                            traceback.format_exc()))
            return
        finally:
            _current.clear()
            if self.heartbeat is not None:
                self.heartbeat.set(None)
        if run.gc_after_trial:
            gc.collect()
        self.conn.send(("finished", trial.number))


def _portable(exc: BaseException) -> bytes | None:
    """The exception by value, for the driver to raise; None when it cannot travel."""
    try:
        import cloudpickle  # ipc only: objective/sampler/pruner to workers, never stored

        blob: bytes = cloudpickle.dumps(exc)
        cloudpickle.loads(blob)
        return blob
    except Exception:
        return None


__all__ = ["bootstrap", "main"]
