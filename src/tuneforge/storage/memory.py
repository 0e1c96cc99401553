"""In-memory storage: the default for a single process; nothing survives the process."""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Sequence

from tuneforge.exceptions import DuplicatedStudyError, StorageError
from tuneforge.storage.base import StudyRef
from tuneforge.storage.events import Event, dumps, loads
from tuneforge.trial.records import Direction


def _seq(entry: tuple[int, str]) -> int:
    return entry[0]


class InMemoryStorage:
    """Events kept in Python lists; thread-safe. Events are JSON-checked like on disk."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._studies: dict[int, StudyRef] = {}
        self._events: dict[int, list[tuple[int, str]]] = {}
        self._next_study = 1
        self._seq = 0

    @property
    def url(self) -> None:
        """None: an in-memory storage cannot be opened by another process."""
        return None

    def __repr__(self) -> str:
        return "InMemoryStorage()"

    def create_study(self, name: str, directions: Sequence[Direction], *,
                     exist_ok: bool = False) -> StudyRef:
        with self._lock:
            for ref in self._studies.values():
                if ref.name == name:
                    if exist_ok:
                        return ref
                    raise DuplicatedStudyError(f"a study named {name!r} already exists")
            ref = StudyRef(self._next_study, name, tuple(directions))
            self._next_study += 1
            self._studies[ref.study_id] = ref
            self._events[ref.study_id] = []
            return ref

    def list_studies(self) -> Sequence[StudyRef]:
        with self._lock:
            return list(self._studies.values())

    def delete_study(self, study: StudyRef) -> None:
        with self._lock:
            self._check(study)
            del self._studies[study.study_id]
            del self._events[study.study_id]

    def _check(self, study: StudyRef) -> None:
        if study.study_id not in self._studies:
            raise StorageError(f"study {study.name!r} does not exist (was it deleted?)")

    def append(self, study: StudyRef, events: Sequence[Event]) -> int:
        now = time.time()
        # kept as JSON text, like on disk: same rules, and no caller can mutate the log
        stamped = [dumps(e if "t" in e else dict(e, t=now)) for e in events]
        with self._lock:
            self._check(study)
            log = self._events[study.study_id]
            if not stamped:
                return log[-1][0] if log else -1
            for e in stamped:
                self._seq += 1
                log.append((self._seq, e))
            return self._seq

    def read(self, study: StudyRef, *, after: int = -1) -> Sequence[tuple[int, Event]]:
        with self._lock:
            self._check(study)
            log = self._events[study.study_id]
            if not log or log[-1][0] <= after:
                return []  # nothing new: a reader that keeps up asks often
            # seqs are increasing: the first one after `after` (a reader that keeps up
            # asks for the last few events: found from the end; else bisected)
            lo = len(log)
            while lo > 0 and log[lo - 1][0] > after and len(log) - lo < 8:
                lo -= 1
            if lo > 0 and log[lo - 1][0] > after:
                lo = bisect.bisect_right(log, after, hi=lo, key=_seq)
            tail = log[lo:]
        return [(seq, loads(text, where=f"memory event {seq}")) for seq, text in tail]

    def read_raw(self, study: StudyRef) -> Sequence[tuple[int, str]]:
        """A study's stored event texts, unparsed (`tuneforge doctor`)."""
        with self._lock:
            self._check(study)
            return list(self._events[study.study_id])
