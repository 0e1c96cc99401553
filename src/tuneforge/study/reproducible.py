"""Reproducible parallelism: each proposal depends only on earlier batches' results.

Trials are grouped in batches of `batch` consecutive numbers. The proposal of trial n
sees only the trials numbered below the start of n's batch, all finished before that
batch began (the executors hold a batch until the previous one has ended), and its own
random state (study seed, n). So one process, k processes or a cluster give the same
trials; the price is that a batch's trials do not learn from each other.
"""

from __future__ import annotations

import time
from collections.abc import Container, Sequence
from typing import Any

from tuneforge.trial.records import Direction, History, TrialRecord, TrialState

DEFAULT_BATCH = 4  # reproducible=True: batches of 4 trials, whatever n_jobs


def check_reproducible(reproducible: object) -> int | None:
    """The batch size `reproducible` asks for (True: DEFAULT_BATCH), or None (off)."""
    if reproducible is None or reproducible is False:
        return None
    if reproducible is True:
        return DEFAULT_BATCH
    if isinstance(reproducible, int) and not isinstance(reproducible, bool) and reproducible > 0:
        return reproducible
    raise ValueError(f"reproducible must be True, False or a batch size (a positive "
                     f"integer), got {reproducible!r}")


def batch_start(number: int, batch: int) -> int:
    """The first trial number of `number`'s batch."""
    return (number // batch) * batch


class EarlierBatches:
    """The History restricted to trials numbered below `cutoff` (earlier batches)."""

    def __init__(self, history: History, cutoff: int) -> None:
        self._history = history
        self._cutoff = cutoff

    @property
    def directions(self) -> tuple[Direction, ...]:
        return self._history.directions

    @property
    def seed(self) -> int:
        seed: int = getattr(self._history, "seed", 0)
        return seed

    def trials(self, states: Container[TrialState] | None = None) -> Sequence[TrialRecord]:
        return [t for t in self._history.trials(states) if t.number < self._cutoff]


def restrict(history: History, record: TrialRecord, batch: int | None) -> History:
    """`history` as trial `record`'s proposal may see it (all of it when `batch` is None)."""
    if batch is None:
        return history
    return EarlierBatches(history, batch_start(record.number, batch))


def wait_for_earlier_batches(view: Any, number: int, batch: int, *, poll: float = 0.05) -> None:
    """Block until no trial numbered below `number`'s batch is RUNNING (`view` is the
    study's StudyView): a worker of any executor proposes only on finished batches."""
    cutoff = batch_start(number, batch)
    while any(t.number < cutoff for t in view.refresh().trials((TrialState.RUNNING,))):
        time.sleep(poll)


__all__ = ["DEFAULT_BATCH", "EarlierBatches", "batch_start", "check_reproducible",
           "restrict", "wait_for_earlier_batches"]
