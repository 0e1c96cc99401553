"""The runner's objective wrapper: the only place where evaluations are counted, the
budget is enforced and time is measured.

`Meter(fn, budget, time_cap)` is called with a params dict by every adapter. For each
call it records the time spent inside `fn` (`obj_s`) and the time since the previous call
ended (`gap_s`: the optimizer's own work for that trial). The (budget+1)-th call raises
BudgetExhausted and a call after `time_cap` seconds raises TimeCapReached before `fn`
runs; both derive from BaseException so that no library's `except Exception` (which
marks a trial failed and goes on) can swallow them.

Overhead of a run = wall time of the whole optimization - time inside the objective.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any


class StopRun(BaseException):
    """The runner ends the optimization (not an error of the optimizer)."""


class BudgetExhausted(StopRun):
    pass


class TimeCapReached(StopRun):
    pass


class Meter:
    def __init__(self, fn: Callable[[Mapping[str, Any]], Any], *, budget: int,
                 time_cap: float) -> None:
        self.fn = fn
        self.budget = budget
        self.time_cap = time_cap
        self.values: list[Any] = []
        self.obj_s: list[float] = []
        self.gap_s: list[float] = []
        self.t0 = self.t_last = self.t_end = 0.0
        self.stopped_by: str | None = None

    @property
    def n(self) -> int:
        return len(self.values)

    def start(self) -> None:
        self.t0 = self.t_last = time.perf_counter()

    def stop(self) -> None:
        self.t_end = time.perf_counter()

    def __call__(self, params: Mapping[str, Any]) -> Any:
        now = time.perf_counter()
        if len(self.values) >= self.budget:
            self.stopped_by = self.stopped_by or "budget"
            raise BudgetExhausted(f"budget of {self.budget} evaluations spent")
        if now - self.t0 > self.time_cap:
            self.stopped_by = "time_cap"
            raise TimeCapReached(f"time cap of {self.time_cap:.0f} s reached")
        value = self.fn(params)
        end = time.perf_counter()
        self.gap_s.append(now - self.t_last)
        self.obj_s.append(end - now)
        self.values.append(value)
        self.t_last = end
        return value

    def timing(self) -> dict[str, Any]:
        """Wall time, time in the objective, overhead; per-trial overhead (gap_s) median
        over all trials and over the last 10 % of them."""
        import statistics

        wall = self.t_end - self.t0
        inside = sum(self.obj_s)
        n = len(self.gap_s)
        tail = self.gap_s[n - max(1, n // 10):] if n else []
        return {
            "wall_s": round(wall, 6),
            "objective_s": round(inside, 6),
            "overhead_s": round(wall - inside, 6),
            "overhead_per_trial_s": {
                "mean": round((wall - inside) / n, 6) if n else None,
                "median": round(statistics.median(self.gap_s), 6) if n else None,
                "last10": round(statistics.median(tail), 6) if tail else None,
            },
            "tail_s": round(self.t_end - self.t_last, 6),
        }
