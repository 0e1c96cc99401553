"""SQLite storage (stdlib sqlite3): the embedded default, shared safely by processes.

Measured settings (DESIGN.md): WAL journal, a 30 s busy timeout, synchronous=NORMAL and
``BEGIN IMMEDIATE`` for every write in autocommit mode; no transaction is ever held
while an objective runs.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from tuneforge.exceptions import DuplicatedStudyError, StorageError, StorageVersionError
from tuneforge.storage.base import DamagedStudy, StudyRef, schema_version_problem, study_row
from tuneforge.storage.events import Event, dumps, loads_rows
from tuneforge.trial.records import Direction

SCHEMA_VERSION = 1
_NETWORK_FS = {"nfs", "nfs4", "cifs", "smbfs", "smb3", "fuse.sshfs", "9p", "afs", "ceph",
               "glusterfs", "fuse.glusterfs", "lustre", "gpfs"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tuneforge_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS studies (
    study_id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    directions TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id INTEGER NOT NULL REFERENCES studies(study_id) ON DELETE CASCADE,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_study ON events (study_id, seq);
"""


def _filesystem_type(path: Path) -> str | None:
    """The type of the filesystem holding `path`, from /proc/mounts (Linux only)."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    target = str(path.resolve())
    best, best_type = "", None
    for line in mounts:
        parts = line.split()
        mount = parts[1] if len(parts) >= 3 else None
        if mount and (target == mount or target.startswith(mount.rstrip("/") + "/")):
            if len(parts[1]) >= len(best):
                best, best_type = parts[1], parts[2]
    return best_type


class SQLiteStorage:
    """A study database in one SQLite file, e.g. ``SQLiteStorage("tuneforge.db")``.

    `read_only=True` opens the file with ``mode=ro`` (for dashboards and the CLI) and
    fails clearly when it does not exist; `must_exist=True` opens it for writing but never
    creates it (`load_study`: a mistyped path is an error, not a new empty database).
    """

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False,
                 must_exist: bool = False, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.schema_problem: str | None = None  # a damaged version row a reader noted
        self.read_only = read_only
        self.must_exist = must_exist
        self._timeout = timeout
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._abs = self.path.resolve()  # a later chdir must not look like a moved file
        if (read_only or must_exist) and not self.path.is_file():
            raise self._missing_file()
        if not read_only and not self.path.parent.exists():
            raise StorageError(
                f"cannot create database {str(self.path)!r}: folder "
                f"{str(self.path.parent)!r} does not exist"
            )
        fs = _filesystem_type(self.path.parent)
        if fs in _NETWORK_FS:
            raise StorageError(
                f"{str(self.path)!r} is on a network filesystem ({fs}); SQLite locking is "
                "unreliable there. Use a local path or PostgreSQL (postgresql://...)"
            )
        self._open()

    def _open(self) -> None:
        self._conn = self._connect()
        self._identity = _identity(self._abs)
        # at exit (or when collected) close cleanly: SQLite folds the -wal file back into
        # the database on the last close, so the .db file alone holds every trial
        self._finalizer = weakref.finalize(self, _close, self._conn, not self.read_only,
                                           os.getpid())

    def __repr__(self) -> str:
        return f"SQLiteStorage({str(self.path)!r})"

    @property
    def url(self) -> str:
        """``sqlite:///`` and the absolute path: how another process opens this file."""
        return f"sqlite:///{self.path.resolve()}"

    def __getstate__(self) -> dict[str, object]:
        # Crossing to a worker process (ipc) sends only the path; the worker reconnects.
        return {"path": str(self.path), "read_only": self.read_only,
                "must_exist": self.must_exist, "timeout": self._timeout}

    def __setstate__(self, state: dict[str, object]) -> None:
        # Unpickling reruns __init__ to reopen the connection; mypy flags calling
        # __init__ on an instance as unsound [misc], which is the intent here.
        self.__init__(state["path"], read_only=state["read_only"],  # type: ignore[misc]
                      must_exist=state.get("must_exist", False), timeout=state["timeout"])

    # -- connection ------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        # Several processes may open a new file at once: setting WAL needs a moment of
        # exclusive access that busy_timeout does not always cover, so retry briefly.
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                return self._connect_once()
            except sqlite3.OperationalError as exc:
                if (self.read_only or self.must_exist) and not self._abs.exists():
                    raise self._missing_file() from None  # gone since the check
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise StorageError(f"cannot open {str(self.path)!r}: {exc}") from None
                time.sleep(0.05)
            except sqlite3.DatabaseError as exc:
                raise StorageError(
                    f"cannot open {str(self.path)!r} as a tuneforge SQLite database: {exc}"
                ) from None

    def _missing_file(self) -> StorageError:
        return StorageError(f"no tuneforge database at {str(self.path)!r} "
                            "(create_study creates one; loading never does)")

    def _connect_once(self) -> sqlite3.Connection:
        # A URI with the path quoted: '#', '?' or '%' in a file name stay part of the name,
        # and the mode is SQLite's own check, with no window between a check and the open
        # (ro: never writes; rw: never creates; rwc: may create)
        mode = "ro" if self.read_only else "rw" if self.must_exist else "rwc"
        uri = f"file:{quote(str(self._abs))}?mode={mode}"
        conn = sqlite3.connect(uri, uri=True, timeout=self._timeout,
                               isolation_level=None, check_same_thread=False)
        conn.text_factory = _text
        try:
            conn.execute(f"PRAGMA busy_timeout={int(self._timeout * 1000)}")
            if not self.read_only:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._init_schema(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _init_schema(self, conn: sqlite3.Connection) -> None:
        has_meta = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='tuneforge_meta'"
        ).fetchone()
        if not has_meta:
            if self.read_only:
                raise StorageError(f"{str(self.path)!r} is not a tuneforge database")
            conn.execute("BEGIN IMMEDIATE")
            try:
                # checked inside the write lock: another process may have just made it
                tables = {r[0] for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' "
                    "AND name NOT LIKE 'sqlite_%'").fetchall()}
                if tables and "tuneforge_meta" not in tables:
                    raise StorageError(
                        f"{str(self.path)!r} is an SQLite database of something else "
                        f"(tables: {', '.join(sorted(tables)[:5])}); refusing to write into it"
                    )
                for stmt in filter(str.strip, _SCHEMA.split(";")):
                    conn.execute(stmt)
                conn.execute(
                    "INSERT OR IGNORE INTO tuneforge_meta (key, value) "
                    "VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        row = conn.execute(
            "SELECT value FROM tuneforge_meta WHERE key='schema_version'"
        ).fetchone()
        problem = schema_version_problem(row)
        if problem is not None:
            if not self.read_only:  # a writer must know the version; a reader notes it
                raise StorageError(f"{str(self.path)!r}: corrupt tuneforge schema ({problem});"
                                   f" see: tuneforge doctor --storage {self.url} "
                                   "--repair-to NEW.db")
            self.schema_problem = problem
        elif int(row[0]) > SCHEMA_VERSION:
            raise StorageVersionError(
                f"{str(self.path)!r} has schema version {row[0]}, newer than this tuneforge "
                f"understands ({SCHEMA_VERSION}); upgrade tuneforge"
            )

    def _check_identity(self) -> None:
        """Refuse to go on when the file was deleted, moved or replaced while open: SQLite
        would keep writing into the unlinked inode, and every later result would be lost."""
        now = _identity(self._abs)
        if now == self._identity:
            return
        what = "deleted or moved" if now is None else "replaced by another file"
        raise StorageError(
            f"the database file {str(self.path)!r} was {what} while this process had it "
            "open; nothing more is written, so no result goes into a file that is gone. "
            "Restore the file (or open a new storage) and run again")

    @contextmanager
    def _cursor(self, *, write: bool) -> Iterator[sqlite3.Connection]:
        if os.getpid() != self._pid:  # forked: never share a connection across processes
            self._pid = os.getpid()
            self._finalizer.detach()  # the parent's connection is the parent's to close
            self._open()
        self._check_identity()
        if write and self.read_only:
            raise StorageError(f"{str(self.path)!r} is opened read-only")
        with self._lock:
            conn = self._conn
            try:
                if write:
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        yield conn
                        conn.execute("COMMIT")
                    except BaseException:
                        if conn.in_transaction:
                            conn.execute("ROLLBACK")
                        raise
                else:
                    yield conn
            except sqlite3.OperationalError as exc:
                raise StorageError(f"SQLite error on {str(self.path)!r}: {exc}") from None
            except sqlite3.DatabaseError as exc:
                raise StorageError(f"{str(self.path)!r} is damaged: {exc}") from None

    # -- the protocol ----------------------------------------------------------------
    def _ref(self, row: tuple[int, object, object]) -> StudyRef:
        found = study_row(*row)
        if isinstance(found, DamagedStudy):
            raise StorageError(f"{found.label} in {str(self.path)!r} is damaged: "
                               f"{found.reason}; see tuneforge doctor")
        return found

    def create_study(self, name: str, directions: Sequence[Direction], *,
                     exist_ok: bool = False) -> StudyRef:
        with self._cursor(write=True) as conn:
            row = conn.execute(
                "SELECT study_id, name, directions FROM studies WHERE name=?", (name,)
            ).fetchone()
            if row is not None:
                if exist_ok:
                    return self._ref(row)
                raise DuplicatedStudyError(
                    f"a study named {name!r} already exists in {str(self.path)!r}"
                )
            dirs = json.dumps([Direction(d).value for d in directions])
            cur = conn.execute(
                "INSERT INTO studies (name, directions, created_at) VALUES (?, ?, ?)",
                (name, dirs, time.time()),
            )
            return StudyRef(int(cur.lastrowid or 0), name, tuple(directions))

    def _study_rows(self) -> list[StudyRef | DamagedStudy]:
        with self._cursor(write=False) as conn:
            rows = conn.execute(
                "SELECT study_id, name, directions FROM studies ORDER BY study_id"
            ).fetchall()
        return [study_row(*r) for r in rows]

    def list_studies(self) -> Sequence[StudyRef]:
        """The readable studies; `damaged_studies` names the rows that are not."""
        return [r for r in self._study_rows() if isinstance(r, StudyRef)]

    def damaged_studies(self) -> list[DamagedStudy]:
        """Study rows that cannot be read (a bad name or directions), with the reason."""
        return [r for r in self._study_rows() if isinstance(r, DamagedStudy)]

    def orphan_events(self) -> list[tuple[int, object, object]]:
        """(seq, study_id, body) of event rows whose study_id names no study (damage)."""
        with self._cursor(write=False) as conn:
            return [tuple(r) for r in conn.execute(
                "SELECT seq, study_id, body FROM events WHERE study_id NOT IN "
                "(SELECT study_id FROM studies) OR study_id IS NULL ORDER BY seq").fetchall()]

    def delete_study(self, study: StudyRef) -> None:
        with self._cursor(write=True) as conn:
            self._check(conn, study)
            conn.execute("DELETE FROM events WHERE study_id=?", (study.study_id,))
            conn.execute("DELETE FROM studies WHERE study_id=?", (study.study_id,))

    def _check(self, conn: sqlite3.Connection, study: StudyRef) -> None:
        if conn.execute("SELECT 1 FROM studies WHERE study_id=?",
                        (study.study_id,)).fetchone() is None:
            raise StorageError(
                f"study {study.name!r} does not exist in {str(self.path)!r} (was it deleted?)"
            )

    def append(self, study: StudyRef, events: Sequence[Event]) -> int:
        now = time.time()
        rows = [(study.study_id, dumps(e if "t" in e else dict(e, t=now))) for e in events]
        with self._cursor(write=True) as conn:
            self._check(conn, study)
            if not rows:  # nothing to add: the study's last sequence number
                return int(conn.execute("SELECT coalesce(max(seq), -1) FROM events "
                                        "WHERE study_id=?", (study.study_id,)).fetchone()[0])
            conn.executemany("INSERT INTO events (study_id, body) VALUES (?, ?)", rows)
            last = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
        return int(last)

    def read(self, study: StudyRef, *, after: int = -1) -> Sequence[tuple[int, Event]]:
        with self._cursor(write=False) as conn:
            # as bytes: no Python text conversion per row (the parser reads UTF-8 itself,
            # and a body that is not UTF-8 is reported as not valid JSON, as before)
            rows = conn.execute(
                "SELECT seq, CAST(body AS BLOB) FROM events WHERE study_id=? AND seq>? "
                "ORDER BY seq", (study.study_id, after),
            ).fetchall()
            if not rows:  # nothing new, or no such study: only then is it worth asking
                self._check(conn, study)
        return loads_rows(rows, where=str(self.path))

    def read_raw(self, study: StudyRef) -> Sequence[tuple[int, str]]:
        """A study's stored event texts, unparsed: `tuneforge doctor` reads damaged ones."""
        with self._cursor(write=False) as conn:
            self._check(conn, study)
            rows = conn.execute("SELECT seq, body FROM events WHERE study_id=? ORDER BY seq",
                                (study.study_id,)).fetchall()
        return [(int(seq), body) for seq, body in rows]

    def backup(self, target: str | os.PathLike[str]) -> Path:
        """A consistent copy of the whole database in `target` (a new file), taken with
        SQLite's online backup API: safe while other processes write. Returns the path."""
        dest = Path(target)
        if dest.exists():
            raise StorageError(f"backup target {str(dest)!r} exists; choose a new file")
        if not dest.parent.is_dir():
            raise StorageError(f"backup target folder {str(dest.parent)!r} does not exist")
        tmp = dest.with_name(dest.name + ".partial")
        try:
            with self._cursor(write=False) as conn:
                copy = sqlite3.connect(str(tmp))
                try:
                    conn.backup(copy)
                    copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                finally:
                    copy.close()
            os.replace(tmp, dest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return dest

    def close(self) -> None:
        """Close the connection (folding the -wal file into the database)."""
        with self._lock:
            self._finalizer()


def _text(data: bytes) -> str | bytes:
    """A TEXT cell as str; one that is not UTF-8 (damage) stays bytes, so the row that
    holds it is reported on its own instead of failing the whole query."""
    try:
        return data.decode()
    except UnicodeDecodeError:
        return data


def _identity(path: Path) -> tuple[int, int] | None:
    """The file's (device, inode), or None when it does not exist."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def _close(conn: sqlite3.Connection, writable: bool, pid: int) -> None:
    """Checkpoint (when writable) and close; never raises (it also runs at exit)."""
    if os.getpid() != pid:
        return  # a forked child never touches its parent's connection
    try:
        if writable:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error:
        pass  # another process is busy: its own last close folds the log
    try:
        conn.close()
    except sqlite3.Error:
        pass
