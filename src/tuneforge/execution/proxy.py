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

# the Storage methods a worker may call on the driver's storage
SERVED = frozenset({"create_study", "list_studies", "append", "read"})


class ProxyStorage:
    """Storage calls sent as ``("call", id, method, args)`` through `send`; the answer
    ``(ok, value)`` comes back from `receive` (thread-safe: one call at a time)."""

    def __init__(self, send: Callable[[Any], None], receive: Callable[[int], Any]) -> None:
        self._send = send
        self._receive = receive
        self._lock = threading.Lock()
        self._ids = itertools.count()

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
        seq: int = self._call("append", study, list(events))
        return seq

    def read(self, study: StudyRef, *, after: int = -1) -> Sequence[tuple[int, Event]]:
        out: Sequence[tuple[int, Event]] = self._call("read", study, after)
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
        return True, list(storage.read(args[0], after=args[1]))
    except Exception as exc:  # sent back to the worker and raised there
        return False, exc


__all__ = ["ProxyStorage", "serve"]
