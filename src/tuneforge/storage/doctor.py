"""Check a storage event by event, and copy its readable part to a new storage.

One corrupt event row must not cost a whole study: `check` names every event that cannot
be read or replayed, and `repair` copies every other event of every study to a fresh
storage. The source is only read. Skipping an event can make a later one inconsistent
(a ``param_set`` for a trial whose ``trial_created`` was lost): those are dropped too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tuneforge.exceptions import CorruptEventError, StorageError
from tuneforge.storage.base import Storage, StudyRef
from tuneforge.storage.events import Event, loads
from tuneforge.storage.replay import StudyState

_CHUNK = 1000  # events appended per transaction when copying


@dataclass(frozen=True, slots=True)
class BadEvent:
    """One event that `repair` would leave out: its sequence number and what is wrong.

    `readable` is False for a row that is not an event at all (damaged text), True for a
    well-formed event that does not replay (e.g. it names a trial whose creation was lost).
    """

    seq: int
    reason: str
    readable: bool


@dataclass(frozen=True, slots=True)
class StudyCheck:
    """What `check_study` found in one study; `events` are the ones that replay fine."""

    name: str
    n_events: int
    n_trials: int
    bad: tuple[BadEvent, ...]
    events: tuple[tuple[int, Event], ...]

    @property
    def ok(self) -> bool:
        return not self.bad

    @property
    def unreadable(self) -> int:
        """Rows that are not events at all."""
        return sum(not b.readable for b in self.bad)

    @property
    def dropped(self) -> int:
        """Readable events that do not replay (most often: what an unreadable one broke)."""
        return sum(b.readable for b in self.bad)


def _parse(storage: Storage, ref: StudyRef) -> tuple[list[tuple[int, Event]], list[BadEvent]]:
    """Every event of the study that parses, and those that do not."""
    read_raw = getattr(storage, "read_raw", None)
    if read_raw is None:  # a storage without raw access: its own read says what it can
        try:
            return list(storage.read(ref)), []
        except CorruptEventError as exc:
            return [], [BadEvent(-1, f"the study cannot be read: {exc}", False)]
    good: list[tuple[int, Event]] = []
    bad: list[BadEvent] = []
    for seq, text in read_raw(ref):
        try:
            good.append((seq, loads(text, where=f"event {seq}")))
        except StorageError as exc:  # CorruptEventError, or a newer format version
            reason = str(exc).replace(f"corrupt event at event {seq}: ", "")
            bad.append(BadEvent(seq, reason, False))
    return good, bad


def _replay(ref: StudyRef, events: Sequence[tuple[int, Event]]
            ) -> tuple[StudyState, list[tuple[int, Event]], list[BadEvent]]:
    """Replay skipping what fails; the state, the events kept and the ones dropped."""
    dropped: list[BadEvent] = []
    kept = list(events)
    while True:  # replayed afresh until nothing more fails: the copy replays the same
        state = StudyState(ref.directions)
        ok: list[tuple[int, Event]] = []
        failed: list[BadEvent] = []
        for seq, event in kept:
            try:
                state.apply(seq, event)
            except CorruptEventError as exc:
                failed.append(BadEvent(seq, str(exc), True))
            else:
                ok.append((seq, event))
        dropped += failed
        kept = ok
        if not failed:
            return state, kept, dropped


def check_study(storage: Storage, ref: StudyRef) -> StudyCheck:
    """Read and replay one study event by event, naming every event that fails."""
    parsed, unreadable = _parse(storage, ref)
    state, kept, dropped = _replay(ref, parsed)
    bad = tuple(sorted(unreadable + dropped, key=lambda b: b.seq))
    return StudyCheck(name=ref.name, n_events=len(parsed) + len(unreadable),
                      n_trials=len(state), bad=bad, events=tuple(kept))


def check(storage: Storage) -> list[StudyCheck]:
    """`check_study` for every study of the storage."""
    return [check_study(storage, ref) for ref in storage.list_studies()]


def repair(source: Storage, target: Storage) -> list[StudyCheck]:
    """Copy every study of `source` into the empty `target`, leaving out the bad events.

    Trials none of whose events were damaged come back identical (events keep their
    keys and times). `source` is only read; the checks returned say what was left out.
    """
    if target.list_studies():
        raise StorageError(f"{target!r} is not empty; repair copies into a new storage only")
    checks = []
    for ref in source.list_studies():
        found = check_study(source, ref)
        new = target.create_study(ref.name, ref.directions)
        events = [event for _, event in found.events]
        for start in range(0, len(events), _CHUNK):
            target.append(new, events[start:start + _CHUNK])
        checks.append(found)
    return checks
