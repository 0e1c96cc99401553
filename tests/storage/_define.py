"""Processes that define the same distribution at once (a study's first trials)."""

from __future__ import annotations

import multiprocessing
from typing import Any

CHOICES = [f"choice-{i}" for i in range(500)]


def _worker(url: str, name: str, n: int, barrier: Any, queue: Any) -> None:
    try:
        import tuneforge as tf

        study = tf.load_study(name, storage=url)
        trials = [study.ask() for _ in range(n)]
        barrier.wait(timeout=60)  # every process asks for the new distribution at once
        for trial in trials:
            trial.suggest_categorical("c", CHOICES)
            trial.suggest_float("x", 0.0, 1.0)
            study.tell(trial, 1.0)
        queue.put("ok")
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        queue.put(repr(exc))


def define_at_once(url: str, processes: int = 2, n: int = 3) -> list[Any]:
    """Create a study at `url`, let `processes` processes define its distributions at
    once, and return its trials (each checked by the caller)."""
    import tuneforge as tf
    from tuneforge.storage import doctor
    from tuneforge.storage.base import find_study
    from tuneforge.storage.url import open_storage

    tf.create_study("defined", storage=url, seed=0)
    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(processes), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(url, "defined", n, barrier, queue))
             for _ in range(processes)]
    for p in procs:
        p.start()
    try:
        results = [queue.get(timeout=120) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=30)
    assert results == ["ok"] * processes, results
    storage = open_storage(url)
    ref = find_study(storage, "defined")
    kinds = [e["type"] for _, e in storage.read(ref)]
    assert 1 <= kinds.count("distribution_defined") <= 2 * processes
    assert [c.ok for c in doctor.check(storage)] == [True]
    return tf.load_study("defined", storage=url).trials
