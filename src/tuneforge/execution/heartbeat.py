"""Heartbeats: a running trial's process says it is alive; stale trials become FAIL.

Any process that runs trials against a shared storage beats every HEARTBEAT_INTERVAL
seconds; any optimize loop fails RUNNING trials whose last beat is older than
STALE_AFTER (a process killed on this or another host). Trials without a heartbeat
(ask/tell used by hand) are never touched.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import TYPE_CHECKING

from tuneforge.exceptions import TrialStateError
from tuneforge.storage import events as ev
from tuneforge.trial.records import TrialRecord, TrialState

if TYPE_CHECKING:
    from tuneforge.study.study import Study

log = logging.getLogger("tuneforge")

HEARTBEAT_INTERVAL = 2.0   # seconds between a running trial's heartbeats
STALE_AFTER = 30.0         # a RUNNING trial without a heartbeat for this long is FAIL


def fail_stale_trials(study: Study, stale_after: float | None = None, *,
                      retry: int = 0) -> int:
    """Mark FAIL RUNNING trials that had a heartbeat but none for `stale_after` seconds
    (a worker on any host that died). Trials without heartbeats (ask/tell) are left.
    With `retry`, each is re-enqueued (`execution.retry`); returns how many were."""
    stale_after = STALE_AFTER if stale_after is None else stale_after
    now = time.time()
    retried = 0
    for t in study.get_trials((TrialState.RUNNING,)):
        if t.last_heartbeat is not None and now - t.last_heartbeat > stale_after:
            reason = (f"no heartbeat from worker {t.system_attrs.get('worker')} for "
                      f"{now - t.last_heartbeat:.0f} s; its process is presumed dead")
            retried += _fail_and_retry(study, t, reason, retry)
    return retried


def process_is_dead(worker: object) -> bool:
    """Whether `worker` ("host:pid", as trials record it) names a process of this host
    that no longer exists (a process of another host is never judged from here)."""
    if not isinstance(worker, str) or ":" not in worker:
        return False
    host, _, pid_text = worker.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def stale_note(trial: TrialRecord, now: float | None = None,
               stale_after: float | None = None) -> str | None:
    """Why a RUNNING trial looks abandoned (its process is gone from this host, or its
    heartbeat is older than `stale_after`), or None; reads only, changes nothing (the
    CLI shows it; the next run reaps it)."""
    if trial.state is not TrialState.RUNNING:
        return None
    worker = trial.system_attrs.get("worker")
    if process_is_dead(worker):
        return f"stale: its process {worker} is gone"
    stale_after = STALE_AFTER if stale_after is None else stale_after
    now = time.time() if now is None else now
    if trial.last_heartbeat is not None and now - trial.last_heartbeat > stale_after:
        return f"stale, no heartbeat for {now - trial.last_heartbeat:.0f} s"
    return None


def reap_dead_trials(study: Study, *, retry: int = 0) -> int:
    """Mark FAIL at once the RUNNING trials whose process is known dead on this host (a
    killed driver or worker), without waiting for their heartbeat to go stale; with
    `retry`, re-enqueue them. Returns how many were retried."""
    retried = 0
    for t in study.get_trials((TrialState.RUNNING,)):
        worker = t.system_attrs.get("worker")
        if process_is_dead(worker):
            retried += _fail_and_retry(
                study, t, f"its process {worker} is gone (found dead on this host)", retry)
    return retried


def _fail_and_retry(study: Study, trial: TrialRecord, reason: str, retry: int) -> int:
    from tuneforge.execution.retry import retry_trial

    failed = _fail(study, trial, reason)
    return int(failed and retry_trial(study, trial, retry))


def fail_worker_trials(study: Study, worker: str, reason: str,
                       keep: frozenset[str] = frozenset()) -> list[TrialRecord]:
    """Mark FAIL the RUNNING trials that process `worker` runs (except keys in `keep`):
    used when the process is gone or interrupted, so no trial is left RUNNING. Returns
    the trials this call failed."""
    failed = []
    for t in study.get_trials((TrialState.RUNNING,)):
        if t.system_attrs.get("worker") == worker and t.key not in keep:
            if _fail(study, t, reason):
                failed.append(t)
    return failed


def _fail(study: Study, trial: TrialRecord, reason: str) -> bool:
    """Mark a RUNNING trial FAIL (True); one that finished meanwhile keeps its result."""
    try:
        final = study.tell(trial.number, state=TrialState.FAIL, reason=reason)
    except TrialStateError:
        return False  # it finished between the read and now: its own result stands
    if final.state is not TrialState.FAIL or final.system_attrs.get("fail_reason") != reason:
        return False  # another process finished it first
    log.warning("trial %d: %s", trial.number, reason)
    return True


def running_trials_of(study: Study, worker: str) -> frozenset[str]:
    """Keys of the RUNNING trials that process `worker` owns right now."""
    return frozenset(t.key for t in study.get_trials((TrialState.RUNNING,))
                     if t.system_attrs.get("worker") == worker)


class Heartbeat:
    """Appends a heartbeat event for the current trial every `interval` seconds."""

    def __init__(self, study: Study, interval: float) -> None:
        self._study = study
        self._interval = interval
        self.key: str | None = None
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="tuneforge-heartbeat")
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(self._interval):
            with self._lock:
                key = self.key
            if key is not None:
                self._beat(key)

    def set(self, key: str | None) -> None:
        """Beat for trial `key` from now on (a first beat at once), or stop with None."""
        with self._lock:
            self.key = key
        if key is not None:
            self._beat(key)

    def _beat(self, key: str) -> None:
        try:
            self._study.storage.append(self._study.ref, [ev.heartbeat(key)])
        except Exception as exc:  # a missed beat is not fatal; staleness is judged later
            log.debug("heartbeat failed: %s", exc)

    def close(self) -> None:
        self._done.set()
