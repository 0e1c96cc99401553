"""LiveStudy: replayed once, then only the events after the cursor; which trials changed."""

import tuneforge as tf
from tuneforge.dashboard.live import LiveStorage
from tuneforge.storage.memory import InMemoryStorage


class Reads(InMemoryStorage):
    def __init__(self):
        super().__init__()
        self.afters = []

    def read(self, study, *, after=-1):
        self.afters.append(after)
        return super().read(study, after=after)


def test_change_log_names_the_trials_each_event_touched():
    storage = Reads()
    study = tf.create_study("s", storage=storage)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    hub = LiveStorage(storage, min_interval=0.0)
    live = hub.study("s")
    assert len(live.trials()) == 3
    cursor = live.cursor
    assert live.changed_since(-1)[0] == [0, 1, 2]
    assert live.changed_since(cursor) == ([], False)
    study.enqueue_trial({"x": 0.5})
    study.set_user_attr("note", "hello")
    hub.study("s")
    numbers, study_changed = live.changed_since(cursor)
    assert numbers == [3] and study_changed
    assert storage.afters[-1] == cursor  # only the new events were read
    assert live.trial(3).state.value == "WAITING"
    assert live.plots() == ["history", "parallel", "slice", "importance", "edf", "timeline"]


def test_cache_is_rebuilt_only_when_the_cursor_moves():
    storage = InMemoryStorage()
    study = tf.create_study("s", storage=storage)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    hub = LiveStorage(storage, min_interval=0.0)
    live = hub.study("s")
    calls = []
    build = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert live.cached("k", build) == 1 and live.cached("k", build) == 1
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    hub.study("s")
    assert live.cached("k", build) == 2


def test_unknown_study_is_named():
    import pytest

    from tuneforge.exceptions import StudyNotFoundError

    storage = InMemoryStorage()
    tf.create_study("a", storage=storage)
    with pytest.raises(StudyNotFoundError, match="no study named 'b'.*'a'"):
        LiveStorage(storage).study("b")


def test_a_busy_study_list_gives_the_last_one_read_and_other_errors_still_raise():
    import pytest

    from tuneforge.exceptions import StorageError

    class Busy(InMemoryStorage):
        error = None

        def list_studies(self):
            if self.error is not None:
                raise StorageError(self.error)
            return super().list_studies()

    storage = Busy()
    tf.create_study("s", storage=storage).optimize(lambda t: t.suggest_float("x", 0, 1),
                                                   n_trials=2)
    storage.error = "SQLite error on 'x.db': database is locked"
    with pytest.raises(StorageError, match="locked"):  # nothing read yet: said so
        LiveStorage(storage).refs()
    storage.error = None
    hub = LiveStorage(storage, min_interval=0.0)
    assert [r.name for r in hub.refs()] == ["s"]
    storage.error = "SQLite error on 'x.db': database is locked"
    assert [r.name for r in hub.refs()] == ["s"]        # a writer's moment: the last list
    assert len(hub.study("s").trials()) == 2            # and a study can still be opened
    storage.error = "SQLite error on 'x.db': file is not a database"
    with pytest.raises(StorageError, match="not a database"):
        hub.refs()
