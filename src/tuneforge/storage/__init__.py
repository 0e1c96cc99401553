"""Storages: append-only event logs of studies (memory, SQLite, PostgreSQL)."""

from tuneforge.storage.base import Storage, StudyRef, find_study
from tuneforge.storage.memory import InMemoryStorage
from tuneforge.storage.sqlite import SQLiteStorage
from tuneforge.storage.url import DEFAULT_URL, open_storage

__all__ = ["DEFAULT_URL", "InMemoryStorage", "SQLiteStorage", "Storage", "StudyRef",
           "find_study", "open_storage"]
