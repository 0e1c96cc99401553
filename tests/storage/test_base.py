"""The Storage protocol and find_study: a study found by name, or an error listing the
studies there."""

import dataclasses

import pytest

from tuneforge.exceptions import StudyNotFoundError
from tuneforge.storage import InMemoryStorage, Storage, StudyRef, find_study
from tuneforge.trial.records import Direction

MIN = (Direction.MINIMIZE,)


def test_find_study_by_name_or_list_the_studies_there():
    storage = InMemoryStorage()
    with pytest.raises(StudyNotFoundError, match=r"no study named 'a'.*\(studies: none\)"):
        find_study(storage, "a")
    ref = storage.create_study("a", MIN)
    storage.create_study("b", MIN)
    assert find_study(storage, "a") == ref
    with pytest.raises(StudyNotFoundError, match=r"'c'.*\(studies: 'a', 'b'\)"):
        find_study(storage, "c")


def test_study_refs_are_values():
    ref = StudyRef(1, "s", MIN)
    assert ref == StudyRef(1, "s", MIN) and hash(ref) == hash(StudyRef(1, "s", MIN))
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.name = "t"  # type: ignore[misc]


def test_the_protocol_is_checked_at_runtime():
    assert isinstance(InMemoryStorage(), Storage)

    class NoRead:
        url = None

        def create_study(self, name, directions, *, exist_ok=False): ...
        def list_studies(self): ...
        def delete_study(self, study): ...
        def append(self, study, events): ...

    assert not isinstance(NoRead(), Storage)
