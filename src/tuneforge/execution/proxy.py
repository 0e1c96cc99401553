"""A storage that forwards to the driver process: how workers share an in-memory study.

An in-memory study cannot be opened by another process, so a worker's storage calls go
through its pipe to the supervisor, which answers them from the study's own storage.
The events are plain JSON values; nothing here is written to disk.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from typing import Any

from tuneforge.exceptions import StorageError
from tuneforge.storage.base import Storage, StudyRef
from tuneforge.storage.events import Event
from tuneforge.trial.records import Direction

# the Storage methods a worker may call on the driver's storage ("append_read": an
# append whose answer carries the events after a cursor, saving the read that follows)
SERVED = frozenset({"create_study", "list_studies", "append", "read", "append_read"})


class ProxyStorage:
    """Storage calls sent as ``("call", id, method, args)`` through `send`; the answer
    ``(ok, value)`` comes back from `receive` (thread-safe: one call at a time)."""

    def __init__(self, send: Callable[[Any], None], receive: Callable[[int], Any]) -> None:
        self._send = send
        self._receive = receive
        self._lock = threading.Lock()
        self._ids = itertools.count()
        # per study: the seq a reader has read up to, and the events after it that came
        # with the last append (a view refreshes right after its append: no second trip)
        self._cursor: dict[str, int] = {}
        self._prefetched: tuple[str, int, Sequence[tuple[int, Event]]] | None = None

    @property
    def url(self) -> None:
        """None: the driver's storage is reachable only through this worker's pipe."""
        return None

    def __repr__(self) -> str:
        return "ProxyStorage(driver)"

    def _call(self, method: str, *args: Any) -> Any:
        with self._lock:
            call_id = next(self._ids)
            self._send(("call", call_id, method, args))
            ok, value = self._receive(call_id)
        if not ok:
            raise value if isinstance(value, BaseException) else StorageError(str(value))
        return value

    def create_study(self, name: str, directions: Sequence[Direction], *,
                     exist_ok: bool = False) -> StudyRef:
        ref: StudyRef = self._call("create_study", name, tuple(directions), exist_ok)
        return ref

    def list_studies(self) -> Sequence[StudyRef]:
        refs: Sequence[StudyRef] = self._call("list_studies")
        return refs

    def delete_study(self, study: StudyRef) -> None:
        raise StorageError("a worker may not delete the driver's study")

    def append(self, study: StudyRef, events: Sequence[Event]) -> int:
        after = self._cursor.get(study.name)
        if after is None:
            seq: int = self._call("append", study, list(events))
            return seq
        seq, new = self._call("append_read", study, list(events), after)
        self._prefetched = (study.name, after, new)
        return seq

    def read(self, study: StudyRef, *, after: int = -1) -> Sequence[tuple[int, Event]]:
        """Events after `after`; served from the last append's answer when that was
        taken at the same cursor (as fresh as a read made at the append)."""
        with self._lock:
            held, self._prefetched = self._prefetched, None
        if held is not None and held[0] == study.name and held[1] == after:
            out = held[2]
        else:
            out = self._call("read", study, after)
        with self._lock:
            self._cursor[study.name] = out[-1][0] if out else after
        return out


def serve(storage: Storage, method: str, args: tuple[Any, ...]) -> tuple[bool, Any]:
    """Answer one worker call on the driver's `storage`: (True, result) or (False, error)."""
    if method not in SERVED:
        return False, StorageError(f"a worker asked for storage method {method!r}, "
                                   f"which is not served (only {sorted(SERVED)})")
    try:
        if method == "create_study":
            name, directions, exist_ok = args
            return True, storage.create_study(name, directions, exist_ok=exist_ok)
        if method == "list_studies":
            return True, list(storage.list_studies())
        if method == "append":
            return True, storage.append(args[0], args[1])
        if method == "append_read":
            seq = storage.append(args[0], args[1])
            return True, (seq, list(storage.read(args[0], after=args[2])))
        return True, list(storage.read(args[0], after=args[1]))
    except Exception as exc:  # sent back to the worker and raised there
        return False, exc


__all__ = ["ProxyStorage", "serve"]
