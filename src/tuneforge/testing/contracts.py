"""Public conformance suites: the checks every tuneforge storage must pass.

A plugin author subclasses the contract and provides a function-scoped ``storage``
fixture that returns a fresh, empty storage::

    from tuneforge.testing import StorageContract

    class TestMyStorage(StorageContract):
        @pytest.fixture
        def storage(self, tmp_path):
            return MyStorage(tmp_path / "db")

Our own storages run exactly the same class (tests/storage/test_conformance.py).
"""

from __future__ import annotations

import math
import multiprocessing
import threading
from collections.abc import Sequence
from typing import Any

import pytest

from tuneforge.exceptions import DuplicatedStudyError, StorageError
from tuneforge.space.distributions import Categorical, Float, Int
from tuneforge.storage import events as ev
from tuneforge.storage.base import Storage, StudyRef
from tuneforge.storage.cached import StudyView
from tuneforge.storage.replay import StudyState
from tuneforge.trial.records import Direction, TrialState

__all__ = ["StorageContract", "run_process_appends"]

MIN = (Direction.MINIMIZE,)


def _created(key: str, state: str = "RUNNING", token: str | None = "tok",
             params: dict[str, Any] | None = None) -> ev.Event:
    return ev.trial_created(key, state=state, params=params or {}, user_attrs={},
                            system_attrs={}, token=token)


def _attr(name: str, value: Any, key: str | None = None) -> ev.Event:
    return ev.attr_set(key, name, scope="user", value=value)


def _without_t(event: ev.Event) -> ev.Event:
    return {k: v for k, v in event.items() if k != "t"}


def _replay(storage: Storage, ref: StudyRef) -> StudyState:
    state = StudyState(ref.directions)
    state.apply_all(storage.read(ref))
    return state


class StorageContract:
    """Conformance tests for the five-method Storage protocol.

    Subclasses provide a ``storage`` fixture (function-scoped, a fresh empty storage).
    """

    @pytest.fixture
    def storage(self) -> Storage:  # pragma: no cover - replaced by subclasses
        raise NotImplementedError("subclass StorageContract and provide a `storage` fixture")

    # -- studies ---------------------------------------------------------------------
    def test_satisfies_protocol(self, storage: Storage) -> None:
        assert isinstance(storage, Storage)

    def test_starts_empty(self, storage: Storage) -> None:
        assert list(storage.list_studies()) == []

    def test_create_and_list_studies(self, storage: Storage) -> None:
        a = storage.create_study("a", MIN)
        b = storage.create_study("b", (Direction.MAXIMIZE, Direction.MINIMIZE))
        assert isinstance(a, StudyRef) and isinstance(b, StudyRef)
        assert a.study_id != b.study_id
        assert (a.name, b.name) == ("a", "b")
        assert b.directions == (Direction.MAXIMIZE, Direction.MINIMIZE)
        listed = {r.name: r for r in storage.list_studies()}
        assert set(listed) == {"a", "b"}
        assert listed["a"] == a and listed["b"] == b

    def test_unicode_study_name(self, storage: Storage) -> None:
        ref = storage.create_study("étude-調整 🚀", MIN)
        assert [r.name for r in storage.list_studies()] == ["étude-調整 🚀"]
        assert storage.list_studies()[0] == ref

    def test_delete_study(self, storage: Storage) -> None:
        a = storage.create_study("a", MIN)
        b = storage.create_study("b", MIN)
        storage.append(a, [_attr("x", 1)])
        storage.delete_study(a)
        assert [r.name for r in storage.list_studies()] == ["b"]
        with pytest.raises(StorageError):
            storage.read(a)
        with pytest.raises(StorageError):
            storage.delete_study(a)
        # the name is free again and the new study starts empty
        a2 = storage.create_study("a", MIN)
        assert list(storage.read(a2)) == []
        assert list(storage.read(b)) == []

    def test_duplicate_name_raises(self, storage: Storage) -> None:
        storage.create_study("dup", MIN)
        with pytest.raises(DuplicatedStudyError, match="dup"):
            storage.create_study("dup", MIN)
        assert len(storage.list_studies()) == 1

    def test_exist_ok_returns_same_ref(self, storage: Storage) -> None:
        ref = storage.create_study("s", (Direction.MAXIMIZE,))
        again = storage.create_study("s", (Direction.MAXIMIZE,), exist_ok=True)
        assert again == ref
        assert len(storage.list_studies()) == 1

    # -- events ----------------------------------------------------------------------
    def test_append_returns_increasing_seqs(self, storage: Storage) -> None:
        ref = storage.create_study("s", MIN)
        last = storage.append(ref, [_attr("a", 1)])
        for i in range(5):
            seq = storage.append(ref, [_attr("b", i), _attr("c", i)])
            assert seq > last
            last = seq
        seqs = [s for s, _ in storage.read(ref)]
        assert len(seqs) == 11
        assert seqs == sorted(set(seqs))
        assert seqs[-1] == last

    def test_append_returns_seq_of_last_event(self, storage: Storage) -> None:
        ref = storage.create_study("s", MIN)
        seq = storage.append(ref, [_attr("a", 1), _attr("b", 2), _attr("c", 3)])
        got = storage.read(ref)
        assert [e["name"] for _, e in got] == ["a", "b", "c"]
        assert got[-1][0] == seq

    def test_read_after(self, storage: Storage) -> None:
        ref = storage.create_study("s", MIN)
        storage.append(ref, [_attr("a", 0), _attr("a", 1)])
        mid = storage.append(ref, [_attr("a", 2)])
        storage.append(ref, [_attr("a", 3), _attr("a", 4)])
        later = storage.read(ref, after=mid)
        assert [e["value"] for _, e in later] == [3, 4]
        assert all(seq > mid for seq, _ in later)
        everything = storage.read(ref)
        assert [e["value"] for _, e in everything] == [0, 1, 2, 3, 4]
        assert list(storage.read(ref, after=everything[-1][0])) == []
        assert [e["value"] for _, e in storage.read(ref, after=everything[0][0])] == [1, 2, 3, 4]

    def test_read_empty_study(self, storage: Storage) -> None:
        ref = storage.create_study("s", MIN)
        assert list(storage.read(ref)) == []
        assert list(storage.read(ref, after=10**9)) == []

    def test_events_round_trip(self, storage: Storage) -> None:
        ref = storage.create_study("s", MIN)
        key = ev.new_key()
        nested = {"list": [1, 2.5, None, True, "x"], "deep": {"a": {"b": [{"c": -1}]}},
                  "unicode": "naïve 日本語 🚀", "quote": 'he said "hi"\n\ttab', "nul": "a\x00b",
                  "big": 2**53, "small": 1e-300, "neg": -0.1}
        sent = [
            _created(key, params={"lr": 0.001, "name": "ünï"}),
            ev.param_set(key, "x", value=0.1,
                    distribution=Float(0.0, 1.0).to_json()),
            ev.param_set(key, "c", value="β",
                    distribution=Categorical(("α", "β", None)).to_json()),
            ev.intermediate(key, 0, float("inf")),
            ev.intermediate(key, 1, float("-inf")),
            ev.attr_set(key, "cfg", scope="user", value=nested),
            ev.attr_set(None, "ä", scope="system", value=[["n"], {}]),
            ev.finished(key, "COMPLETE", [float("-inf"), 1.5], reason="ok"),
        ]
        storage.append(ref, sent)
        got = [e for _, e in storage.read(ref)]
        assert [_without_t(e) for e in got] == sent
        assert got[3]["value"] == "inf" and got[4]["value"] == "-inf"
        assert got[7]["values"] == ["-inf", 1.5]

    def test_events_are_copies(self, storage: Storage) -> None:
        ref = storage.create_study("s", MIN)
        event = _attr("a", {"x": [1]})
        storage.append(ref, [event])
        assert "t" not in event  # the caller's event is not stamped in place
        storage.read(ref)[0][1]["value"]["x"].append(2)
        assert storage.read(ref)[0][1]["value"] == {"x": [1]}

    def test_events_carry_numeric_time(self, storage: Storage) -> None:
        ref = storage.create_study("s", MIN)
        storage.append(ref, [_attr("a", 1), _attr("b", 2)])
        storage.append(ref, [_attr("c", 3)])
        for _, e in storage.read(ref):
            t = e.get("t")
            assert isinstance(t, (int, float)) and not isinstance(t, bool), e
            assert math.isfinite(t) and t > 0

    def test_events_carry_format_version(self, storage: Storage) -> None:
        ref = storage.create_study("s", MIN)
        storage.append(ref, [_attr("a", 1), ev.distribution_defined("r", Float(0, 1).to_json())])
        assert [e["v"] for _, e in storage.read(ref)] == [1, ev.FORMAT_VERSION]

    def test_url_reopens_the_same_study(self, storage: Storage) -> None:
        """`url` is None (cannot be shared) or opens the same events in a new handle."""
        from tuneforge.storage.base import find_study
        from tuneforge.storage.url import open_storage

        url = storage.url
        assert url is None or isinstance(url, str), f"url must be str or None, got {url!r}"
        if url is None:
            return
        ref = storage.create_study("reopened", MIN)
        storage.append(ref, [_attr("a", 1)])
        other = open_storage(url)
        assert list(other.read(find_study(other, "reopened"))) == list(storage.read(ref))

    def test_non_json_event_raises(self, storage: Storage) -> None:
        ref = storage.create_study("s", MIN)
        with pytest.raises(StorageError):
            storage.append(ref, [_attr("obj", object())])
        with pytest.raises(StorageError):  # a raw NaN: the typed constructors never make one
            storage.append(ref, [{**_attr("nan", 0), "value": float("nan")}])
        assert list(storage.read(ref)) == []

    def test_append_is_atomic(self, storage: Storage) -> None:
        ref = storage.create_study("s", MIN)
        storage.append(ref, [_attr("before", 0)])
        with pytest.raises(StorageError):
            storage.append(ref, [_attr("ok", 1), _attr("bad", {1, 2}), _attr("ok", 2)])
        assert [e["name"] for _, e in storage.read(ref)] == ["before"]
        storage.append(ref, [_attr("after", 3)])
        assert [e["name"] for _, e in storage.read(ref)] == ["before", "after"]

    def test_append_to_deleted_study_raises(self, storage: Storage) -> None:
        ref = storage.create_study("gone", MIN)
        storage.append(ref, [_attr("a", 1)])
        storage.delete_study(ref)
        with pytest.raises(StorageError):
            storage.append(ref, [_attr("a", 2)])
        # a new study with the same name does not receive the stale ref's events
        new = storage.create_study("gone", MIN)
        with pytest.raises(StorageError):
            storage.append(ref, [_attr("a", 3)])
        assert new.study_id != ref.study_id, "study ids must not be reused"
        assert list(storage.read(new)) == []

    def test_studies_are_isolated(self, storage: Storage) -> None:
        a = storage.create_study("a", MIN)
        b = storage.create_study("b", MIN)
        for i in range(3):
            storage.append(a, [_attr("a", i)])
            storage.append(b, [_attr("b", i), _attr("b", i)])
        got_a = storage.read(a)
        got_b = storage.read(b)
        assert [e["name"] for _, e in got_a] == ["a"] * 3
        assert [e["name"] for _, e in got_b] == ["b"] * 6
        assert [e["value"] for _, e in got_a] == [0, 1, 2]
        # reading after a seq of the other study still only returns this study's events
        assert all(e["name"] == "a" for _, e in storage.read(a, after=got_b[0][0]))

    # -- replay ----------------------------------------------------------------------
    def test_replay_trial_lifecycle(self, storage: Storage) -> None:
        ref = storage.create_study("s", MIN)
        key = ev.new_key()
        storage.append(ref, [_created(key)])
        storage.append(ref, [
            ev.param_set(key, "x", value=0.25,
                    distribution=Float(0.0, 1.0).to_json()),
            ev.param_set(key, "n", value=3, distribution=Int(1, 8).to_json()),
        ])
        storage.append(ref, [ev.intermediate(key, 0, 2.0), ev.intermediate(key, 1, float("inf"))])
        storage.append(ref, [ev.attr_set(key, "note", {"k": [1, 2]}, scope="user")])
        state = _replay(storage, ref)
        (running,) = state.trials()
        assert running.state is TrialState.RUNNING
        assert running.values is None and running.datetime_start is not None
        storage.append(ref, [ev.finished(key, "COMPLETE", [0.5])])
        storage.append(ref, [ev.finished(key, "FAIL", None, reason="late")])  # ignored
        storage.append(ref, [ev.intermediate(key, 2, 9.0)])  # ignored: finished
        (trial,) = _replay(storage, ref).trials()
        assert trial.number == 0 and trial.key == key
        assert trial.state is TrialState.COMPLETE
        assert trial.values == (0.5,) and trial.value == 0.5
        assert dict(trial.params) == {"x": 0.25, "n": 3}
        assert dict(trial.distributions) == {"x": Float(0.0, 1.0), "n": Int(1, 8)}
        assert dict(trial.intermediate) == {0: 2.0, 1: math.inf}
        assert dict(trial.user_attrs) == {"note": {"k": [1, 2]}}
        assert "fail_reason" not in trial.system_attrs
        assert trial.datetime_start is not None and trial.datetime_complete is not None
        assert trial.datetime_complete >= trial.datetime_start

    def test_replay_infinite_and_multi_values(self, storage: Storage) -> None:
        ref = storage.create_study("mo", (Direction.MINIMIZE, Direction.MAXIMIZE))
        k1, k2 = ev.new_key(), ev.new_key()
        storage.append(ref, [_created(k1), _created(k2)])
        storage.append(ref, [ev.finished(k1, "COMPLETE", [float("inf"), float("-inf")]),
                             ev.finished(k2, "PRUNED", None)])
        t1, t2 = _replay(storage, ref).trials()
        assert t1.values == (math.inf, -math.inf)
        assert t2.state is TrialState.PRUNED and t2.values is None

    def test_waiting_trial_claimed_once(self, storage: Storage) -> None:
        ref = storage.create_study("s", MIN)
        key = ev.new_key()
        storage.append(ref, [_created(key, state="WAITING", token=None, params={"x": 0.5})])
        state = _replay(storage, ref)
        assert state.trials()[0].state is TrialState.WAITING
        assert state.claimed_by(key) is None
        storage.append(ref, [ev.trial_claimed(key, token="first")])
        storage.append(ref, [ev.trial_claimed(key, token="second")])
        state = _replay(storage, ref)
        (trial,) = state.trials()
        assert trial.state is TrialState.RUNNING
        assert state.claimed_by(key) == "first"
        assert dict(trial.fixed_params) == {"x": 0.5}

    def test_enqueue_once(self, storage: Storage) -> None:
        ref = storage.create_study("s", MIN)
        spec = [{"key": ev.new_key(), "params": {"x": 1}},
                {"key": ev.new_key(), "params": {"x": 2}}]
        again = [{"key": ev.new_key(), "params": {"x": 3}}]
        storage.append(ref, [ev.enqueue_once("seed", trials=spec)])
        storage.append(ref, [ev.enqueue_once("seed", trials=again)])
        trials = _replay(storage, ref).trials()
        assert [dict(t.fixed_params) for t in trials] == [{"x": 1}, {"x": 2}]
        assert all(t.state is TrialState.WAITING for t in trials)

    # -- concurrency and incremental reads -------------------------------------------
    def test_concurrent_thread_appends(self, storage: Storage) -> None:
        ref = storage.create_study("s", MIN)
        n_threads, n_events = 4, 50
        barrier = threading.Barrier(n_threads)
        returned: dict[int, list[int]] = {}
        errors: list[BaseException] = []

        def work(w: int) -> None:
            try:
                barrier.wait(timeout=30)
                returned[w] = [storage.append(ref, [_attr(f"w{w}", i)]) for i in range(n_events)]
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(w,)) for w in range(n_threads)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=120)
        assert not errors, errors
        check_appended(storage, ref, returned, n_events)

    def test_study_view_refresh_applies_only_new_events(self, storage: Storage) -> None:
        ref = storage.create_study("s", MIN)
        counter = _CountingReader(storage)
        view = StudyView(counter, ref)  # type: ignore[arg-type]
        keys = [ev.new_key() for _ in range(3)]
        storage.append(ref, [_created(keys[0]), _created(keys[1])])
        assert len(view.trials()) == 2
        assert counter.returned == [2]
        assert view.trials() == view.refresh().trials()  # nothing new: nothing re-read
        assert counter.returned[1:] == [0, 0]
        storage.append(ref, [ev.finished(keys[0], "COMPLETE", [1.0]), _created(keys[2])])
        trials = view.trials()
        assert counter.returned[-1] == 2
        assert counter.afters[-1] == storage.read(ref)[1][0]
        assert [t.state for t in trials] == [TrialState.COMPLETE, TrialState.RUNNING,
                                             TrialState.RUNNING]
        assert trials == _replay(storage, ref).trials()
        seq = view.append([ev.finished(keys[1], "FAIL", None, reason="boom")])
        assert view.state.last_seq == seq
        assert view.state.trial(keys[1]).system_attrs["fail_reason"] == "boom"


class _CountingReader:
    """Wraps a storage and records what each `read` was asked and returned."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self.afters: list[int] = []
        self.returned: list[int] = []

    def read(self, study: StudyRef, *, after: int = -1) -> Sequence[tuple[int, ev.Event]]:
        got = self._storage.read(study, after=after)
        self.afters.append(after)
        self.returned.append(len(got))
        return got

    def append(self, study: StudyRef, events: Sequence[ev.Event]) -> int:
        return self._storage.append(study, events)

    @property
    def url(self) -> str | None:
        return self._storage.url


def check_appended(storage: Storage, ref: StudyRef, returned: dict[int, list[int]],
                   n_events: int) -> None:
    """Every writer `w` appended ``attr_set(name=f"w{w}", value=i)`` for i < n_events and
    got back `returned[w]`: check that nothing was lost, duplicated or reordered."""
    got = storage.read(ref)
    seqs = [s for s, _ in got]
    assert len(got) == len(returned) * n_events, f"{len(got)} events read back"
    assert all(a < b for a, b in zip(seqs, seqs[1:], strict=False)), "seqs not strictly increasing"
    by_seq = {s: e for s, e in got}
    for w, mine in returned.items():
        assert len(mine) == n_events
        increasing = all(a < b for a, b in zip(mine, mine[1:], strict=False))
        assert increasing, f"writer {w}: seqs not increasing"
        assert [(by_seq[s]["name"], by_seq[s]["value"]) for s in mine] == [
            (f"w{w}", i) for i in range(n_events)]


def _process_worker(storage: Storage, ref: StudyRef, w: int, n_events: int,
                    barrier: Any, queue: Any) -> None:
    try:
        barrier.wait(timeout=60)
        queue.put((w, [storage.append(ref, [_attr(f"w{w}", i)]) for i in range(n_events)]))
    except BaseException as exc:
        queue.put((w, f"{type(exc).__name__}: {exc}"))


def run_process_appends(storage: Storage, ref: StudyRef, *, processes: int = 4,
                        n_events: int = 50, timeout: float = 120.0) -> None:
    """Append from `processes` spawned processes at once (the storage crosses by pickle)
    and check that no event is lost and seqs are strictly increasing."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(processes)
    queue = ctx.Queue()
    procs = [ctx.Process(target=_process_worker, args=(storage, ref, w, n_events, barrier, queue))
             for w in range(processes)]
    for p in procs:
        p.start()
    try:
        results = dict(queue.get(timeout=timeout) for _ in procs)
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    failed = {w: r for w, r in results.items() if isinstance(r, str)}
    assert not failed, f"appends failed in worker processes: {failed}"
    check_appended(storage, ref, results, n_events)
