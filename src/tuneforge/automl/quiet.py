"""Search without noise: scikit-learn's ConvergenceWarnings counted, not printed.

An unconverged fit is scored as it is, and a search runs hundreds of them; the count is
kept (on the trial, or on a leaderboard row) instead of a screenful of warnings.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any

_SEEN: dict[Any, Any] = {}  # registry of passed-on warnings: each shows once per place


class ConvergenceCounter:
    """Context manager: counts ConvergenceWarnings (`.count`); other warnings pass on."""

    def __init__(self) -> None:
        self.count = 0
        self._cm: Any = None
        self._caught: list[warnings.WarningMessage] = []

    def __enter__(self) -> ConvergenceCounter:
        self._cm = warnings.catch_warnings(record=True)
        self._caught = self._cm.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc: Any) -> None:
        from sklearn.exceptions import ConvergenceWarning

        self._cm.__exit__(*exc)
        for w in self._caught:
            if issubclass(w.category, ConvergenceWarning):
                self.count += 1
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno,
                                       registry=_SEEN)


class QuietObjective:
    """Runs an objective with its ConvergenceWarnings counted as the trial's user attr
    ``convergence_warnings``. `threads` caps BLAS/OpenMP threads per trial (worker
    processes each running all-core boosting fight over the cores). Picklable."""

    def __init__(self, objective: Any, threads: int | None = None) -> None:
        self.objective = objective
        self.threads = threads

    @property
    def direction(self) -> str:
        return self.objective.direction

    def __call__(self, trial: Any) -> Any:
        counter = ConvergenceCounter()
        try:
            with counter, _limit(self.threads):
                return self.objective(trial)
        finally:
            if counter.count:
                trial.set_user_attr("convergence_warnings", counter.count)


def _limit(threads: int | None) -> Any:
    if threads is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(threads)


__all__ = ["ConvergenceCounter", "QuietObjective"]
