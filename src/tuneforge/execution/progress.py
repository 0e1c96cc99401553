"""A rich progress bar for optimize: trials done, time, and the best value so far."""

from __future__ import annotations

import math
import time
from typing import Any

from tuneforge.trial.records import Direction, TrialRecord, TrialState


class ProgressBar:
    """Shows `n done / n_trials` (or elapsed / timeout) and the best value; a no-op when
    disabled."""

    def __init__(self, *, enabled: bool, n_trials: int | None, timeout: float | None,
                 directions: tuple[Direction, ...]) -> None:
        self.enabled = enabled
        self._best: float | None = None
        self._maximize = len(directions) == 1 and directions[0] is Direction.MAXIMIZE
        self._single = len(directions) == 1
        self._start = time.monotonic()
        self._timeout = timeout
        self._progress: Any = None
        if not enabled:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                                  MofNCompleteColumn(), TimeElapsedColumn(),
                                  TextColumn("{task.fields[best]}"))
        total = n_trials if n_trials is not None else None
        self._task = self._progress.add_task("optimize", total=total, best="")
        self._progress.start()

    def advance(self, record: TrialRecord) -> None:
        if not self.enabled:
            return
        if record.state is TrialState.COMPLETE and self._single and record.values:
            v = record.values[0]
            if self._best is None or (v > self._best if self._maximize else v < self._best):
                self._best = v
        best = "" if self._best is None else f"best {self._best:.6g}"
        if self._best is not None and math.isinf(self._best):
            best = f"best {self._best}"
        self._progress.update(self._task, advance=1, best=best)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
