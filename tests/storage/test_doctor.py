"""Damaged event rows: listing still works, loading names the event, `doctor` recovers.

The fault-injection test writes random garbage into random event rows of a copy of a
real database and checks that every intact trial comes back identical.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import string
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import tuneforge as tf
from tuneforge.cli import app
from tuneforge.exceptions import CorruptEventError
from tuneforge.storage import doctor
from tuneforge.storage.base import find_study
from tuneforge.storage.memory import InMemoryStorage
from tuneforge.storage.sqlite import SQLiteStorage

ENV = {"COLUMNS": "200", "TUNEFORGE_STORAGE": None, "NO_COLOR": "1"}
STUDIES = ("alpha", "beta", "gamma", "delta")


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args), env=ENV)
    assert "Traceback" not in result.output, result.output
    return result


def objective(trial: tf.Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    kind = trial.suggest_categorical("kind", ["a", "b", "c"])
    trial.set_user_attr("note", f"x is {x:.3f}")
    if kind == "c" and x > 3:
        raise ValueError("failed on purpose")
    for step in range(2):
        trial.report(x * step, step)
    return x * x + (kind == "b")


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database of four studies with 6 trials each, written by tuneforge, closed."""
    path = tmp_path_factory.mktemp("doctor") / "healthy.db"
    storage = SQLiteStorage(path)
    for i, name in enumerate(STUDIES):
        study = tf.create_study(name, storage=storage, seed=i)
        study.optimize(objective, n_trials=6)
    storage.close()
    return path


def snapshot(storage: SQLiteStorage, name: str) -> dict[str, tuple[Any, ...]]:
    """Each trial of a study by key: what must survive a repair unchanged."""
    records = tf.load_study(name, storage=storage).trials
    return {t.key: (dict(t.params), t.values, t.state, dict(t.intermediate),
                    dict(t.user_attrs)) for t in records}


def damage(path: Path, rng: random.Random, n: int) -> dict[int, str | None]:
    """Garbage in `n` random event rows; {seq: the trial key it belonged to (or None)}."""
    garbage = [
        lambda: "".join(rng.choice(string.printable) for _ in range(rng.randint(0, 40))),
        lambda: '{"v": 1, "type": "param_set", "key": 7}',    # JSON, not a valid event
        lambda: '{"v": 1, "type": "trial_finished"',          # truncated
        lambda: json.dumps(rng.random()),
        lambda: '{"v": 1, "type": "no_such_type"}',
    ]
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT seq, body FROM events").fetchall()
        hit = rng.sample(rows, n)
        for seq, _ in hit:
            conn.execute("UPDATE events SET body=? WHERE seq=?", (rng.choice(garbage)(), seq))
    conn.close()
    return {seq: json.loads(body).get("key") for seq, body in hit}


@pytest.mark.parametrize("seed", range(4))
def test_random_garbage_in_event_rows_is_listed_reported_and_repaired(
        healthy: Path, tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    source = SQLiteStorage(healthy, read_only=True)
    before = {name: snapshot(source, name) for name in STUDIES}
    source.close()
    path = tmp_path / "damaged.db"
    shutil.copy(healthy, path)
    hit = damage(path, rng, n=rng.randint(1, 6))
    damaged_keys = {k for k in hit.values() if k is not None}
    url = f"sqlite:///{path}"

    listing = invoke("studies", "--storage", url)
    assert listing.exit_code == 0, listing.output
    for name in STUDIES:
        assert name in listing.output
    for seq in hit:
        assert f"event {seq}:" in listing.output
    assert "tuneforge doctor" in listing.output

    report = invoke("doctor", "--storage", url)
    assert report.exit_code == 1, report.output
    for seq in hit:
        assert f"event {seq}:" in report.output
    assert "DAMAGED" in report.output

    original = path.read_bytes()
    fixed = tmp_path / "fixed.db"
    repaired = invoke("doctor", "--storage", url, "--repair-to", str(fixed))
    assert repaired.exit_code == 1, repaired.output
    assert path.read_bytes() == original  # the damaged file is never edited
    assert invoke("doctor", "--storage", f"sqlite:///{fixed}").exit_code == 0
    target = SQLiteStorage(fixed, read_only=True)
    for name in STUDIES:
        after = snapshot(target, name)
        for key, trial in before[name].items():
            if key not in damaged_keys:
                assert after.get(key) == trial, (name, key)
    target.close()


def test_loading_a_damaged_study_names_the_event_and_the_way_out(
        healthy: Path, tmp_path: Path) -> None:
    path = tmp_path / "one-bad.db"
    shutil.copy(healthy, path)
    with sqlite3.connect(path) as conn:
        study_id, = conn.execute("SELECT study_id FROM studies WHERE name='beta'").fetchone()
        seq, = conn.execute("SELECT min(seq) + 3 FROM events WHERE study_id=?",
                            (study_id,)).fetchone()
        conn.execute("UPDATE events SET body='not json' WHERE seq=?", (seq,))
    conn.close()
    url = f"sqlite:///{path}"
    with pytest.raises(CorruptEventError) as info:
        tf.load_study("beta", storage=url)
    message = str(info.value)
    assert "'beta'" in message and f"event {seq}" in message and "not valid JSON" in message
    assert f"tuneforge doctor --storage sqlite:///{path}" in message
    assert len(tf.load_study("alpha", storage=url).trials) == 6  # the others still load
    result = invoke("trials", "beta", "--storage", url)
    assert result.exit_code == 1 and "tuneforge doctor" in result.output


def test_a_lost_trial_created_drops_the_events_that_depended_on_it() -> None:
    storage = InMemoryStorage()
    study = tf.create_study("s", storage=storage, seed=0)
    study.optimize(objective, n_trials=3)
    ref = find_study(storage, "s")
    rows = storage.read_raw(ref)
    created = [seq for seq, text in rows if '"trial_created"' in text]
    storage._events[ref.study_id] = [  # the second trial's creation is lost
        (seq, "garbage" if seq == created[1] else text) for seq, text in rows]
    found = doctor.check_study(storage, ref)
    assert found.unreadable == 1 and found.dropped > 0 and found.n_trials == 2
    assert all("unknown trial" in b.reason for b in found.bad if b.readable)
    target = InMemoryStorage()
    doctor.repair(storage, target)
    again = doctor.check(target)
    assert [c.ok for c in again] == [True] and again[0].n_trials == 2


def test_doctor_on_a_healthy_database_exits_0_and_refuses_to_overwrite(
        healthy: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{healthy}"
    result = invoke("doctor", "--storage", url)
    assert result.exit_code == 0, result.output
    assert result.output.count("ok ") == len(STUDIES)
    existing = tmp_path / "exists.db"
    existing.write_text("keep me")
    result = invoke("doctor", "--storage", url, "--repair-to", str(existing))
    assert result.exit_code == 1 and "exists" in result.output
    assert existing.read_text() == "keep me"
