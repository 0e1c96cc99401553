"""Heartbeats: a running trial's process says it is alive; stale trials become FAIL.

Any process that runs trials against a shared storage beats every HEARTBEAT_INTERVAL
seconds; any optimize loop fails RUNNING trials whose last beat is older than
STALE_AFTER (a process killed on this or another host). Trials without a heartbeat
(ask/tell used by hand) are never touched.
"""

from __future__ import annotations

import logging
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


def fail_stale_trials(study: Study, stale_after: float | None = None) -> None:
    """Mark FAIL RUNNING trials that had a heartbeat but none for `stale_after` seconds
    (a worker on any host that died). Trials without heartbeats (ask/tell) are left."""
    stale_after = STALE_AFTER if stale_after is None else stale_after
    now = time.time()
    for t in study.get_trials((TrialState.RUNNING,)):
        if t.last_heartbeat is not None and now - t.last_heartbeat > stale_after:
            reason = (f"no heartbeat from worker {t.system_attrs.get('worker')} for "
                      f"{now - t.last_heartbeat:.0f} s; its process is presumed dead")
            _fail(study, t, reason)


def fail_worker_trials(study: Study, worker: str, reason: str,
                       keep: frozenset[str] = frozenset()) -> None:
    """Mark FAIL the RUNNING trials that process `worker` runs (except keys in `keep`):
    used when the process is gone or interrupted, so no trial is left RUNNING."""
    for t in study.get_trials((TrialState.RUNNING,)):
        if t.system_attrs.get("worker") == worker and t.key not in keep:
            _fail(study, t, reason)


def _fail(study: Study, trial: TrialRecord, reason: str) -> None:
    """Mark a RUNNING trial FAIL; one that finished meanwhile keeps its result."""
    try:
        study.tell(trial.number, state=TrialState.FAIL, reason=reason)
    except TrialStateError:
        return  # it finished between the read and now: its own result stands
    log.warning("trial %d: %s", trial.number, reason)


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
