"""open_storage: turn a URL (or a Storage) into a Storage object."""

from __future__ import annotations

from tuneforge.exceptions import StorageError
from tuneforge.storage.base import Storage
from tuneforge.storage.memory import InMemoryStorage

DEFAULT_URL = "sqlite:///tuneforge.db"


def open_storage(storage: str | Storage | None, *, read_only: bool = False,
                 must_exist: bool = False) -> Storage:
    """``None`` or ``":memory:"`` -> in-memory; ``sqlite:///path`` -> SQLite;
    ``postgresql://...`` -> PostgreSQL (needs the `postgres` extra); a Storage passes.
    `must_exist`: never create a SQLite file (loading a study must not make one)."""
    if storage is None or storage == ":memory:":
        return InMemoryStorage()
    if not isinstance(storage, str):
        if isinstance(storage, Storage):
            return storage
        raise StorageError(f"storage must be a URL string or a Storage, got {storage!r}")
    url = storage.strip()
    if url.startswith("sqlite:///"):
        from tuneforge.storage.sqlite import SQLiteStorage

        path = url[len("sqlite:///"):]
        if not path:
            raise StorageError(f"storage URL {url!r} names no file (sqlite:///path/to/file.db)")
        return SQLiteStorage(path, read_only=read_only, must_exist=must_exist)
    if url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        from tuneforge.storage.postgres import PostgresStorage

        return PostgresStorage(url, read_only=read_only)
    raise StorageError(
        f"unsupported storage URL {url!r}: use sqlite:///file.db or postgresql://user@host/db"
    )

