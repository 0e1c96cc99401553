"""Exceptions raised by tuneforge: each message names the parameter, trial or file at fault."""

from __future__ import annotations


class TuneforgeError(Exception):
    """Base class of every error tuneforge raises on purpose."""


class SearchSpaceError(TuneforgeError, ValueError):
    """A search space or a parameter definition is invalid."""


class StorageError(TuneforgeError):
    """The storage cannot be opened, read or written."""


class StorageVersionError(StorageError):
    """The storage or an event was written by a newer (or unknown) format version."""


class CorruptEventError(StorageError):
    """A stored event cannot be read or replayed; `tuneforge doctor` lists and skips such."""


class DuplicatedStudyError(StorageError):
    """A study with this name already exists and `load_if_exists` was not set."""


class StudyNotFoundError(StorageError, KeyError):
    """No study with this name exists in the storage."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class TrialStateError(TuneforgeError):
    """An operation does not fit the trial's state (e.g. telling a finished trial)."""


class TrialPruned(TuneforgeError):
    """Raise from an objective to stop the trial early; it is recorded as PRUNED."""


class SearchExhausted(TuneforgeError):
    """The sampler has nothing left to propose (e.g. a grid whose every point was run)."""


class MissingExtraError(TuneforgeError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


def missing_extra(module: str, extra: str) -> MissingExtraError:
    """Build the error raised when `module` cannot be imported, naming the pip extra."""
    return MissingExtraError(
        f"{module!r} is required for this feature but is not installed; "
        f"install it with: pip install 'tuneforge[{extra}]'"
    )
