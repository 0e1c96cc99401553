"""Shared fixtures: PostgreSQL for the storage and study tests.

If TUNEFORGE_TEST_POSTGRES is set (a URL), tests use that server. Otherwise a throw-away
cluster is started as in SERVICES.md (root only: initdb runs as the `postgres` user) and
stopped at the end of the session. Each test gets an empty database of its own. Where
neither is possible the PostgreSQL tests are skipped, or fail when CI=true.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NoReturn
from urllib.parse import urlsplit, urlunsplit

import pytest


@dataclass
class PostgresServer:
    url: str            # a URL for an existing database (admin connections go there)
    owned: bool         # we started it: free to create and drop databases
    counter: itertools.count

    def with_database(self, name: str) -> str:
        parts = urlsplit(self.url)
        return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"required on CI (CI=true): {reason}", pytrace=False)
    pytest.skip(reason)


def default_ctrl_c() -> None:
    """`preexec_fn` for a child that a test interrupts with SIGINT: a shell's background
    job (`make test &`) ignores SIGINT, its children inherit that, and a Python started
    with SIGINT ignored never raises KeyboardInterrupt; restore the default first."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def require_module(module: str, extra: str):
    """Import `module`, or skip with the extra to install (fail when CI=true)."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        unavailable(f"{module} is not installed (pip install 'tuneforge[{extra}]')")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["su", "postgres", "-c", shlex.join(argv)], capture_output=True,
                          text=True, timeout=60)


def _pg_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                   key=lambda p: [int(x) for x in p.split("/")[-2].split(".") if x.isdigit()])
    found = [d for d in found if os.path.exists(os.path.join(d, "initdb"))]
    return found[-1] if found else None


@contextlib.contextmanager
def _throwaway_cluster() -> Iterator[str]:
    pg_bin = _pg_bin()
    if pg_bin is None:
        unavailable("no PostgreSQL binaries in /usr/lib/postgresql/*/bin "
                     "(apt-get install -y postgresql) and TUNEFORGE_TEST_POSTGRES is not set")
    if os.geteuid() != 0:
        unavailable("starting a throw-away cluster needs root (initdb runs as `postgres`); "
                     "set TUNEFORGE_TEST_POSTGRES=postgresql://... to use a running server")
    try:
        pw = pwd.getpwnam("postgres")
    except KeyError:
        unavailable("there is no `postgres` system user to run the cluster as")
    base = tempfile.mkdtemp(prefix="tuneforge-pg-", dir="/tmp")
    os.chmod(base, 0o755)  # enterable by the postgres user
    os.chown(base, pw.pw_uid, pw.pw_gid)
    data = os.path.join(base, "data")
    log = os.path.join(base, "server.log")
    started = False
    try:
        r = _as_postgres(f"{pg_bin}/initdb", "-D", data, "-U", "postgres", "-A", "trust",
                         "-E", "UTF8", "--no-sync")
        if r.returncode:
            pytest.fail(f"initdb failed: {r.stderr or r.stdout}", pytrace=False)
        for _attempt in range(3):  # the free port may be taken in between: retry
            port = _free_port()
            opts = (f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off "
                    "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
            r = _as_postgres(f"{pg_bin}/pg_ctl", "-D", data, "-l", log, "-w", "-t", "30",
                             "-o", opts, "start")
            if r.returncode == 0:
                started = True
                break
        if not started:
            with contextlib.suppress(OSError):
                r = subprocess.CompletedProcess(r.args, r.returncode, open(log).read(), "")
            pytest.fail(f"pg_ctl start failed: {r.stdout}{r.stderr}", pytrace=False)
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            _as_postgres(f"{pg_bin}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("psycopg is not installed (pip install 'tuneforge[postgres]')")
    url = os.environ.get("TUNEFORGE_TEST_POSTGRES")
    if url:
        yield PostgresServer(url, owned=False, counter=itertools.count())
        return
    with _throwaway_cluster() as admin_url:
        yield PostgresServer(admin_url, owned=True, counter=itertools.count())


def _drop_tuneforge_tables(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS events, studies, tuneforge_meta CASCADE")


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of an empty database for this test (dropped afterwards)."""
    import psycopg

    name = f"tuneforge_t{os.getpid()}_{next(postgres_server.counter)}"
    try:
        with psycopg.connect(postgres_server.url, autocommit=True) as conn:
            # FILE_COPY (PostgreSQL 15+) is ~6x faster than WAL_LOG for a tiny template
            fast = " STRATEGY FILE_COPY" if conn.info.server_version >= 150000 else ""
            conn.execute(f'CREATE DATABASE "{name}"{fast}')
    except psycopg.errors.InsufficientPrivilege:
        if postgres_server.owned:
            raise
        # A given server where we may not create databases: empty its tuneforge tables.
        _drop_tuneforge_tables(postgres_server.url)
        yield postgres_server.url
        _drop_tuneforge_tables(postgres_server.url)
        return
    except psycopg.OperationalError as exc:
        unavailable(f"cannot reach the PostgreSQL server: {exc}")
    try:
        yield postgres_server.with_database(name)
    finally:
        with psycopg.connect(postgres_server.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
