"""The bulk read path of a big study: rows parsed by orjson when installed, the standard
library deciding whatever orjson refuses, each bad row named; the garbage collector paused
meanwhile and resumed after."""

import gc
import json

import pytest

from tuneforge.exceptions import CorruptEventError, StorageVersionError
from tuneforge.storage import events as ev
from tuneforge.storage.bulk import gc_paused


def _rows(*events):
    return [(i, (json.dumps(e) if isinstance(e, dict) else e).encode())
            for i, e in enumerate(events)]


def test_rows_parse_as_the_standard_library_does_orjson_or_not():
    huge = 10 ** 30  # beyond orjson's 64-bit ints: the standard library reads it
    rows = _rows(ev.attr_set(None, "n", huge, scope="user"),
                 ev.finished("k", "COMPLETE", [0.5]),
                 '{"v":1,"type":"attr_set","key":null,"scope":"user","name":"x","value":NaN}',
                 "{\"v\":1,\"type\":\"attr_set\",\"key\":null,\"scope\":\"user\","
                 "\"name\":\"\u00e9t\u00e9\",\"value\":1}")
    parsed = ev.loads_rows(rows, where="db")
    assert [seq for seq, _ in parsed] == [0, 1, 2, 3]
    assert parsed[0][1]["value"] == huge and parsed[1][1]["values"] == [0.5]
    assert parsed[2][1]["value"] != parsed[2][1]["value"]  # NaN, as json.loads reads it
    assert parsed[3][1]["name"] == "\u00e9t\u00e9"
    assert [e for _, e in parsed] == [json.loads(body) for _, body in rows]


@pytest.mark.parametrize("body, error, says", [
    (b"{not json", CorruptEventError, "db event 1: not valid JSON"),
    (b"\xff\xfe{}", CorruptEventError, "db event 1: not valid JSON"),
    (b'{"v":1}', CorruptEventError, "db event 1: missing 'v' or 'type'"),
    (b'{"v":1,"type":"nope"}', CorruptEventError, "unknown type 'nope'"),
    (b'{"v":1,"type":["x"]}', CorruptEventError, "unknown type"),
    (b'{"v":9,"type":"heartbeat"}', StorageVersionError, "format version 9"),
])
def test_a_bad_row_is_named_by_its_seq(body, error, says):
    rows = [(0, json.dumps(ev.heartbeat("k")).encode()), (1, body)]
    with pytest.raises(error, match=None) as info:
        ev.loads_rows(rows, where="db")
    assert says in str(info.value)


def test_gc_paused_resumes_and_nests():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still holds it
    assert gc.isenabled()
    with gc_paused(False):
        assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # off before: left off
    finally:
        gc.enable()
