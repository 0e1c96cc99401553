"""Damaged rows: listing still works, loading names the event or study row, `doctor`
recovers.

The fault-injection test writes random garbage into random event rows and random cells of
the other tables (study names and directions, events' study ids, the schema version) of a
copy of a real database, and checks that every intact trial comes back identical.
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
from tuneforge.exceptions import CorruptEventError, StorageError
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


def every_trial(storage: SQLiteStorage) -> dict[str, tuple[Any, ...]]:
    """Each trial of every study by key (a repaired study may have a new name)."""
    found: dict[str, tuple[Any, ...]] = {}
    for ref in storage.list_studies():
        found.update(snapshot(storage, ref.name))
    return found


def garbage_cell(rng: random.Random) -> tuple[str, Any]:
    """An SQL expression and its parameter: a random damaged cell of any type."""
    return rng.choice([
        ("?", "".join(rng.choice(string.printable) for _ in range(rng.randint(0, 20)))),
        ("CAST(? AS TEXT)", bytes([0xFF, 0xFE, rng.randint(0, 255)])),  # not UTF-8
        ("?", rng.randint(-10**6, -1)),
        ("?", ""),
        ("?", '["sideways"]'),
        ("?", "[]"),
        ("?", b"\x00\x01blob"),
        ("?", rng.random()),
        ("?", "   "),
        ("?", rng.randint(1, len(STUDIES))),  # another study's id
    ])


def damage_tables(path: Path, rng: random.Random, n: int
                  ) -> tuple[set[int], dict[int, str], set[int], bool]:
    """Garbage in `n` random cells of the studies, events (study_id) and tuneforge_meta
    tables; (damaged study rows, studies renamed to another valid name, event rows moved
    to no study, whether the schema row is damaged)."""
    rows: set[int] = set()
    renamed: dict[int, str] = {}
    orphans: set[int] = set()
    moved: set[int] = set()  # filed under another study (or back under its own)
    schema = False
    with sqlite3.connect(path) as conn:
        conn.text_factory = bytes
        study_ids = [r[0] for r in conn.execute("SELECT study_id FROM studies")]
        seqs = [r[0] for r in conn.execute("SELECT seq FROM events")]
        for _ in range(n):
            sql, value = garbage_cell(rng)
            table = rng.choice(["studies", "studies", "events", "meta"])
            try:
                if table == "studies":
                    sid, column = rng.choice(study_ids), rng.choice(["name", "directions",
                                                                     "created_at"])
                    conn.execute(f"UPDATE studies SET {column}={sql} WHERE study_id=?",
                                 (value, sid))
                    cell, = conn.execute(f"SELECT {column} FROM studies WHERE study_id=?",
                                         (sid,)).fetchone()
                    if column == "name" and isinstance(cell, bytes) and cell.strip() and \
                            conn.execute("SELECT typeof(name) FROM studies WHERE study_id=?",
                                         (sid,)).fetchone()[0] == b"text":
                        try:
                            renamed[sid] = cell.decode()  # another valid name
                            continue
                        except UnicodeDecodeError:
                            pass
                    if column != "created_at":  # nothing reads the creation time
                        rows.add(sid)
                elif table == "events":
                    seq = rng.choice(seqs)
                    conn.execute(f"UPDATE events SET study_id={sql} WHERE seq=?", (value, seq))
                    now, = conn.execute("SELECT study_id FROM events WHERE seq=?",
                                        (seq,)).fetchone()
                    (moved if now in study_ids else orphans).add(seq)
                else:
                    conn.execute(f"UPDATE tuneforge_meta SET value={sql} "
                                 "WHERE key='schema_version'", (value,))
                    schema = True
            except sqlite3.IntegrityError:  # a name another study has: nothing changed
                pass
    conn.close()
    return rows, renamed, orphans - moved, schema


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


@pytest.mark.parametrize("seed", range(6))
def test_random_garbage_in_event_rows_and_table_cells_is_listed_reported_and_repaired(
        healthy: Path, tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    source = SQLiteStorage(healthy, read_only=True)
    before = every_trial(source)
    source.close()
    path = tmp_path / "damaged.db"
    shutil.copy(healthy, path)
    hit = damage(path, rng, n=rng.randint(1, 6))
    rows, renamed, orphans, schema = damage_tables(path, rng,
                                                   n=rng.randint(0 if seed < 2 else 1, 4))
    damaged_keys = {k for k in hit.values() if k is not None}
    url = f"sqlite:///{path}"
    intact = [renamed.get(sid, name) for sid, name in enumerate(STUDIES, start=1)
              if sid not in rows]
    with sqlite3.connect(healthy) as conn:
        study_of = dict(conn.execute("SELECT seq, study_id FROM events").fetchall())
    conn.close()

    listing = invoke("studies", "--storage", url)
    assert listing.exit_code == 0, listing.output
    for name in intact:
        assert name in listing.output
    for seq in set(hit) - orphans:  # a damaged study row is named, its events by doctor
        if study_of[seq] not in rows:
            assert f"event {seq}:" in listing.output
    for sid in rows:
        assert f"study row {sid}" in listing.output
    if orphans:
        assert "belong to no study" in listing.output
    if schema:
        assert "schema row is damaged" in listing.output
    assert "tuneforge doctor" in listing.output

    report = invoke("doctor", "--storage", url)
    assert report.exit_code == 1, report.output
    for seq in hit:
        assert f"event {seq}:" in report.output
    for sid in rows:
        assert f"study row {sid}" in report.output
    assert "DAMAGED" in report.output

    original = path.read_bytes()
    fixed = tmp_path / "fixed.db"
    repaired = invoke("doctor", "--storage", url, "--repair-to", str(fixed))
    assert repaired.exit_code == 1, repaired.output
    assert path.read_bytes() == original  # the damaged file is never edited
    again = invoke("doctor", "--storage", f"sqlite:///{fixed}")
    assert again.exit_code == 0, again.output
    target = SQLiteStorage(fixed, read_only=True)
    assert len(target.list_studies()) == len(STUDIES)  # no study row is lost
    after = every_trial(target)
    for key, trial in before.items():
        if key not in damaged_keys:
            assert after.get(key) == trial, key
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


def test_a_damaged_study_row_is_named_when_listed_loaded_created_and_repaired(
        healthy: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad-row.db"
    shutil.copy(healthy, path)
    with sqlite3.connect(path) as conn:
        beta, = conn.execute("SELECT study_id FROM studies WHERE name='beta'").fetchone()
        conn.execute("UPDATE studies SET directions='not json' WHERE name='beta'")
        gamma, = conn.execute("SELECT study_id FROM studies WHERE name='gamma'").fetchone()
        conn.execute("UPDATE studies SET name=CAST(X'FFFE' AS TEXT) WHERE name='gamma'")
    conn.close()
    url = f"sqlite:///{path}"
    listing = invoke("studies", "--storage", url)
    assert listing.exit_code == 0, listing.output
    assert "alpha" in listing.output and "delta" in listing.output
    assert f"study row {beta} ('beta') is damaged: the directions are 'not json'" \
        in listing.output
    assert f"study row {gamma} is damaged: the name is 2 bytes that are not UTF-8" \
        in listing.output
    with pytest.raises(StorageError, match=rf"study row {beta} \('beta'\).*directions.*"
                                           r"tuneforge doctor --storage sqlite:///"):
        tf.load_study("beta", storage=url)
    with pytest.raises(StorageError, match=rf"study row {beta} \('beta'\)"):
        tf.create_study("beta", storage=url, load_if_exists=True)
    assert len(tf.load_study("alpha", storage=url).trials) == 6
    fixed = tmp_path / "fixed.db"
    result = invoke("doctor", "--storage", url, "--repair-to", str(fixed))
    assert result.exit_code == 1 and f"study row {beta}" in result.output
    copy = SQLiteStorage(fixed, read_only=True)
    names = {r.name: r for r in copy.list_studies()}
    assert set(names) == {"alpha", "beta", f"recovered-study-{gamma}", "delta"}
    beta_copy = tf.load_study("beta", storage=copy)
    assert len(beta_copy.trials) == 6 and "minimize" in beta_copy.system_attrs["doctor"]
    assert len(tf.load_study(f"recovered-study-{gamma}", storage=copy).trials) == 6


def test_a_damaged_schema_row_lets_readers_list_and_stops_writers(
        healthy: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad-meta.db"
    shutil.copy(healthy, path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE tuneforge_meta SET value='x1' WHERE key='schema_version'")
    conn.close()
    with pytest.raises(StorageError, match="schema_version.*'x1'.*tuneforge doctor"):
        SQLiteStorage(path)
    listing = invoke("studies", "--storage", f"sqlite:///{path}")
    assert listing.exit_code == 0 and "alpha" in listing.output
    assert "schema row is damaged" in listing.output
    report = invoke("doctor", "--storage", f"sqlite:///{path}", "--repair-to",
                    str(tmp_path / "fixed.db"))
    assert report.exit_code == 1 and "DAMAGED  schema" in report.output
    assert invoke("doctor", "--storage", f"sqlite:///{tmp_path / 'fixed.db'}").exit_code == 0


def test_event_rows_of_no_study_go_back_to_the_study_of_their_trial(
        healthy: Path, tmp_path: Path) -> None:
    path = tmp_path / "orphans.db"
    shutil.copy(healthy, path)
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT seq, body FROM events WHERE study_id=(SELECT study_id "
                            "FROM studies WHERE name='alpha') ORDER BY seq").fetchall()
        finish = [seq for seq, body in rows if '"trial_finished"' in body][0]
        define = [seq for seq, body in rows if '"distribution_defined"' in body][0]
        seed = [seq for seq, body in rows if '"seed"' in body][0]
        for seq in (finish, define, seed):
            conn.execute("UPDATE events SET study_id='lost' WHERE seq=?", (seq,))
    conn.close()
    source = SQLiteStorage(healthy, read_only=True)
    before = snapshot(source, "alpha")
    source.close()
    url = f"sqlite:///{path}"
    assert "3 event rows belong to no study" in invoke("studies", "--storage", url).output
    report = invoke("doctor", "--storage", url, "--repair-to", str(tmp_path / "fixed.db"))
    assert report.exit_code == 1, report.output
    assert f"1 event rows of no study or of another study hold its trials (events {finish})" \
        in report.output
    assert "1 distribution definitions its params use are lost here but stored by another " \
        "study" in report.output  # the definition is the same in every study
    assert f"DAMAGED  event {seed}: its study_id is 'lost'" in report.output
    fixed = SQLiteStorage(tmp_path / "fixed.db", read_only=True)
    assert snapshot(fixed, "alpha") == before


def test_a_lost_distribution_definition_is_restored_or_its_params_named(
        healthy: Path, tmp_path: Path) -> None:
    path = tmp_path / "lost-definition.db"
    shutil.copy(healthy, path)
    with sqlite3.connect(path) as conn:
        # alpha's definition of "x" damaged; the same is stored by beta, gamma, delta
        seq, = conn.execute("SELECT min(seq) FROM events WHERE study_id=1 AND "
                            "body LIKE '%distribution_defined%'").fetchone()
        conn.execute("UPDATE events SET body=? WHERE seq=?",
                     ('{"v": 2, "type": "distribution_defined", "ref": "0", "distribution": 1}',
                      seq))
    conn.close()
    source = SQLiteStorage(healthy, read_only=True)
    before = snapshot(source, "alpha")
    source.close()
    damaged = SQLiteStorage(path, read_only=True)
    with pytest.raises(CorruptEventError, match=rf"event {seq} \(distribution_defined\) is "
                                                "damaged: its distribution does not match"):
        _ = tf.load_study("alpha", storage=damaged).trials
    found = doctor.diagnose(damaged)
    alpha = found.studies[0]
    assert len(alpha.recovered) == 1 and not alpha.ok and alpha.n_trials == 6
    assert [b.seq for b in alpha.bad] == [seq]  # the damaged row; no param is lost
    target = InMemoryStorage()
    doctor.repair(damaged, target)
    assert snapshot(target, "alpha") == before  # type: ignore[arg-type]

    # with no other study to restore it from, every param that used it is named
    only = InMemoryStorage()
    study = tf.create_study("only", storage=only, seed=0)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    ref = find_study(only, "only")
    rows = only.read_raw(ref)
    only._events[ref.study_id] = [
        (s, "garbage" if '"distribution_defined"' in text else text) for s, text in rows]
    lost = doctor.check_study(only, ref)
    params = [b for b in lost.bad if b.readable]
    assert len(params) == 3 and all("parameter 'x'" in b.reason for b in params)
    assert {b.reason.split("trial ")[1][0] for b in params} == {"0", "1", "2"}


def test_a_definition_that_does_not_match_its_ref_is_refused() -> None:
    from tuneforge.storage import events as ev
    from tuneforge.storage.replay import StudyState

    state = StudyState(())
    real = {"type": "float", "low": 0.0, "high": 1.0, "log": False, "step": None}
    forged = dict(real, high=2.0)
    with pytest.raises(CorruptEventError, match="does not match its ref"):
        state.apply(1, ev.distribution_defined(ev.distribution_ref(real), forged))
    state.apply(2, ev.distribution_defined(ev.distribution_ref(real), real))
    assert state.distributions[ev.distribution_ref(real)].high == 1.0


def test_an_event_row_that_is_not_utf8_text_is_one_bad_event(
        healthy: Path, tmp_path: Path) -> None:
    """SQLite refused to fetch the whole study (and broke the listing) over one such row."""
    path = tmp_path / "not-utf8.db"
    shutil.copy(healthy, path)
    with sqlite3.connect(path) as conn:
        seq, = conn.execute("SELECT min(seq) + 4 FROM events WHERE study_id=2").fetchone()
        conn.execute("UPDATE events SET body=CAST(X'7B22FF22' AS TEXT) WHERE seq=?", (seq,))
    conn.close()
    url = f"sqlite:///{path}"
    listing = invoke("studies", "--storage", url)
    assert listing.exit_code == 0 and "alpha" in listing.output
    assert f"event {seq}: not valid JSON" in listing.output
    with pytest.raises(CorruptEventError, match=f"event {seq}"):
        tf.load_study("beta", storage=url)
    assert invoke("doctor", "--storage", url).exit_code == 1


def test_a_definition_damaged_in_place_is_restored_from_another_study(
        healthy: Path, tmp_path: Path) -> None:
    """Damage that keeps the ref but changes the distribution is caught by its digest."""
    path = tmp_path / "forged.db"
    shutil.copy(healthy, path)
    with sqlite3.connect(path) as conn:
        seq, body = conn.execute("SELECT seq, body FROM events WHERE study_id=1 AND body LIKE "
                                 "'%distribution_defined%' ORDER BY seq").fetchone()
        event = json.loads(body)
        event["distribution"]["high" if "high" in event["distribution"] else "choices"] = 9
        conn.execute("UPDATE events SET body=? WHERE seq=?", (json.dumps(event), seq))
    conn.close()
    damaged = SQLiteStorage(path, read_only=True)
    alpha = doctor.diagnose(damaged).studies[0]
    assert [(b.seq, b.readable) for b in alpha.bad] == [(seq, True)]
    assert "does not match its ref" in alpha.bad[0].reason and len(alpha.recovered) == 1
    source = SQLiteStorage(healthy, read_only=True)
    target = InMemoryStorage()
    doctor.repair(damaged, target)
    assert snapshot(target, "alpha") == snapshot(source, "alpha")  # type: ignore[arg-type]


def test_an_event_filed_under_another_study_goes_back_to_its_trial(
        healthy: Path, tmp_path: Path) -> None:
    path = tmp_path / "misfiled.db"
    shutil.copy(healthy, path)
    with sqlite3.connect(path) as conn:
        seq, = conn.execute("SELECT max(seq) FROM events WHERE study_id=1 AND "
                            "body LIKE '%trial_finished%'").fetchone()
        conn.execute("UPDATE events SET study_id=3 WHERE seq=?", (seq,))
    conn.close()
    source = SQLiteStorage(healthy, read_only=True)
    before = {name: snapshot(source, name) for name in ("alpha", "gamma")}
    damaged = SQLiteStorage(path, read_only=True)
    assert any(t.state is tf.TrialState.RUNNING  # the trial looks unfinished
               for t in tf.load_study("alpha", storage=damaged).trials)
    found = doctor.diagnose(damaged)
    assert found.studies[0].adopted == (seq,) and found.studies[2].ok
    target = InMemoryStorage()
    doctor.repair(damaged, target)
    for name in ("alpha", "gamma"):
        assert snapshot(target, name) == before[name]  # type: ignore[arg-type]
