"""Trials one after another in this process: the default executor."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from tuneforge.execution.base import Run
from tuneforge.execution.heartbeat import (
    HEARTBEAT_INTERVAL,
    Heartbeat,
    fail_stale_trials,
    fail_worker_trials,
    reap_dead_trials,
    running_trials_of,
)
from tuneforge.execution.progress import ProgressBar
from tuneforge.execution.worker import work
from tuneforge.trial.records import TrialRecord

if TYPE_CHECKING:
    from tuneforge.study.study import Study


class SerialExecutor:
    """Runs the worker loop in the calling process (with a heartbeat when the storage is
    shared, so other processes can tell a crashed run's trials from live ones)."""

    def __repr__(self) -> str:
        return "SerialExecutor()"

    def run(self, study: Study, run: Run) -> None:
        bar = ProgressBar(enabled=run.show_progress,
                          n_trials=expected_trials(study, run.n_trials),
                          timeout=run.timeout, directions=study.directions)
        deadline = None if run.timeout is None else time.monotonic() + run.timeout
        done = 0
        heartbeat = None
        extra = 0  # retries of dead processes' trials: they do not eat the budget
        if study.storage.url is not None:
            # shared storage: other processes may be running trials of this study too;
            # those of a process known dead here are closed at once, others by heartbeat
            extra = reap_dead_trials(study, retry=run.retry)
            extra += fail_stale_trials(study, retry=run.retry)
            heartbeat = Heartbeat(study, HEARTBEAT_INTERVAL)
        # trials this process already holds (ask/tell by hand) are not this loop's to fail
        held = running_trials_of(study, study.worker_id)

        def claim() -> bool:
            if run.n_trials is not None and done >= run.n_trials + extra:
                return False
            return deadline is None or time.monotonic() < deadline

        def finished(record: TrialRecord) -> None:
            nonlocal done
            done += 1
            bar.advance(record)
            for callback in run.callbacks:
                callback(study, record)

        try:
            work(study, run, claim=claim, stopped=lambda: study.stop_requested,
                 heartbeat=heartbeat, on_finished=finished)
        except KeyboardInterrupt:
            # Ctrl-C may land outside the objective (inside ask, or before tell is stored):
            # whatever trial this loop left RUNNING becomes FAIL, nothing stays RUNNING
            fail_worker_trials(study, study.worker_id,
                               "interrupted by the user (KeyboardInterrupt)", keep=held)
            raise
        finally:
            bar.close()
            if heartbeat is not None:
                heartbeat.close()


def expected_trials(study: Study, n_trials: int | None) -> int | None:
    """How many trials this run will make, for the progress bar: n_trials, capped by
    the points a queueing sampler (a grid) has left."""
    left = study.points_left()
    if left is None:
        return n_trials
    return left if n_trials is None else min(n_trials, left)


__all__ = ["SerialExecutor", "expected_trials"]
