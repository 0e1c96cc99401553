"""ProxyStorage: a worker's storage calls answered from the driver's in-memory storage."""

import pytest

from tuneforge.exceptions import DuplicatedStudyError, StorageError
from tuneforge.execution.proxy import ProxyStorage, serve
from tuneforge.storage import InMemoryStorage
from tuneforge.storage import events as ev
from tuneforge.trial.records import Direction


def _pair():
    """A proxy whose pipe is a direct call into `serve` on an in-memory storage."""
    backing = InMemoryStorage()
    pending = []

    def send(message):
        kind, call_id, method, args = message
        assert kind == "call"
        pending.append((call_id, serve(backing, method, args)))

    def receive(call_id):
        got_id, answer = pending.pop()
        assert got_id == call_id
        return answer

    return ProxyStorage(send, receive), backing


def test_proxy_reads_and_writes_the_driver_storage():
    proxy, backing = _pair()
    ref = backing.create_study("s", (Direction.MINIMIZE,))
    assert proxy.list_studies() == [ref]
    assert proxy.url is None
    seq = proxy.append(ref, [ev.trial_created("k1", state="RUNNING", token="t")])
    assert [s for s, _ in backing.read(ref)] == [seq]
    assert proxy.read(ref, after=seq) == []
    ((_, event),) = proxy.read(ref)
    assert event["key"] == "k1"


def test_proxy_raises_the_driver_side_error():
    proxy, backing = _pair()
    backing.create_study("s", (Direction.MINIMIZE,))
    with pytest.raises(DuplicatedStudyError, match="already exists"):
        proxy.create_study("s", (Direction.MINIMIZE,))
    with pytest.raises(StorageError, match="may not delete"):
        proxy.delete_study(backing.list_studies()[0])


def test_serve_refuses_methods_it_does_not_serve():
    ok, error = serve(InMemoryStorage(), "delete_study", ())
    assert not ok and "not served" in str(error)


def test_a_read_right_after_an_append_needs_no_second_trip():
    backing = InMemoryStorage()
    sent = []

    def send(message):
        sent.append(message)
        kind, call_id, method, args = message
        replies.append(serve(backing, method, args))

    replies = []
    proxy = ProxyStorage(send, lambda call_id: replies.pop())
    ref = backing.create_study("s", (Direction.MINIMIZE,))
    assert proxy.read(ref) == []  # a reader's cursor is now known: -1
    other = backing.append(ref, [ev.trial_created("k0", state="RUNNING", token="t")])
    seq = proxy.append(ref, [ev.trial_created("k1", state="RUNNING", token="u")])
    # the append's answer carried every event after the cursor, another writer's too
    assert [m[2] for m in sent] == ["read", "append_read"]
    assert [s for s, _ in proxy.read(ref, after=-1)] == [other, seq]
    assert len(sent) == 2
    # a read at another cursor, or a second read, goes to the driver
    assert proxy.read(ref, after=seq) == []
    assert [m[2] for m in sent] == ["read", "append_read", "read"]
