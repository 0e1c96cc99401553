"""A cached reader: keeps a study's replayed state and applies only events it has not seen.

A 10,000-trial study is read once; after that each refresh costs the new events only.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from typing import Any

from tuneforge.exceptions import CorruptEventError, TuneforgeError
from tuneforge.storage.base import Storage, StudyRef, redact
from tuneforge.storage.events import Event
from tuneforge.storage.replay import StudyState
from tuneforge.trial.records import Direction, TrialRecord, TrialState


def _stored_seed(system_attrs: Mapping[str, Any]) -> int:
    seed = system_attrs.get("seed")
    if seed is None:  # Study.seed stores it before any strategy is asked
        raise TuneforgeError("this study has no stored seed yet (Study.seed stores it)")
    return int(seed)


def corrupt_message(storage: Storage, study: str, exc: Exception) -> str:
    """What a damaged study's error says: the study, the event and the way out."""
    url = redact(storage.url) if storage.url else "URL"
    return (f"study {study!r} cannot be loaded: {exc}. The other studies are not affected; "
            f"`tuneforge doctor --storage {url}` lists every bad event, and with "
            f"`--repair-to NEW.db` copies every readable event to a new file")


class StudyView:
    """Live, read-mostly view of one study in one storage (a History for samplers)."""

    def __init__(self, storage: Storage, ref: StudyRef) -> None:
        self.storage = storage
        self.ref = ref
        self.state = StudyState(ref.directions)

    @property
    def directions(self) -> tuple[Direction, ...]:
        return self.ref.directions

    @property
    def seed(self) -> int:
        """The stored study seed."""
        return _stored_seed(self.state.system_attrs)

    def refresh(self) -> StudyState:
        """Apply the events appended since the last refresh; returns the state."""
        try:
            self.state.apply_all(self.storage.read(self.ref, after=self.state.last_seq))
        except CorruptEventError as exc:
            raise CorruptEventError(corrupt_message(self.storage, self.ref.name, exc)) from None
        return self.state

    def append(self, events: Sequence[Event]) -> int:
        """Append atomically, then catch up so the view includes what was written."""
        seq = self.storage.append(self.ref, events)
        self.refresh()
        return seq

    def trials(self, states: Container[TrialState] | None = None) -> list[TrialRecord]:
        return self.refresh().trials(states)


class StateHistory:
    """The History a sampler or pruner is handed: the replayed state as it is now, read
    only when asked (a sampler that ignores the history costs nothing)."""

    def __init__(self, state: StudyState) -> None:
        self._state = state

    @property
    def directions(self) -> tuple[Direction, ...]:
        return self._state.directions

    @property
    def seed(self) -> int:
        """The stored study seed."""
        return _stored_seed(self._state.system_attrs)

    def trials(self, states: Container[TrialState] | None = None) -> list[TrialRecord]:
        return self._state.trials(states)


class Snapshot:
    """A fixed History over given trials (tests, replays, conformance suites)."""

    def __init__(self, directions: tuple[Direction, ...], trials: list[TrialRecord], *,
                 seed: int = 0) -> None:
        self._directions = directions
        self._trials = trials
        self._seed = int(seed)

    @property
    def directions(self) -> tuple[Direction, ...]:
        return self._directions

    @property
    def seed(self) -> int:
        return self._seed

    def trials(self, states: Container[TrialState] | None = None) -> list[TrialRecord]:
        if states is None:
            return list(self._trials)
        return [t for t in self._trials if t.state in states]
