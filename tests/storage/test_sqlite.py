"""SQLite specifics: WAL, schema checks, refusing foreign files, many processes."""

from __future__ import annotations

import os
import pickle
import sqlite3

import pytest

from tuneforge.exceptions import StorageError, StorageVersionError
from tuneforge.storage import SQLiteStorage, open_storage
from tuneforge.storage import events as ev
from tuneforge.testing import run_process_appends
from tuneforge.trial.records import Direction

MIN = (Direction.MINIMIZE,)


def test_wal_mode_is_set(tmp_path) -> None:
    path = tmp_path / "s.db"
    SQLiteStorage(path).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"


def test_newer_schema_version_refused(tmp_path) -> None:
    path = tmp_path / "s.db"
    SQLiteStorage(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE tuneforge_meta SET value='999' WHERE key='schema_version'")
    with pytest.raises(StorageVersionError, match="999"):
        SQLiteStorage(path)


def test_missing_schema_version_is_an_error(tmp_path) -> None:
    path = tmp_path / "s.db"
    SQLiteStorage(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM tuneforge_meta")
    with pytest.raises(StorageError, match="corrupt"):
        SQLiteStorage(path)


def test_random_bytes_file_names_path(tmp_path) -> None:
    path = tmp_path / "noise.db"
    path.write_bytes(os.urandom(8192))
    with pytest.raises(StorageError) as info:
        SQLiteStorage(path)
    assert str(path) in str(info.value)


def test_read_only_missing_file(tmp_path) -> None:
    path = tmp_path / "missing.db"
    with pytest.raises(StorageError, match="missing.db"):
        SQLiteStorage(path, read_only=True)
    assert not path.exists()


def test_read_only_reads_but_does_not_write(tmp_path) -> None:
    path = tmp_path / "s.db"
    writer = SQLiteStorage(path)
    ref = writer.create_study("s", MIN)
    writer.append(ref, [ev.attr_set(None, "a", scope="user", value=1)])
    reader = open_storage(f"sqlite:///{path}", read_only=True)
    assert reader.list_studies() == [ref]
    assert [e["value"] for _, e in reader.read(ref)] == [1]
    with pytest.raises(StorageError, match="read-only"):
        reader.append(ref, [ev.attr_set(None, "a", scope="user", value=2)])
    writer.close()


def test_foreign_database_refused(tmp_path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    with pytest.raises(StorageError, match="customers"):
        SQLiteStorage(path)
    with sqlite3.connect(path) as conn:  # untouched
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"customers"}


def test_missing_folder(tmp_path) -> None:
    with pytest.raises(StorageError, match="does not exist"):
        SQLiteStorage(tmp_path / "nope" / "s.db")


def test_pickle_sends_only_the_path(tmp_path) -> None:
    storage = SQLiteStorage(tmp_path / "s.db")
    ref = storage.create_study("s", MIN)
    clone = pickle.loads(pickle.dumps(storage))
    assert clone.list_studies() == [ref]
    assert clone.url == f"sqlite:///{tmp_path / 's.db'}"
    storage.close()
    clone.close()


def test_processes_append_to_one_file(tmp_path) -> None:
    storage = SQLiteStorage(tmp_path / "shared.db")
    ref = storage.create_study("shared", MIN)
    run_process_appends(storage, ref, processes=4, n_events=50)
    assert len(storage.read(ref)) == 200
    storage.close()


def test_locked_database_gives_a_clear_error_and_keeps_the_result(tmp_path):
    import sqlite3

    import tuneforge as tf

    path = tmp_path / "locked.db"
    study = tf.create_study(study_name="s", storage=tf.SQLiteStorage(path, timeout=0.3))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another program holds the write lock
    try:
        with pytest.raises(tf.StorageError, match=r"locked\.db.*locked"):
            study.optimize(lambda t: 0.5, n_trials=1)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    done = tf.load_study("s", storage=f"sqlite:///{path}").trials
    assert sum(t.state is tf.TrialState.COMPLETE for t in done) == 2


def test_result_that_cannot_be_stored_is_named_in_the_error(tmp_path):
    import sqlite3

    import tuneforge as tf

    path = tmp_path / "late.db"
    study = tf.create_study(study_name="s", storage=tf.SQLiteStorage(path, timeout=0.3))

    def objective(trial):
        trial.suggest_float("x", 0, 1)
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        objective.blocker = blocker
        return 0.25

    try:
        with pytest.raises(tf.StorageError, match=r"trial 0 finished with 0.25"):
            study.optimize(objective, n_trials=1)
    finally:
        objective.blocker.execute("ROLLBACK")
        objective.blocker.close()


def test_load_and_delete_never_create_a_database(tmp_path) -> None:
    import tuneforge as tf

    typo = tmp_path / "studdy.db"
    for call in (tf.load_study, tf.delete_study):
        with pytest.raises(StorageError, match="studdy.db"):
            call("s", storage=f"sqlite:///{typo}")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(StorageError, match="no tuneforge database"):
        open_storage(f"sqlite:///{typo}", must_exist=True)
    assert not typo.exists()


def test_load_study_writes_to_an_existing_file(tmp_path) -> None:
    import tuneforge as tf

    url = f"sqlite:///{tmp_path / 's.db'}"
    tf.create_study(study_name="s", storage=url)
    study = tf.load_study("s", storage=url)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert len(tf.load_study("s", storage=url).trials) == 2
    restored = pickle.loads(pickle.dumps(study.storage))
    assert restored.must_exist


def test_processes_defining_one_distribution_at_once_all_read_it(tmp_path) -> None:
    from tests.storage._define import CHOICES, define_at_once
    from tuneforge import Categorical, Float

    trials = define_at_once(f"sqlite:///{tmp_path / 'defined.db'}")
    assert len(trials) == 6
    for t in trials:
        assert t.distributions == {"c": Categorical(tuple(CHOICES)), "x": Float(0.0, 1.0)}
        assert t.params["c"] in CHOICES
