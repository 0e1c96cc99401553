"""The Executor protocol: where trials run (this process, worker processes, a cluster).

What to try is the sampler's job and when to stop a trial the pruner's; an executor only
decides where the loop ask -> objective -> tell runs, against the study's storage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from tuneforge.math.numbers import is_integer, is_number, to_float, unwrap

if TYPE_CHECKING:
    from tuneforge.study.study import Callback, Study
    from tuneforge.study.trial import Trial


@dataclass(frozen=True)
class Run:
    """One `optimize` call: the objective, its budget and what to do as trials end."""

    objective: Callable[[Trial], Any]
    n_trials: int | None = None
    timeout: float | None = None
    catch: tuple[type[BaseException], ...] = (Exception,)
    callbacks: tuple[Callback, ...] = ()
    show_progress: bool = False
    gc_after_trial: bool = False
    trial_timeout: float | None = None  # seconds; the trial's process is killed past it
    retry: int = 0                      # re-runs of a trial whose worker died or timed out
    reproducible: int | None = None     # batch size of reproducible mode (study/reproducible)

    def __post_init__(self) -> None:
        n = unwrap(self.n_trials)  # numpy integers and 0-d arrays count as ints
        if n is not None and (not is_integer(n) or n < 0):
            raise ValueError(f"n_trials must be a non-negative integer, got {n!r}")
        object.__setattr__(self, "n_trials", None if n is None else int(n))
        t = unwrap(self.timeout)
        if t is not None and (not is_number(t) or not to_float(t, "timeout") > 0):
            raise ValueError(f"timeout must be a positive number of seconds, got {t!r}")
        object.__setattr__(self, "timeout", None if t is None else to_float(t, "timeout"))
        tt = unwrap(self.trial_timeout)
        if tt is not None and (not is_number(tt) or not to_float(tt, "trial_timeout") > 0):
            raise ValueError(f"trial_timeout must be a positive number of seconds, got {tt!r}")
        object.__setattr__(self, "trial_timeout",
                           None if tt is None else to_float(tt, "trial_timeout"))
        from tuneforge.execution.retry import check_retry

        check_retry(self.retry)
        from tuneforge.study.reproducible import check_reproducible

        object.__setattr__(self, "reproducible", check_reproducible(self.reproducible))
        if not callable(self.objective):
            raise TypeError(f"objective must be callable, got {self.objective!r}")
        if not isinstance(self.catch, tuple) or not all(
                isinstance(c, type) and issubclass(c, BaseException) for c in self.catch):
            raise TypeError(f"catch must be a tuple of exception classes, got {self.catch!r}")


@runtime_checkable
class Executor(Protocol):
    """Runs `run` on `study` until its budget, its timeout, `study.stop()` or the end of
    the search space; returns when every trial it started has finished or failed.

    It reads and writes the study only through its public surface (`ask`, `tell`,
    `trials`, `storage`, `ref`, `move_to`, `stop_requested`, `points_left`).
    """

    def run(self, study: Study, run: Run) -> None: ...


__all__ = ["Executor", "Run"]
