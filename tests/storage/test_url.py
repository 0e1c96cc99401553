"""open_storage: a URL (or a Storage) becomes a Storage; a bad one is named."""

import pytest

from tuneforge.exceptions import StorageError
from tuneforge.storage import InMemoryStorage, SQLiteStorage
from tuneforge.storage.url import DEFAULT_URL, open_storage


def test_none_and_memory_open_a_fresh_in_memory_storage():
    a, b = open_storage(None), open_storage(":memory:")
    assert isinstance(a, InMemoryStorage) and isinstance(b, InMemoryStorage) and a is not b
    assert a.url is None


def test_a_storage_passes_through_and_sqlite_urls_open_a_file(tmp_path):
    mine = InMemoryStorage()
    assert open_storage(mine) is mine
    url = f"  sqlite:///{tmp_path / 's.db'}  "
    storage = open_storage(url)
    try:
        assert isinstance(storage, SQLiteStorage)
        assert storage.url == url.strip()
    finally:
        storage.close()
    assert DEFAULT_URL.startswith("sqlite:///")


@pytest.mark.parametrize("given, match", [
    ("sqlite:///", "names no file"),
    ("mysql://db", "unsupported storage URL 'mysql://db'"),
    (42, "a URL string or a Storage, got 42"),
])
def test_bad_storages_are_named(given, match):
    with pytest.raises(StorageError, match=match):
        open_storage(given)
