"""Worker processes of this machine: started once per driver process and reused.

A worker is forked from the driver when that is safe (Linux or macOS, one Python thread,
no GPU/OpenMP runtime such as torch loaded): it then starts in milliseconds with every
module already imported. Otherwise it is a fresh interpreter that imports only
tuneforge. Neither way re-runs the user's script: the objective arrives by value.
"""

from __future__ import annotations

import atexit
import gc
import os
import signal
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from typing import Literal

StartMethod = Literal["auto", "fork", "spawn"]
START_METHODS = ("auto", "fork", "spawn")
# modules whose runtime (CUDA, OpenMP thread pools) does not survive a fork
_FORK_UNSAFE = ("torch", "tensorflow", "jax", "cupy", "ray")


def fork_is_safe() -> bool:
    """Whether forking the driver is safe now: POSIX, only the main Python thread, and
    no module loaded whose native runtime breaks in a forked child."""
    return (hasattr(os, "fork") and sys.platform != "win32"
            and threading.active_count() == 1
            and not any(name in sys.modules for name in _FORK_UNSAFE))


class WorkerProcess:
    """A started worker: its pid and the driver's end of its pipe."""

    def __init__(self, pid: int, conn: Connection, popen: subprocess.Popen[bytes] | None,
                 method: str) -> None:
        self.pid = pid
        self.conn = conn
        self.method = method
        self._popen = popen
        self._exit: int | None = None
        self.ready = False
        self.job: int | None = None  # the job it has loaded
        self.in_use = False

    def __repr__(self) -> str:
        return f"WorkerProcess(pid={self.pid}, {self.method})"

    def exitcode(self) -> int | None:
        """None while it runs; else its exit code (negative: the killing signal)."""
        if self._exit is not None:
            return self._exit
        if self._popen is not None:
            self._exit = self._popen.poll()
            return self._exit
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:  # reaped elsewhere (a SIGCHLD handler)
            self._exit = -1
            return self._exit
        if pid == 0:
            return None
        self._exit = os.waitstatus_to_exitcode(status)
        return self._exit

    def wait(self, timeout: float) -> int | None:
        """Wait up to `timeout` seconds for the process to end; its exit code or None."""
        import time

        end = time.monotonic() + timeout
        while self.exitcode() is None and time.monotonic() < end:
            time.sleep(0.01)
        return self.exitcode()

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the worker's whole process group (what its objective started too)."""
        if self.exitcode() is not None:
            return
        try:
            os.killpg(self.pid, sig)
        except (ProcessLookupError, PermissionError):
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def close(self) -> None:
        """Kill it if it runs, reap it, close the pipe."""
        self.kill()
        self.wait(5.0)
        self.conn.close()


def start_worker(method: StartMethod = "auto") -> WorkerProcess:
    """Start one worker process (fork when safe under "auto"); it says ready when up."""
    if method not in START_METHODS:
        raise ValueError(f"start_method must be one of {START_METHODS}, got {method!r}")
    if method == "fork" or (method == "auto" and fork_is_safe()):
        return _fork()
    return _spawn()


def _fork() -> WorkerProcess:
    _warm_up()
    parent_end, child_end = socket.socketpair()
    parent = os.getpid()
    deathsig = threading.current_thread() is threading.main_thread()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, ValueError, OSError):
            pass
    gc.freeze()  # the child never collects the driver's objects (no copy, no close)
    try:
        pid = os.fork()
    finally:
        if os.getpid() == parent:
            gc.unfreeze()
    if pid == 0:  # the worker
        code = 0
        try:
            parent_end.close()
            os.setsid()  # its own process group: Ctrl-C reaches the driver only
            from tuneforge.execution.child import main

            main(Connection(child_end.detach()), parent, deathsig)
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 1
        finally:
            os._exit(code)  # never the driver's atexit handlers or finalizers
    child_end.close()
    return WorkerProcess(pid, Connection(parent_end.detach()), None, "fork")


def _warm_up() -> None:
    """Before forking, import here what every worker needs and compute this process's
    environment id: paid once by the driver instead of by each forked worker."""
    import cloudpickle  # noqa: F401  # ipc only: objective/sampler/pruner to workers

    import tuneforge.execution.child  # noqa: F401
    import tuneforge.execution.worker  # noqa: F401
    from tuneforge.study.provenance import trial_provenance

    trial_provenance(None, None)


def _spawn() -> WorkerProcess:
    parent_end, child_end = socket.socketpair()
    fd = child_end.fileno()
    env = dict(os.environ)
    path = [p for p in sys.path if isinstance(p, str) and p]
    env["PYTHONPATH"] = os.pathsep.join(path)  # the driver's imports, tuneforge included
    code = ("import sys; from tuneforge.execution.child import bootstrap; "
            "bootstrap(int(sys.argv[1]), int(sys.argv[2]))")
    deathsig = int(threading.current_thread() is threading.main_thread())
    popen = subprocess.Popen([sys.executable, "-c", code, str(fd), str(deathsig)],
                             pass_fds=(fd,),
                             env=env, start_new_session=True)
    child_end.close()
    return WorkerProcess(popen.pid, Connection(parent_end.detach()), popen, "spawn")


class _Registry:
    """This process's workers, handed to one `optimize` at a time and kept for the next."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[WorkerProcess] = []
        self._owner = os.getpid()

    def acquire(self, n: int, method: StartMethod) -> list[WorkerProcess]:
        """`n` workers: live idle ones first, the rest started now (not ready yet)."""
        with self._lock:
            if self._owner != os.getpid():  # a forked copy of the driver: not ours
                self._idle, self._owner = [], os.getpid()
            alive = [w for w in self._idle if w.exitcode() is None]
            for w in self._idle:
                if w.exitcode() is not None:
                    w.conn.close()
            if method != "auto":
                keep = [w for w in alive if w.method == method]
                for w in alive:
                    if w not in keep:
                        _quit(w)
                alive = keep
            taken, self._idle = alive[:n], alive[n:]
        while len(taken) < n:
            taken.append(start_worker(method))
        for w in taken:
            w.in_use = True
        return taken

    def release(self, workers: list[WorkerProcess]) -> None:
        """Give back workers that are alive and idle (or still starting); the others are
        closed."""
        with self._lock:
            for w in workers:
                w.in_use = False
                if w.exitcode() is None:
                    self._idle.append(w)
                else:
                    w.close()

    def shutdown(self) -> None:
        """Stop every idle worker (at exit, and by `shutdown_workers`)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for w in idle:
            _quit(w)


def _quit(w: WorkerProcess) -> None:
    try:
        w.conn.send(("quit",))
    except OSError:
        pass
    if w.wait(2.0) is None:
        w.kill()
        w.wait(2.0)
    w.conn.close()


REGISTRY = _Registry()
atexit.register(REGISTRY.shutdown)


def shutdown_workers() -> None:
    """Stop the worker processes kept for later `optimize` calls of this process."""
    REGISTRY.shutdown()


__all__ = ["REGISTRY", "StartMethod", "WorkerProcess", "fork_is_safe", "shutdown_workers",
           "start_worker"]
