"""The Storage protocol: an append-only event log per study, five methods and a URL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from tuneforge.exceptions import StudyNotFoundError
from tuneforge.storage.events import Event
from tuneforge.trial.records import Direction


@dataclass(frozen=True, slots=True)
class StudyRef:
    """A study's identity in one storage."""

    study_id: int
    name: str
    directions: tuple[Direction, ...]


@runtime_checkable
class Storage(Protocol):
    """Where studies live. Appends are atomic; `read` returns events in sequence order.

    Sequence numbers increase with commit order within a study, so a reader that asks
    for events `after` the last one it saw never skips one. `url` reopens the same
    storage in another process (worker processes, Ray); None when it cannot be shared
    (in memory).
    """

    @property
    def url(self) -> str | None: ...

    def create_study(self, name: str, directions: Sequence[Direction], *,
                     exist_ok: bool = False) -> StudyRef: ...

    def list_studies(self) -> Sequence[StudyRef]: ...

    def delete_study(self, study: StudyRef) -> None: ...

    def append(self, study: StudyRef, events: Sequence[Event]) -> int: ...

    def read(self, study: StudyRef, *, after: int = -1) -> Sequence[tuple[int, Event]]: ...


def find_study(storage: Storage, name: str) -> StudyRef:
    """The study called `name`, or StudyNotFoundError listing the ones that exist."""
    studies = storage.list_studies()
    for ref in studies:
        if ref.name == name:
            return ref
    known = ", ".join(repr(s.name) for s in studies) or "none"
    raise StudyNotFoundError(f"no study named {name!r} in {storage!r} (studies: {known})")
