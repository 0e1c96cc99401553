"""The SQLite file over its life: deleted while open, the -wal file at exit, backups."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import tuneforge as tf
from tuneforge import StorageError, TrialState
from tuneforge.storage.sqlite import SQLiteStorage
from tuneforge.trial.records import Direction


def _quadratic(trial):
    x = trial.suggest_float("x", -5, 5)
    return x * x


def test_a_database_deleted_during_a_run_stops_it_with_a_clear_error(tmp_path):
    db = tmp_path / "run.db"
    study = tf.create_study(study_name="s", storage=f"sqlite:///{db}", seed=0)

    def objective(trial):
        if trial.number == 10:
            for suffix in ("", "-wal", "-shm"):
                (tmp_path / f"run.db{suffix}").unlink(missing_ok=True)
        return _quadratic(trial)

    with pytest.raises(StorageError, match="deleted or moved"):
        study.optimize(objective, n_trials=30)
    assert not db.exists()  # nothing recreated it, and no later trial was "stored"


def test_a_replaced_database_file_is_refused(tmp_path):
    db = tmp_path / "run.db"
    study = tf.create_study(study_name="s", storage=f"sqlite:///{db}")
    study.optimize(_quadratic, n_trials=2)
    other = tmp_path / "other.db"
    tf.create_study(study_name="s", storage=f"sqlite:///{other}")
    os.replace(other, db)
    with pytest.raises(StorageError, match="replaced by another file"):
        study.optimize(_quadratic, n_trials=2)


def test_a_chdir_is_not_a_moved_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    study = tf.create_study(study_name="s", storage="sqlite:///rel.db")
    monkeypatch.chdir("/")
    study.optimize(_quadratic, n_trials=2)
    assert len(study.trials) == 2


def test_a_finished_script_leaves_everything_in_the_db_file(tmp_path):
    """The .db file alone (copied without its -wal) holds every trial after the run."""
    db = tmp_path / "run.db"
    script = (
        "import tuneforge as tf\n"
        f"study = tf.create_study(study_name='s', storage='sqlite:///{db}')\n"
        "study.optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=300)\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    wal = tmp_path / "run.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    copy = tmp_path / "copy" / "run.db"
    copy.parent.mkdir()
    shutil.copy(db, copy)  # the .db alone, as a user would copy it
    loaded = tf.load_study("s", storage=f"sqlite:///{copy}")
    assert len(loaded.trials) == 300


def test_backup_is_a_consistent_copy_while_the_study_is_open(tmp_path):
    db = tmp_path / "live.db"
    study = tf.create_study(study_name="s", storage=f"sqlite:///{db}", seed=1)
    study.optimize(_quadratic, n_trials=25)
    target = study.storage.backup(tmp_path / "backup.db")
    assert not (tmp_path / "backup.db-wal").exists()
    copy = tf.load_study("s", storage=f"sqlite:///{target}")
    assert [(t.params, t.values) for t in copy.trials] == \
        [(t.params, t.values) for t in study.trials]
    assert all(t.state is TrialState.COMPLETE for t in copy.trials)
    with pytest.raises(StorageError, match="exists"):
        study.storage.backup(target)
    with pytest.raises(StorageError, match="does not exist"):
        study.storage.backup(tmp_path / "no" / "such.db")


def test_close_folds_the_log_into_the_file(tmp_path):
    db = tmp_path / "c.db"
    storage = SQLiteStorage(db)
    study = tf.create_study(study_name="s", storage=storage)
    study.optimize(_quadratic, n_trials=50)
    storage.close()
    wal = tmp_path / "c.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    assert len(tf.load_study("s", storage=f"sqlite:///{db}").trials) == 50


def test_must_exist_never_creates_even_when_the_file_goes_between_check_and_open(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "deleted-meanwhile.db"
    # the existence check passes (the file was there), then the file is gone at connect
    monkeypatch.setattr(Path, "is_file", lambda self: True)
    for flags in ({"must_exist": True}, {"read_only": True}):
        with pytest.raises(StorageError, match="no tuneforge database at .*loading never"):
            SQLiteStorage(missing, **flags)
        assert not missing.exists() and list(tmp_path.iterdir()) == []


def test_file_names_with_uri_characters_open_the_named_file(tmp_path: Path) -> None:
    path = tmp_path / "run #3?mode=rwc&x=%20.db"
    writer = SQLiteStorage(path)
    writer.create_study("s", (Direction.MINIMIZE,))
    writer.close()
    for flags in ({"must_exist": True}, {"read_only": True}, {}):
        storage = SQLiteStorage(path, **flags)
        assert [r.name for r in storage.list_studies()] == ["s"]
        storage.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no stray file


def test_format_1_and_2_in_one_database_read_export_and_back_up(tmp_path) -> None:
    """A database written by a tuneforge before distributions were stored once (inline
    param_set, format 1) keeps reading after a newer one adds trials (format 2); the
    exports carry every distribution inline, and a backup holds the definitions."""
    import json

    from tuneforge.storage import events as ev
    from tuneforge.storage.base import find_study

    db = tmp_path / "old.db"
    storage = SQLiteStorage(db)
    ref = storage.create_study("s", (Direction.MINIMIZE,))
    choices = {"type": "categorical", "choices": ["a", "b"]}
    storage.append(ref, [  # what the older tuneforge wrote
        ev.attr_set(None, "seed", 0, scope="system"),
        ev.trial_created("k0", state="RUNNING", token="t"),
        ev.param_set("k0", "c", "b", choices),
        ev.finished("k0", "COMPLETE", [1.0])])
    assert {e["v"] for _, e in storage.read(ref)} == {1}
    study = tf.load_study("s", storage=storage)
    study.optimize(lambda t: float(t.suggest_categorical("c", ["a", "b"]) == "a"), n_trials=2)
    assert [e["v"] for _, e in storage.read(ref)].count(2) >= 2  # a definition, refs
    trials = tf.load_study("s", storage=f"sqlite:///{db}").trials
    assert [t.params["c"] for t in trials][0] == "b" and len(trials) == 3
    assert all(t.distributions["c"] == tf.Categorical(("a", "b")) for t in trials)
    out = study.export(tmp_path / "s.json", format="json")
    rows = json.loads(out.read_text())["trials"]
    assert all(r["distributions"]["c"] == choices for r in rows)
    csv_text = study.export(tmp_path / "s.csv", format="csv").read_text()
    assert csv_text.count('""choices"": [""a"", ""b""]') == 3  # inline in every row
    copy = storage.backup(tmp_path / "copy.db")
    again = SQLiteStorage(copy, read_only=True)
    assert tf.load_study("s", storage=again).trials == trials
    kinds = [e["type"] for _, e in again.read(find_study(again, "s"))]
    assert kinds.count("distribution_defined") == 1
