"""The Storage protocol: an append-only event log per study, five methods and a URL."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit, urlunsplit

from tuneforge.exceptions import StorageError, StudyNotFoundError
from tuneforge.storage.events import Event
from tuneforge.trial.records import Direction


@dataclass(frozen=True, slots=True)
class StudyRef:
    """A study's identity in one storage."""

    study_id: int
    name: str
    directions: tuple[Direction, ...]


@dataclass(frozen=True, slots=True)
class DamagedStudy:
    """A row of a storage's study table that cannot be read as a study: its id, its name
    when that much is readable, and what is wrong. `tuneforge doctor` recovers its events."""

    study_id: int
    name: str | None
    reason: str
    directions: tuple[Direction, ...] = ()  # when those are readable

    @property
    def label(self) -> str:
        """``study row 3 ('name')``: how messages name it."""
        return f"study row {self.study_id}" + ("" if self.name is None else f" ({self.name!r})")


def study_row(study_id: Any, name: Any, directions: Any) -> StudyRef | DamagedStudy:
    """A stored study row as a StudyRef, or a DamagedStudy saying which column is wrong
    (one damaged row must not break the listing of every other study)."""
    sid = int(study_id)  # the table's integer primary key: always an int
    readable = name if isinstance(name, str) and name.strip() else None
    problems = []
    if readable is None:
        problems.append(f"the name is {_cell(name)}, not a non-empty text")
    dirs: tuple[Direction, ...] = ()
    try:
        values = json.loads(directions) if isinstance(directions, str) else None
        if isinstance(values, list) and values and all(isinstance(d, str) for d in values):
            dirs = tuple(Direction(d) for d in values)
    except ValueError:  # not JSON, or not a direction
        pass
    if not dirs:
        problems.append(f"the directions are {_cell(directions)}, not a JSON list of "
                        "'minimize'/'maximize'")
    if problems:
        return DamagedStudy(sid, readable, "; ".join(problems), dirs)
    return StudyRef(sid, name, dirs)


def schema_version_problem(row: Sequence[object] | None) -> str | None:
    """What is wrong with the tuneforge_meta schema_version row, or None."""
    if row is None:
        return "the tuneforge_meta row 'schema_version' is missing"
    if not isinstance(row[0], str) or not row[0].isdigit():
        text = repr(row[0]) if not isinstance(row[0], bytes) else "bytes that are not text"
        return f"the tuneforge_meta row 'schema_version' is {text[:60]}, not a number"
    return None


def _cell(value: Any) -> str:
    """A stored cell for a message: short, and bytes that are not text said so."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"{len(bytes(value))} bytes that are not UTF-8 text"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def damaged_studies(storage: Storage) -> list[DamagedStudy]:
    """The study rows of `storage` that cannot be read (none for storages that keep no
    table of studies, such as memory)."""
    find = getattr(storage, "damaged_studies", None)
    return [] if find is None else list(find())


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
    for bad in damaged_studies(storage):
        if bad.name == name:
            raise StorageError(
                f"{bad.label} in {storage!r} is damaged: {bad.reason}. Its events are kept; "
                f"copy the readable part with: tuneforge doctor --storage {_url(storage)} "
                "--repair-to NEW.db")
    known = ", ".join(repr(s.name) for s in studies) or "none"
    raise StudyNotFoundError(f"no study named {name!r} in {storage!r} (studies: {known})")


def redact(url: str) -> str:
    """`url` with any password replaced by ``***`` (for messages and reprs)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is not None and parts.scheme and parts.password is not None:
        host = parts.netloc.rpartition("@")[2]
        netloc = f"{parts.username or ''}:***@{host}"
        url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return re.sub(r"(password\s*=\s*)('[^']*'|[^\s&]+)", r"\1***", url, flags=re.I)


def _url(storage: Storage) -> str:
    """The storage's URL for a message, any password hidden."""
    return redact(storage.url) if storage.url else "URL"
