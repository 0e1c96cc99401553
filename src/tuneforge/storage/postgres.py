"""PostgreSQL storage (psycopg 3): the shared storage for workers on many machines.

Two tables like SQLite (``studies`` and ``events``) plus ``tuneforge_meta``. Appends are
one short transaction that first locks the study's row, so within a study the sequence
order is the commit order and a reader asking for events ``after`` the last seq it saw
never skips one. Events are stamped with the database clock, not the worker's.
"""

from __future__ import annotations

import json
import os
import re
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from tuneforge.exceptions import (
    DuplicatedStudyError,
    StorageError,
    StorageVersionError,
    missing_extra,
)
from tuneforge.storage.base import (
    DamagedStudy,
    StudyRef,
    redact,
    schema_version_problem,
    study_row,
)
from tuneforge.storage.events import Event, dumps, loads
from tuneforge.trial.records import Direction

SCHEMA_VERSION = 1
_SCHEMA_LOCK = 0x7475_6E65_666F_7267  # "tuneforg": advisory lock key for schema creation

_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS tuneforge_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS studies (
        study_id BIGSERIAL PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        directions TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL DEFAULT extract(epoch from clock_timestamp())
    )""",
    """CREATE TABLE IF NOT EXISTS events (
        seq BIGSERIAL PRIMARY KEY,
        study_id BIGINT NOT NULL REFERENCES studies(study_id) ON DELETE CASCADE,
        body TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS events_by_study ON events (study_id, seq)",
]


def _libpq_url(url: str) -> str:
    # SQLAlchemy-style URLs name the driver; libpq wants plain postgresql://
    return re.sub(r"^postgres(ql)?\+psycopg\d?://", "postgresql://", url)


class PostgresStorage:
    """Studies in a PostgreSQL database, e.g.
    ``PostgresStorage("postgresql://user:pw@host:5432/tuneforge")``.

    Thread-safe (one connection behind a lock), reconnects in a forked child and after a
    lost connection, and pickles as its URL only. `read_only=True` (dashboards, the CLI)
    refuses every write and runs its session read-only, so nothing it does can change
    the database; the schema must already exist.
    """

    def __init__(self, url: str, *, read_only: bool = False, connect_timeout: int = 10) -> None:
        try:
            import psycopg
        except ImportError:
            raise missing_extra("psycopg", "postgres") from None
        self._pg: Any = psycopg
        self.url = url
        self.read_only = read_only
        self.schema_problem: str | None = None  # a damaged version row a reader noted
        self._connect_timeout = connect_timeout
        self._safe = redact(url)
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._conn: Any = None
        with self._lock:
            self._conn = self._connect()

    def __repr__(self) -> str:
        return f"PostgresStorage({self._safe!r})"

    def __getstate__(self) -> dict[str, object]:
        # Crossing to a worker process sends only the URL; the worker reconnects.
        return {"url": self.url, "read_only": self.read_only,
                "connect_timeout": self._connect_timeout}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Unpickling reruns __init__ to reopen the connection; mypy flags calling
        # __init__ on an instance as unsound [misc], which is the intent here.
        self.__init__(state["url"], read_only=state.get("read_only", False),  # type: ignore[misc]
                      connect_timeout=state["connect_timeout"])

    # -- connection ------------------------------------------------------------------
    def _connect(self) -> Any:
        pg = self._pg
        try:
            conn = pg.connect(_libpq_url(self.url), autocommit=False,
                              connect_timeout=self._connect_timeout)
        except pg.Error as exc:
            raise StorageError(
                f"cannot connect to PostgreSQL at {self._safe}: {str(exc).strip()}"
            ) from None
        try:
            if self.read_only:
                conn.read_only = True  # the server refuses any write in this session
            self._init_schema(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _init_schema(self, conn: Any) -> None:
        pg = self._pg
        try:
            with conn.cursor() as cur:
                # Serialize schema creation: CREATE ... IF NOT EXISTS races between
                # processes opening a fresh database at once (duplicate pg_type rows).
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                cur.execute("SELECT to_regclass('tuneforge_meta'), to_regclass('studies'),"
                            " to_regclass('events')")
                meta, studies, events = cur.fetchone()
                if meta is None and self.read_only:
                    raise StorageError(f"{self._safe} has no tuneforge studies (no schema); "
                                       "opened read-only, so none is created")
                if meta is None:
                    if studies is not None or events is not None:
                        raise StorageError(
                            f"{self._safe} already has tables 'studies'/'events' that tuneforge "
                            "did not create; refusing to write into them (use another "
                            "database or schema)"
                        )
                    for stmt in _SCHEMA:
                        cur.execute(stmt)
                    cur.execute("INSERT INTO tuneforge_meta (key, value) "
                                "VALUES ('schema_version', %s)", (str(SCHEMA_VERSION),))
                cur.execute("SELECT value FROM tuneforge_meta WHERE key = 'schema_version'")
                row = cur.fetchone()
            conn.commit()
        except pg.Error as exc:
            self._rollback(conn)
            raise StorageError(
                f"cannot set up the tuneforge schema in {self._safe}: {str(exc).strip()}"
            ) from None
        except BaseException:
            self._rollback(conn)
            raise
        problem = schema_version_problem(row)
        if problem is not None:
            if not self.read_only:  # a writer must know the version; a reader notes it
                raise StorageError(f"{self._safe}: corrupt tuneforge schema ({problem}); see: "
                                   f"tuneforge doctor --storage {self._safe} --repair-to NEW.db")
            self.schema_problem = problem
        elif int(row[0]) > SCHEMA_VERSION:
            raise StorageVersionError(
                f"{self._safe} has schema version {row[0]}, newer than this tuneforge "
                f"understands ({SCHEMA_VERSION}); upgrade tuneforge"
            )

    @staticmethod
    def _rollback(conn: Any) -> None:
        try:
            if not conn.closed:
                conn.rollback()
        except Exception:  # the connection is gone; the next call reconnects
            pass

    @contextmanager
    def _tx(self, what: str, *, write: bool = False) -> Iterator[Any]:
        """One transaction on the shared connection; `what` names the operation."""
        pg = self._pg
        if write and self.read_only:
            raise StorageError(f"{self._safe} is opened read-only ({what})")
        with self._lock:
            if os.getpid() != self._pid:
                # Forked: the inherited socket belongs to the parent. Drop it without
                # closing (closing would end the parent's session) and reconnect.
                self._pid = os.getpid()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ResourceWarning)
                    self._conn = None
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = None
                self._conn = self._connect()
            conn = self._conn
            try:
                with conn.cursor() as cur:
                    yield cur
                conn.commit()
            except pg.Error as exc:
                self._rollback(conn)
                raise StorageError(
                    f"PostgreSQL error on {self._safe} ({what}): {str(exc).strip()}"
                ) from None
            except BaseException:
                self._rollback(conn)
                raise

    # -- the protocol ----------------------------------------------------------------
    def _ref(self, row: tuple[int, object, object]) -> StudyRef:
        found = study_row(*row)
        if isinstance(found, DamagedStudy):
            raise StorageError(f"{found.label} in {self._safe} is damaged: {found.reason}; "
                               "see tuneforge doctor")
        return found

    def _missing(self, study: StudyRef) -> StorageError:
        return StorageError(
            f"study {study.name!r} does not exist in {self._safe} (was it deleted?)"
        )

    def create_study(self, name: str, directions: Sequence[Direction], *,
                     exist_ok: bool = False) -> StudyRef:
        dirs = json.dumps([Direction(d).value for d in directions])
        with self._tx(f"creating study {name!r}", write=True) as cur:
            cur.execute("INSERT INTO studies (name, directions) VALUES (%s, %s) "
                        "ON CONFLICT (name) DO NOTHING RETURNING study_id", (name, dirs))
            row = cur.fetchone()
            if row is not None:
                return StudyRef(int(row[0]), name, tuple(Direction(d) for d in directions))
            cur.execute("SELECT study_id, name, directions FROM studies WHERE name = %s",
                        (name,))
            existing = cur.fetchone()
        if existing is None:  # deleted between the two statements: rare, just retry
            return self.create_study(name, directions, exist_ok=exist_ok)
        if exist_ok:
            return self._ref(existing)
        raise DuplicatedStudyError(f"a study named {name!r} already exists in {self._safe}")

    def _study_rows(self) -> list[StudyRef | DamagedStudy]:
        with self._tx("listing studies") as cur:
            cur.execute("SELECT study_id, name, directions FROM studies ORDER BY study_id")
            rows = cur.fetchall()
        return [study_row(*r) for r in rows]

    def list_studies(self) -> Sequence[StudyRef]:
        """The readable studies; `damaged_studies` names the rows that are not."""
        return [r for r in self._study_rows() if isinstance(r, StudyRef)]

    def damaged_studies(self) -> list[DamagedStudy]:
        """Study rows that cannot be read (a bad name or directions), with the reason."""
        return [r for r in self._study_rows() if isinstance(r, DamagedStudy)]

    def orphan_events(self) -> list[tuple[int, object, object]]:
        """(seq, study_id, body) of event rows whose study names no study (damage; the
        foreign key makes it rare here)."""
        with self._tx("reading orphan events") as cur:
            cur.execute("SELECT seq, study_id, body FROM events e WHERE NOT EXISTS "
                        "(SELECT 1 FROM studies s WHERE s.study_id = e.study_id) ORDER BY seq")
            return [(int(r[0]), r[1], r[2]) for r in cur.fetchall()]

    def delete_study(self, study: StudyRef) -> None:
        with self._tx(f"deleting study {study.name!r}", write=True) as cur:
            cur.execute("DELETE FROM studies WHERE study_id = %s", (study.study_id,))
            if cur.rowcount == 0:
                raise self._missing(study)

    def append(self, study: StudyRef, events: Sequence[Event]) -> int:
        with self._tx(f"appending to study {study.name!r}", write=True) as cur:
            # The row lock serializes appends per study: seq order == commit order.
            cur.execute("SELECT extract(epoch from clock_timestamp())::float8 FROM studies "
                        "WHERE study_id = %s FOR UPDATE", (study.study_id,))
            row = cur.fetchone()
            if row is None:
                raise self._missing(study)
            now = float(row[0])
            bodies = [dumps(dict(e, t=now)) for e in events]
            if not bodies:
                cur.execute("SELECT coalesce(max(seq), -1) FROM events WHERE study_id = %s",
                            (study.study_id,))
                return int(cur.fetchone()[0])
            cur.execute(
                "INSERT INTO events (study_id, body) SELECT %s, b FROM "
                "unnest(%s::text[]) WITH ORDINALITY AS u(b, i) ORDER BY i RETURNING seq",
                (study.study_id, bodies),
            )
            return max(int(r[0]) for r in cur.fetchall())

    def read(self, study: StudyRef, *, after: int = -1) -> Sequence[tuple[int, Event]]:
        with self._tx(f"reading study {study.name!r}") as cur:
            cur.execute("SELECT 1 FROM studies WHERE study_id = %s", (study.study_id,))
            if cur.fetchone() is None:
                raise self._missing(study)
            cur.execute("SELECT seq, body FROM events WHERE study_id = %s AND seq > %s "
                        "ORDER BY seq", (study.study_id, after))
            rows = cur.fetchall()
        where = f"{self._safe} study {study.name!r} event"
        return [(int(seq), loads(body, where=f"{where} {seq}")) for seq, body in rows]

    def read_raw(self, study: StudyRef) -> Sequence[tuple[int, str]]:
        """A study's stored event texts, unparsed (`tuneforge doctor`)."""
        with self._tx(f"reading study {study.name!r}") as cur:
            cur.execute("SELECT 1 FROM studies WHERE study_id = %s", (study.study_id,))
            if cur.fetchone() is None:
                raise self._missing(study)
            cur.execute("SELECT seq, body FROM events WHERE study_id = %s ORDER BY seq",
                        (study.study_id,))
            return [(int(seq), body) for seq, body in cur.fetchall()]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and os.getpid() == self._pid:
                self._conn.close()
            self._conn = None
