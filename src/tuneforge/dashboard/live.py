"""The server's live copy of each study: replayed once, then kept current by reading only
the events after the last one seen, with a log of which trials each event changed (the
`?after=N` cursor the page polls)."""

from __future__ import annotations

import bisect
import gc
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from tuneforge.dashboard.plots import Features
from tuneforge.exceptions import CorruptEventError, StorageError, StudyNotFoundError
from tuneforge.storage.base import Storage, StudyRef
from tuneforge.storage.bulk import BULK_EVENTS, gc_paused
from tuneforge.storage.cached import corrupt_message
from tuneforge.storage.replay import StudyState
from tuneforge.trial.records import TrialRecord


class LiveStudy:
    """One study's replayed state, its change log, and caches keyed by the cursor."""

    def __init__(self, storage: Storage, ref: StudyRef) -> None:
        self.storage = storage
        self.ref = ref
        self.state = StudyState(ref.directions)
        self._lock = threading.RLock()
        self._numbers: dict[str, int] = {}     # trial key -> number
        self._log_seq: list[int] = []          # change log: seq of each change ...
        self._log_num: list[int] = []          # ... and the trial it changed (-1: the study)
        self._cache: dict[Any, tuple[Any, Any]] = {}
        self._checked = 0.0
        self._features = Features(ref.directions)

    @property
    def lock(self) -> threading.RLock:
        """Held while the study changes: hold it to read trials and features together."""
        return self._lock

    @property
    def cursor(self) -> int:
        """The sequence number of the last event applied."""
        return self.state.last_seq

    def refresh(self, *, min_interval: float = 0.0) -> int:
        """Apply the events appended since the last refresh (at most once per
        `min_interval` seconds); returns the cursor."""
        with self._lock:
            now = time.monotonic()
            if now - self._checked < min_interval:
                return self.cursor
            self._checked = now
            # the first read of a big study makes millions of objects, none garbage
            with gc_paused(self.state.last_seq < 0):
                return self._apply_new()

    def _apply_new(self) -> int:
        try:
            events = self.storage.read(self.ref, after=self.state.last_seq)
        except CorruptEventError as exc:
            raise CorruptEventError(corrupt_message(self.storage, self.ref.name, exc)) \
                from None
        except StorageError as exc:
            # a writer holding the file for a moment (SQLite's checkpoint at a worker's
            # exit): a loaded study keeps what it has and the next poll reads again
            if self.state.last_seq >= 0 and _transient(exc):
                return self.cursor
            raise
        if not events:
            return self.cursor
        before = len(self.state)
        try:
            self.state.apply_all(events)
        except CorruptEventError as exc:
            raise CorruptEventError(corrupt_message(self.storage, self.ref.name, exc)) \
                from None
        if len(self.state) > before:
            for t in self.state.trials()[before:]:
                self._numbers[t.key] = t.number
        for seq, ev in events:
            key = ev.get("key")
            if ev["type"] == "enqueue_once":
                for spec in ev.get("trials", ()):
                    self._log(seq, self._numbers.get(spec.get("key"), -1))
            elif key is None:
                self._log(seq, -1)
            else:
                self._log(seq, self._numbers.get(key, -1))
        return self.cursor

    def _log(self, seq: int, number: int) -> None:
        if self._log_seq and self._log_seq[-1] == seq and self._log_num[-1] == number:
            return
        self._log_seq.append(seq)
        self._log_num.append(number)

    def changed_since(self, after: int) -> tuple[list[int], bool]:
        """The trial numbers changed by events after `after` (sorted), and whether a
        study-level attribute changed."""
        with self._lock:
            i = bisect.bisect_right(self._log_seq, after)
            nums = set(self._log_num[i:])
        study = -1 in nums
        nums.discard(-1)
        return sorted(nums), study

    def trials(self) -> list[TrialRecord]:
        with self._lock:
            return self.state.trials()

    def trial(self, number: int) -> TrialRecord:
        with self._lock:
            trials = self.state.trials()
        if not 0 <= number < len(trials):
            raise KeyError(f"study {self.ref.name!r} has no trial {number} "
                           f"(trials 0..{len(trials) - 1})")
        return trials[number]

    def _features_now(self) -> Features:
        """The features, updated from the trials changed since they were last read."""
        with self._lock:
            f = self._features
            if f.seen != self.cursor:
                numbers, _ = self.changed_since(f.seen)
                trials = self.state.trials()
                with gc_paused(len(numbers) >= BULK_EVENTS):
                    f.update([trials[n] for n in numbers if n < len(trials)])
                f.seen = self.cursor
            return f

    def features(self) -> Features:
        """The study's incrementally kept features (frame, counts, best), up to date."""
        return self._features_now()

    def plots(self) -> list[str]:
        """The plots this study has data for."""
        return self._features_now().plots(len(self.ref.directions))

    def param_names(self) -> list[str]:
        """The parameters of the COMPLETE trials, in first-seen order."""
        return list(self._features_now().params)

    def cached_value(self, key: Any, stamp: Any) -> Any:
        """The value cached for `key` under `stamp`, or None."""
        hit = self._cache.get(key)
        return hit[1] if hit is not None and hit[0] == stamp else None

    def store(self, key: Any, stamp: Any, value: Any) -> None:
        """Cache `value` for `key` under `stamp` (see `cached`)."""
        self._cache[key] = (stamp, value)

    def cached(self, key: Any, build: Callable[[], Any], *, stamp: Any = None) -> Any:
        """`build()` once per `stamp` (default: the cursor) for `key` (figures, sorted
        tables, importance)."""
        stamp = self.cursor if stamp is None else stamp
        hit = self._cache.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        value = build()
        self._cache[key] = (stamp, value)
        return value


def _transient(exc: Exception) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class LiveStorage:
    """Every study of one storage, each loaded on first use and refreshed on request."""

    def __init__(self, storage: Storage, *, min_interval: float = 0.2) -> None:
        self.storage = storage
        self.min_interval = min_interval
        self._studies: dict[str, LiveStudy] = {}
        self._lock = threading.Lock()
        self._refs: Sequence[StudyRef] | None = None

    def refs(self) -> Sequence[StudyRef]:
        """The storage's studies. A writer holding the file for a moment (SQLite's
        checkpoint when a writing process exits) gives the last list read instead of an
        error, as a loaded study keeps its trials (`LiveStudy.refresh`)."""
        try:
            self._refs = self.storage.list_studies()
        except StorageError as exc:
            if self._refs is None or not _transient(exc):
                raise
        return self._refs

    def study(self, name: str) -> LiveStudy:
        """The live study `name`, brought up to date."""
        with self._lock:
            live = self._studies.get(name)
            if live is None:
                refs = self.refs()
                ref = next((r for r in refs if r.name == name), None)
                if ref is None:
                    known = ", ".join(repr(r.name) for r in refs)
                    raise StudyNotFoundError(f"no study named {name!r} "
                                             f"(studies: {known or 'none'})")
                live = self._studies[name] = LiveStudy(self.storage, ref)
        live.refresh(min_interval=self.min_interval)
        return live

    def warm(self) -> None:
        """Load every study now (a server does this in the background at start-up)."""
        from tuneforge.dashboard.plots import warm_up

        warm_up()
        for ref in self.refs():
            try:
                self.study(ref.name).features()
            except CorruptEventError:
                continue  # reported when the study is opened
        # what is loaded now lives as long as the server: later collections skip it
        # instead of rescanning millions of objects (a pause of a second per poll)
        gc.freeze()


__all__ = ["LiveStorage", "LiveStudy"]
