"""A small supervisor: each run in its own fresh process, at most `workers` at a time,
each killed at its hard time limit. A run that crashes (segfault, out of memory,
os._exit) or hangs becomes a record with status "crashed" or "timeout"; the other runs
go on. (A bare ProcessPoolExecutor breaks as a whole when one worker
dies, and cannot kill a hung task.)

Runs are forked from a multiprocessing *forkserver* that has imported the heavy libraries
once (numpy, scipy, scikit-learn, the peers, tuneforge): each run is still its own fresh
process, but starts in milliseconds instead of re-importing for a second or more, which
dominated the wall time of the cheap runs. Where forkserver is unavailable: spawn.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections import deque
from collections.abc import Callable, Iterable
from multiprocessing.connection import wait
from typing import Any

GRACE_S = 60.0  # the hard kill comes this long after the run's own time cap

# imported once in the forkserver; a missing one is skipped (by multiprocessing itself)
PRELOAD = ["benchmarks.child", "benchmarks.measure", "benchmarks.adapters",
           "benchmarks.problems.bbob", "benchmarks.problems.ml", "numpy", "scipy.stats",
           "scipy.optimize", "scipy.linalg", "scipy.special", "sklearn.base",
           "sklearn.model_selection", "sklearn.ensemble", "sklearn.svm", "sklearn.linear_model",
           "sklearn.neighbors", "sklearn.datasets", "cocoex", "optuna", "hyperopt", "skopt",
           "cmaes", "tuneforge", "tuneforge.samplers.gp", "tuneforge.samplers.tpe",
           "tuneforge.samplers.cmaes", "tuneforge.math.gp"]


def _context() -> Any:
    try:
        ctx = mp.get_context("forkserver")
    except ValueError:
        return mp.get_context("spawn")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def run_all(specs: Iterable[dict[str, Any]], *, workers: int,
            on_result: Callable[[dict[str, Any]], None],
            target: Callable[[dict[str, Any], Any], None] | None = None) -> None:
    """Run every spec (a dict with at least key, time_cap) with `target(spec, conn)` in a
    spawned process; call on_result(record) in this process as each one ends."""
    if target is None:
        from benchmarks.child import main as target
    ctx = _context()
    pending = deque(specs)
    running: dict[Any, tuple[Any, dict[str, Any], float]] = {}  # conn -> (proc, spec, t0)

    def failed(spec: dict[str, Any], status: str, error: str) -> dict[str, Any]:
        keep = ("suite", "kind", "optimizer", "problem", "seed", "budget", "checkpoints",
                "time_cap", "key")
        return dict({k: spec.get(k) for k in keep}, status=status, error=error)

    while pending or running:
        while pending and len(running) < max(1, workers):
            spec = pending.popleft()
            if spec.get("_quiet_wait"):  # measured runs: let the machine settle first
                from benchmarks import _env
                _env.wait_quiet(max_wait=float(spec["_quiet_wait"]))
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=target, args=(spec, send), daemon=True,
                               name=f"bench:{spec['key']}")
            proc.start()
            send.close()  # the child holds the only writer: EOF when it dies
            running[recv] = (proc, spec, time.monotonic())
        ready = wait(list(running), timeout=1.0)
        for conn in ready:
            proc, spec, _ = running.pop(conn)
            try:
                rec = conn.recv()
            except (EOFError, OSError):
                proc.join(5)
                rec = failed(spec, "crashed", f"process ended with exit code {proc.exitcode} "
                                              "before sending a result")
            conn.close()
            proc.join(10)
            if proc.is_alive():
                proc.kill()
                proc.join()
            on_result(rec)
        now = time.monotonic()
        for conn, (proc, spec, t0) in list(running.items()):
            limit = float(spec["time_cap"]) + GRACE_S
            if now - t0 > limit:
                proc.kill()
                proc.join()
                running.pop(conn)
                conn.close()
                on_result(failed(spec, "timeout", f"killed after {limit:.0f} s"))
