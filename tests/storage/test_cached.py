"""Cached readers: a live StudyView that applies only new events, the History handed to
strategies, and fixed Snapshots."""

import pytest

from tuneforge.exceptions import TuneforgeError
from tuneforge.storage import InMemoryStorage
from tuneforge.storage import events as ev
from tuneforge.storage.cached import Snapshot, StateHistory, StudyView
from tuneforge.trial.records import Direction, TrialRecord, TrialState

MIN = (Direction.MINIMIZE,)


class CountingStorage(InMemoryStorage):
    """Remembers the `after` of each read, to see what a refresh asks for."""

    def __init__(self):
        super().__init__()
        self.reads = []

    def read(self, study, *, after=-1):
        self.reads.append(after)
        return super().read(study, after=after)


def test_a_view_reads_only_what_it_has_not_seen():
    storage = CountingStorage()
    ref = storage.create_study("s", MIN)
    view = StudyView(storage, ref)
    seq = view.append([ev.trial_created("a", state="RUNNING")])
    assert view.state.last_seq == seq  # append catches up at once
    other = StudyView(storage, ref)  # another handle writes
    later = other.append([ev.finished("a", "COMPLETE", [1.0])])
    assert [t.state for t in view.trials()] == [TrialState.COMPLETE]
    assert storage.reads[-1] == seq  # only the events after the last one it saw
    assert view.trials((TrialState.RUNNING,)) == []
    assert storage.reads[-1] == later
    assert view.directions == MIN


def test_the_seed_comes_from_the_stored_study_attribute():
    storage = InMemoryStorage()
    view = StudyView(storage, storage.create_study("s", MIN))
    with pytest.raises(TuneforgeError, match="no stored seed yet"):
        _ = view.seed
    view.append([ev.attr_set(None, "seed", 7, scope="system", once=True)])
    assert view.seed == 7
    history = StateHistory(view.state)
    assert history.seed == 7 and history.directions == MIN and history.trials() == []


def test_a_snapshot_is_a_fixed_history_filtered_by_state():
    done = TrialRecord(number=0, key="a", state=TrialState.COMPLETE, values=(1.0,))
    running = TrialRecord(number=1, key="b", state=TrialState.RUNNING)
    snap = Snapshot(MIN, [done, running], seed=3)
    assert snap.trials() == [done, running] and snap.seed == 3 and snap.directions == MIN
    assert snap.trials((TrialState.COMPLETE,)) == [done]
    snap.trials().clear()  # a copy: the snapshot is unchanged
    assert len(snap.trials()) == 2
