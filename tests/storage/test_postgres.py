"""PostgreSQL specifics: schema checks, errors that name the server, many processes."""

from __future__ import annotations

import json
import multiprocessing
import pickle
import socket
import threading
import time

import pytest

from tests.conftest import require_module
from tuneforge.exceptions import StorageError, StorageVersionError
from tuneforge.storage import events as ev
from tuneforge.storage.url import open_storage
from tuneforge.testing import run_process_appends
from tuneforge.trial.records import Direction

psycopg = require_module("psycopg", "postgres")
from tuneforge.storage.postgres import PostgresStorage, redact  # noqa: E402

MIN = (Direction.MINIMIZE,)


def _sql(url: str, *statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for stmt in statements:
            conn.execute(stmt)


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refused_connection_names_host_and_hides_password() -> None:
    port = _unused_port()
    url = f"postgresql://alice:s3cret@127.0.0.1:{port}/tuneforge"
    with pytest.raises(StorageError) as info:
        PostgresStorage(url)
    msg = str(info.value)
    assert "127.0.0.1" in msg and str(port) in msg
    assert "s3cret" not in msg and "***" in msg


def test_redact() -> None:
    assert redact("postgresql://u:pw@h:5/db") == "postgresql://u:***@h:5/db"
    assert redact("postgresql://u@h/db") == "postgresql://u@h/db"
    assert redact("postgresql://h/db?password=pw&sslmode=require") == \
        "postgresql://h/db?password=***&sslmode=require"
    assert redact("host=h password='a b' dbname=x") == "host=h password=*** dbname=x"


def test_missing_database_names_it(postgres_url: str) -> None:
    base = postgres_url.rsplit("/", 1)[0]
    with pytest.raises(StorageError, match="no_such_db_xyz"):
        PostgresStorage(f"{base}/no_such_db_xyz")


def test_open_storage_url_and_pickle(postgres_url: str) -> None:
    storage = open_storage(postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    assert isinstance(storage, PostgresStorage)
    assert storage.url == postgres_url.replace("postgresql://", "postgresql+psycopg://")
    ref = storage.create_study("s", MIN)
    storage.append(ref, [ev.attr_set(None, "a", scope="user", value=1)])
    blob = pickle.dumps(storage)
    assert b"Connection" not in blob and len(blob) < 300  # only the URL crosses
    clone = pickle.loads(blob)
    assert clone.list_studies() == [ref]
    assert [e["value"] for _, e in clone.read(ref)] == [1]
    clone.close()
    storage.close()


def test_read_only_reads_but_never_writes(postgres_url: str) -> None:
    with pytest.raises(StorageError, match="no schema"):
        PostgresStorage(postgres_url, read_only=True)  # and it created none:
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT to_regclass('tuneforge_meta')").fetchone() == (None,)
    writer = PostgresStorage(postgres_url)
    ref = writer.create_study("s", MIN)
    writer.append(ref, [ev.attr_set(None, "a", scope="user", value=1)])
    reader = open_storage(postgres_url, read_only=True)
    assert isinstance(reader, PostgresStorage) and reader.read_only
    assert reader.list_studies() == [ref]
    assert [e["value"] for _, e in reader.read(ref)] == [1]
    for write in (lambda r: r.append(ref, [ev.attr_set(None, "a", scope="user", value=2)]),
                  lambda r: r.create_study("t", MIN), lambda r: r.delete_study(ref)):
        with pytest.raises(StorageError, match="read-only"):
            write(reader)
    # the session itself is read-only: even a write the class does not know is refused
    with pytest.raises(StorageError, match="read-only"), reader._tx("raw insert") as cur:
        cur.execute("DELETE FROM events")
    clone = pickle.loads(pickle.dumps(reader))
    assert clone.read_only
    assert [e["value"] for _, e in writer.read(ref)] == [1]
    for s in (clone, reader, writer):
        s.close()


def test_newer_schema_version_refused(postgres_url: str) -> None:
    PostgresStorage(postgres_url).close()
    _sql(postgres_url, "UPDATE tuneforge_meta SET value = '999' WHERE key = 'schema_version'")
    with pytest.raises(StorageVersionError, match="999"):
        PostgresStorage(postgres_url)


def test_missing_or_corrupt_schema_version(postgres_url: str) -> None:
    PostgresStorage(postgres_url).close()
    _sql(postgres_url, "UPDATE tuneforge_meta SET value = 'x' WHERE key = 'schema_version'")
    with pytest.raises(StorageError, match="corrupt"):
        PostgresStorage(postgres_url)
    _sql(postgres_url, "DELETE FROM tuneforge_meta")
    with pytest.raises(StorageError, match="corrupt"):
        PostgresStorage(postgres_url)


def test_foreign_tables_refused(postgres_url: str) -> None:
    _sql(postgres_url, "CREATE TABLE events (id int)")
    with pytest.raises(StorageError, match="did not create"):
        PostgresStorage(postgres_url)


def test_concurrent_schema_creation(postgres_url: str) -> None:
    n = 6
    barrier = threading.Barrier(n)
    opened: list[PostgresStorage] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait(timeout=30)
            opened.append(PostgresStorage(postgres_url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert len(opened) == n
    ref = opened[0].create_study("s", MIN, exist_ok=True)
    assert all(s.list_studies() == [ref] for s in opened)
    for s in opened:
        s.close()


def test_events_stamped_with_database_clock(postgres_url: str) -> None:
    storage = PostgresStorage(postgres_url)
    ref = storage.create_study("s", MIN)
    before = time.time()
    storage.append(ref, [ev.attr_set(None, "a", scope="user", value=1)] * 3)
    after = time.time()
    stamps = {e["t"] for _, e in storage.read(ref)}
    assert len(stamps) == 1  # one transaction, one time
    assert before - 5 <= stamps.pop() <= after + 5
    storage.close()


def test_delete_study_cascades(postgres_url: str) -> None:
    storage = PostgresStorage(postgres_url)
    ref = storage.create_study("s", MIN)
    storage.append(ref, [ev.attr_set(None, "a", scope="user", value=1)])
    storage.delete_study(ref)
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 0
    storage.close()


def test_errors_name_the_study(postgres_url: str) -> None:
    storage = PostgresStorage(postgres_url)
    ref = storage.create_study("my-study", MIN)
    storage.delete_study(ref)
    with pytest.raises(StorageError, match="my-study") as info:
        storage.append(ref, [ev.attr_set(None, "a", scope="user", value=1)])
    assert redact(postgres_url) in str(info.value)
    storage.close()


def test_reconnects_after_connection_loss(postgres_url: str) -> None:
    storage = PostgresStorage(postgres_url)
    ref = storage.create_study("s", MIN)
    pid = storage._conn.info.backend_pid
    _sql(postgres_url, f"SELECT pg_terminate_backend({pid})")
    with pytest.raises(StorageError):  # the in-flight call fails, clearly
        storage.list_studies()
    assert storage.list_studies() == [ref]  # the next one reconnects
    storage.close()


def _append_in_fork(storage: PostgresStorage, ref, queue) -> None:
    queue.put(storage.append(ref, [ev.attr_set(None, "child", scope="user", value=1)]))


def test_forked_child_reconnects(postgres_url: str) -> None:
    storage = PostgresStorage(postgres_url)
    ref = storage.create_study("s", MIN)
    storage.append(ref, [ev.attr_set(None, "parent", scope="user", value=0)])
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_append_in_fork, args=(storage, ref, queue))
    child.start()
    seq = queue.get(timeout=30)
    child.join(timeout=30)
    assert child.exitcode == 0
    # the parent's connection survived the child
    storage.append(ref, [ev.attr_set(None, "parent", scope="user", value=2)])
    names = [(s, e["name"]) for s, e in storage.read(ref)]
    assert [n for _, n in names] == ["parent", "child", "parent"]
    assert names[1][0] == seq
    storage.close()


def test_processes_append_to_one_study(postgres_url: str) -> None:
    storage = PostgresStorage(postgres_url)
    ref = storage.create_study("shared", MIN)
    other = storage.create_study("other", MIN)
    run_process_appends(storage, ref, processes=4, n_events=50)
    assert storage.read(other) == []
    storage.close()


def test_doctor_checks_a_postgres_database_and_repairs_it_into_a_new_sqlite_file(
        postgres_url: str, tmp_path) -> None:
    from typer.testing import CliRunner

    import tuneforge as tf
    from tuneforge.cli import app
    from tuneforge.storage.base import find_study
    from tuneforge.storage.sqlite import SQLiteStorage

    def objective(trial):
        x = trial.suggest_float("x", -5, 5)
        trial.suggest_categorical("kind", ["a", "b"])
        return x * x

    for i, name in enumerate(("alpha", "beta", "gamma")):
        tf.create_study(name, storage=postgres_url, seed=i).optimize(objective, n_trials=4)
    storage = PostgresStorage(postgres_url, read_only=True)
    raw = storage.read_raw(find_study(storage, "alpha"))
    assert len(raw) > 10 and all(isinstance(s, int) and isinstance(t, str) for s, t in raw)
    assert [ev.loads(t, where="x") for _, t in raw] == [e for _, e in
                                                       storage.read(find_study(storage, "alpha"))]
    before = {n: {t.key: (dict(t.params), t.values)
                  for t in tf.load_study(n, storage=storage).trials} for n in ("alpha", "gamma")}
    storage.close()
    bad_seq = raw[5][0]
    _sql(postgres_url,
         f"UPDATE events SET body = 'not json' WHERE seq = {bad_seq}",
         "UPDATE studies SET directions = '[\"sideways\"]' WHERE name = 'beta'")

    def dump() -> list:
        with psycopg.connect(postgres_url) as conn:
            return [conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                    for t in ("tuneforge_meta", "studies", "events")]

    original = dump()
    env = {"COLUMNS": "200", "TUNEFORGE_STORAGE": None, "NO_COLOR": "1"}
    listing = CliRunner().invoke(app, ["studies", "--storage", postgres_url], env=env)
    assert listing.exit_code == 0, listing.output
    assert "study row 2 ('beta') is damaged: the directions are" in listing.output
    assert f"event {bad_seq}: not valid JSON" in listing.output
    fixed = tmp_path / "fixed.db"
    result = CliRunner().invoke(app, ["doctor", "--storage", postgres_url,
                                      "--repair-to", str(fixed)], env=env)
    assert result.exit_code == 1, result.output
    assert f"event {bad_seq}: not valid JSON" in result.output
    assert "study row 2: the directions are" in result.output
    assert dump() == original  # the PostgreSQL database is never written
    copy = SQLiteStorage(fixed, read_only=True)
    assert sorted(r.name for r in copy.list_studies()) == ["alpha", "beta", "gamma"]
    after = {n: {t.key: (dict(t.params), t.values)
                 for t in tf.load_study(n, storage=copy).trials} for n in ("alpha", "gamma")}
    assert after["gamma"] == before["gamma"]
    damaged_key = json.loads(dict(raw)[bad_seq]).get("key")
    assert {k: v for k, v in after["alpha"].items() if k != damaged_key} == \
        {k: v for k, v in before["alpha"].items() if k != damaged_key}
    assert len(tf.load_study("beta", storage=copy).trials) == 4
    copy.close()


def test_a_damaged_postgres_schema_row_lets_readers_read_and_stops_writers(
        postgres_url: str) -> None:
    storage = PostgresStorage(postgres_url)
    storage.create_study("s", MIN)
    storage.close()
    _sql(postgres_url, "UPDATE tuneforge_meta SET value = 'v?' WHERE key = 'schema_version'")
    with pytest.raises(StorageError, match="schema_version.*'v\\?'.*tuneforge doctor"):
        PostgresStorage(postgres_url)
    reader = PostgresStorage(postgres_url, read_only=True)
    assert [r.name for r in reader.list_studies()] == ["s"]
    assert reader.schema_problem is not None and "'v?'" in reader.schema_problem
    reader.close()


def test_processes_defining_one_distribution_at_once_all_read_it(postgres_url: str) -> None:
    from tests.storage._define import CHOICES, define_at_once
    from tuneforge import Categorical, Float

    trials = define_at_once(postgres_url)
    assert len(trials) == 6
    for t in trials:
        assert t.distributions == {"c": Categorical(tuple(CHOICES)), "x": Float(0.0, 1.0)}
