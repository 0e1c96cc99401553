"""Check a storage row by row, and copy its readable part to a new storage.

One corrupt row must not cost a whole study: `diagnose` names every event that cannot be
read or replayed, every study row whose name or directions are damaged (its events are
still recovered), every event row that belongs to no study (re-attached to the study that
holds its trial when exactly one does), and a damaged schema version row; `repair` copies
every readable event to a fresh storage. The source is only read. Skipping an event can
make a later one inconsistent (a ``param_set`` for a trial whose ``trial_created`` was
lost, or whose distribution's ``distribution_defined`` was): those are dropped and named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tuneforge.exceptions import CorruptEventError, StorageError
from tuneforge.space.distributions import distribution_from_json
from tuneforge.storage import events as ev
from tuneforge.storage.base import DamagedStudy, Storage, StudyRef, damaged_studies
from tuneforge.storage.events import Event, loads
from tuneforge.storage.replay import StudyState
from tuneforge.trial.records import Direction

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
    directions: tuple[Direction, ...] = ()
    row_problem: str | None = None   # the study row itself is damaged (name, directions)
    study_id: int | None = None
    adopted: tuple[int, ...] = ()    # event rows of no study that belong to this one
    recovered: tuple[Event, ...] = ()  # lost distribution definitions found elsewhere

    @property
    def ok(self) -> bool:
        return not (self.bad or self.row_problem or self.adopted or self.recovered)

    @property
    def label(self) -> str:
        """How reports name the study: its name, or its row when the name is damaged."""
        if self.row_problem is None:
            return repr(self.name)
        return DamagedStudy(self.study_id or 0, self.name or None, "").label

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
    return _parse_rows(read_raw(ref))


def _parse_rows(rows: Sequence[tuple[int, Any]]
                ) -> tuple[list[tuple[int, Event]], list[BadEvent]]:
    good: list[tuple[int, Event]] = []
    bad: list[BadEvent] = []
    for seq, text in rows:
        try:
            good.append((seq, loads(text, where=f"event {seq}")))
        except StorageError as exc:  # CorruptEventError, or a newer format version
            reason = str(exc).replace(f"corrupt event at event {seq}: ", "")
            bad.append(BadEvent(seq, reason, False))
    return good, bad


def _replay(ref: StudyRef, events: Sequence[tuple[int, Event]],
            recovered: Sequence[Event] = ()
            ) -> tuple[StudyState, list[tuple[int, Event]], list[BadEvent]]:
    """Replay skipping what fails; the state, the events kept and the ones dropped.
    `recovered`: distribution definitions the study lost, found elsewhere (applied first)."""
    dropped: list[BadEvent] = []
    kept = list(events)
    while True:  # replayed afresh until nothing more fails: the copy replays the same
        state = StudyState(ref.directions)
        for definition in recovered:
            state.distributions[definition["ref"]] = distribution_from_json(
                definition["distribution"])
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
                      n_trials=len(state), bad=bad, events=tuple(kept),
                      directions=ref.directions, study_id=ref.study_id)


def check(storage: Storage) -> list[StudyCheck]:
    """`check_study` for every study of the storage (damaged study rows included)."""
    return diagnose(storage).studies


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """Everything `diagnose` found: each study (readable or with a damaged row), the
    event rows of no study that could not be given back to one, and a damaged schema."""

    studies: list[StudyCheck]
    orphans: list[BadEvent] = field(default_factory=list)
    schema_problem: str | None = None

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.studies) and not self.orphans \
            and self.schema_problem is None


def diagnose(storage: Storage) -> Diagnosis:
    """Check every row: the studies, their events, event rows of no study, the schema."""
    refs: list[tuple[StudyRef, DamagedStudy | None]] = [(r, None) for r in storage.list_studies()]
    for bad in damaged_studies(storage):
        refs.append((StudyRef(bad.study_id, bad.name or "", bad.directions), bad))
    refs.sort(key=lambda item: item[0].study_id)
    parsed = {ref.study_id: _parse(storage, ref) for ref, _ in refs}
    adopted, orphans, pool = _adopt(storage, parsed)
    for sid, moved in _misfiled(parsed).items():
        adopted.setdefault(sid, []).extend(moved)
    studies = []
    for ref, damaged in refs:
        good, unreadable = parsed[ref.study_id]
        extra = adopted.get(ref.study_id, [])
        events = sorted(good + extra, key=lambda item: item[0])
        recovered = _lost_definitions(events, pool)
        state, kept, dropped = _replay(ref, events, recovered)
        studies.append(StudyCheck(
            name=ref.name, n_events=len(events) + len(unreadable), n_trials=len(state),
            bad=tuple(sorted(unreadable + dropped, key=lambda b: b.seq)), events=tuple(kept),
            directions=ref.directions, study_id=ref.study_id,
            row_problem=None if damaged is None else damaged.reason,
            adopted=tuple(seq for seq, _ in extra), recovered=tuple(recovered)))
    return Diagnosis(studies, orphans, getattr(storage, "schema_problem", None))


def _adopt(storage: Storage, parsed: dict[int, tuple[list[tuple[int, Event]], list[BadEvent]]]
           ) -> tuple[dict[int, list[tuple[int, Event]]], list[BadEvent], dict[str, Event]]:
    """Event rows whose study_id names no study (a damaged cell): each goes back to the
    study that holds its trial when exactly one does; the rest are reported. Also every
    intact distribution definition of the storage, by ref (a study that lost its own gets
    it from here: a ref is the digest of the distribution, the same in every study)."""
    pool: dict[str, Event] = {}
    for events, _ in parsed.values():
        for _, event in events:
            _pool(pool, event)
    find = getattr(storage, "orphan_events", None)
    rows = [] if find is None else find()
    if not rows:
        return {}, [], pool
    owners: dict[str, set[int]] = {}  # trial key -> study ids
    for sid, (events, _) in parsed.items():
        for _, event in events:
            for key in _keys(event):
                owners.setdefault(key, set()).add(sid)
    adopted: dict[int, list[tuple[int, Event]]] = {}
    orphans: list[BadEvent] = []
    for seq, study_id, body in rows:
        where = f"its study_id is {study_id!r}, which names no study"
        good, bad = _parse_rows([(seq, body)])
        if bad:
            orphans.append(BadEvent(seq, f"{where}, and {bad[0].reason}", False))
            continue
        event = good[0][1]
        if event.get("type") == "distribution_defined" and _pool(pool, event):
            continue  # given to each study that uses it (`_lost_definitions`)
        trial_key = event.get("key")
        homes = owners.get(trial_key, set()) if isinstance(trial_key, str) else set()
        if len(homes) == 1:
            adopted.setdefault(homes.pop(), []).append(good[0])
        else:
            orphans.append(BadEvent(seq, f"{where}; its {event['type']} event names "
                                         f"{'no' if not homes else 'more than one'} "
                                         "study's trial, so it is not copied", True))
    return adopted, orphans, pool


def _misfiled(parsed: dict[int, tuple[list[tuple[int, Event]], list[BadEvent]]]
              ) -> dict[int, list[tuple[int, Event]]]:
    """Events filed under the wrong study (a damaged study_id that names another one):
    a trial's home is the study holding most of its events (keys are random, so a trial
    lives in one study); its events elsewhere are taken out there and given back."""
    counts: dict[str, dict[int, int]] = {}
    for sid, (events, _) in parsed.items():
        for _, event in events:
            for key in _keys(event):
                per = counts.setdefault(key, {})
                per[sid] = per.get(sid, 0) + 1
    home = {key: max(per, key=lambda s: (per[s], -s)) for key, per in counts.items()
            if len(per) > 1}
    if not home:
        return {}
    moved: dict[int, list[tuple[int, Event]]] = {}
    for sid, (events, _) in parsed.items():
        keep = []
        for seq, event in events:
            owner = event.get("key")
            if isinstance(owner, str) and home.get(owner, sid) != sid \
                    and event.get("type") != "enqueue_once":
                moved.setdefault(home[owner], []).append((seq, event))
            else:
                keep.append((seq, event))
        events[:] = keep
    return moved


def _pool(pool: dict[str, Event], event: Event) -> bool:
    """Add a distribution_defined event whose ref is its distribution's digest."""
    if event.get("type") != "distribution_defined":
        return False
    try:
        if ev.distribution_ref(event["distribution"]) != event["ref"]:
            return False
        distribution_from_json(event["distribution"])
    except (KeyError, TypeError, ValueError):
        return False
    pool.setdefault(event["ref"], {k: v for k, v in event.items() if k != "t"})
    return True


def _lost_definitions(events: Sequence[tuple[int, Event]], pool: dict[str, Event]
                      ) -> list[Event]:
    """The definitions a study's params use that it does not hold, found in the pool."""
    defined = {e.get("ref") for _, e in events if _pool({}, e)}  # intact ones only
    used = {e.get("distribution_ref") for _, e in events
            if e.get("type") == "param_set" and isinstance(e.get("distribution_ref"), str)}
    return [pool[r] for r in sorted(used - defined, key=str) if r in pool]


def _keys(event: Event) -> list[str]:
    """The trial keys an event names (an enqueue_once names several)."""
    keys: list[Any] = [event.get("key")]
    if event.get("type") == "enqueue_once" and isinstance(event.get("trials"), list):
        keys += [t.get("key") for t in event["trials"] if isinstance(t, dict)]
    return [k for k in keys if isinstance(k, str)]


def repair(source: Storage, target: Storage) -> Diagnosis:
    """Copy every study of `source` into the empty `target`, leaving out the bad events.

    Trials none of whose events were damaged come back identical (events keep their
    keys and times). A study row whose name is damaged is copied as
    ``recovered-study-<row>``; one whose directions are damaged as minimizing (as many
    objectives as its trials have values), with a study system attribute ``doctor`` that
    says so. `source` is only read; the diagnosis returned says what was left out.
    """
    if target.list_studies():
        raise StorageError(f"{target!r} is not empty; repair copies into a new storage only")
    found = diagnose(source)
    names = {c.name for c in found.studies if c.row_problem is None}
    for check_ in found.studies:
        name, directions, note = _identity(check_, names)
        new = target.create_study(name, directions)
        events = list(check_.recovered) + [event for _, event in check_.events]
        if note is not None:
            events.append(ev.attr_set(None, "doctor", note, scope="system"))
        for start in range(0, len(events), _CHUNK):
            target.append(new, events[start:start + _CHUNK])
    return found


def _identity(found: StudyCheck, taken: set[str]
              ) -> tuple[str, tuple[Direction, ...], str | None]:
    """The name and directions a study is copied with, and a note when they are guessed."""
    if found.row_problem is None:
        return found.name, found.directions, None
    name = found.name
    if not name or name in taken:
        name = f"recovered-study-{found.study_id}"
        while name in taken:
            name += "-"
    taken.add(name)
    note = (f"copied by tuneforge doctor from damaged study row {found.study_id} "
            f"({found.row_problem})")
    directions = found.directions
    if not directions:
        state = StudyState(())
        state.apply_all(found.events)
        n = max((len(t.values) for t in state.trials() if t.values), default=1)
        directions = (Direction.MINIMIZE,) * n
        note += f"; its directions were unreadable, set to {n} x minimize: check them"
    return name, directions, note
