"""Every storage we ship passes the public StorageContract (tuneforge.testing)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tuneforge.storage import InMemoryStorage, SQLiteStorage
from tuneforge.testing import StorageContract


class TestInMemoryStorage(StorageContract):
    @pytest.fixture
    def storage(self) -> InMemoryStorage:
        return InMemoryStorage()


class TestSQLiteStorage(StorageContract):
    @pytest.fixture
    def storage(self, tmp_path) -> Iterator[SQLiteStorage]:
        s = SQLiteStorage(tmp_path / "study.db")
        yield s
        s.close()


class TestPostgresStorage(StorageContract):
    @pytest.fixture
    def storage(self, postgres_url: str):
        from tuneforge.storage.postgres import PostgresStorage

        s = PostgresStorage(postgres_url)
        yield s
        s.close()
