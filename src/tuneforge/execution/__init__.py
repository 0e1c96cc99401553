"""Where trials run: in this process (`SerialExecutor`, the default) or in worker
processes on this machine (`LocalPool`; `optimize(n_jobs=k)` is short for it).

    study.optimize(objective, n_trials=40, executor=LocalPool(4))

Every executor runs the same worker loop (`worker.work`) against the study's storage.
"""

from tuneforge.execution.base import Executor, Run
from tuneforge.execution.local import LocalPool
from tuneforge.execution.processes import shutdown_workers
from tuneforge.execution.ray import RayExecutor
from tuneforge.execution.serial import SerialExecutor


def resolve_executor(*, n_jobs: int = 1, executor: Executor | None = None,
                     isolate: bool = False) -> Executor:
    """The executor `optimize` uses: `executor` itself, else `LocalPool(n_jobs)` for
    n_jobs != 1 or when trials must run where they can be killed (`isolate`: a
    trial_timeout), else the in-process `SerialExecutor`."""
    if executor is not None:
        if n_jobs != 1:
            raise ValueError(f"give n_jobs or executor, not both (n_jobs={n_jobs!r}, "
                             f"executor={executor!r})")
        if not isinstance(executor, Executor):
            raise TypeError(f"executor must have a run(study, run) method (see "
                            f"tuneforge.execution.Executor), got {executor!r}")
        return executor
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs must be a positive integer or -1, got {n_jobs!r}")
    pool = LocalPool(n_jobs)
    return SerialExecutor() if pool.n_workers == 1 and not isolate else pool


__all__ = ["Executor", "LocalPool", "RayExecutor", "Run", "SerialExecutor", "resolve_executor",
           "shutdown_workers"]
