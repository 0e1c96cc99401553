"""Versioned JSON events: the only thing a storage keeps about a study's trials.

Every event is a JSON object with a format version ``v`` and a ``type``; a trial is
named by its ``key`` (a random hex string chosen by whoever creates it), so events can
be copied between storages unchanged. The storage stamps ``t`` (its clock) on append.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from tuneforge.exceptions import CorruptEventError, StorageError, StorageVersionError
from tuneforge.math.numbers import describe, is_number, to_float, unwrap

FORMAT_VERSION = 2  # the newest event format this tuneforge reads and writes
# version 2 adds "distribution_defined" and param_set's "distribution_ref"; every other
# event is still written as version 1, so older readers keep reading what they can
_V1 = 1

_MAX_INT_BITS = 14_000  # about 4200 digits: Python's int-to-text limit is 4300

Event = dict[str, Any]

EVENT_TYPES = frozenset({
    "trial_created",    # key, state (WAITING|RUNNING), params, user_attrs, system_attrs, token
    "trial_claimed",    # key, token: WAITING -> RUNNING, the first claim wins
    "param_set",        # key, name, value, distribution (v1) or distribution_ref (v2)
    "distribution_defined",  # ref, distribution: a study-level table entry (v2)
    "intermediate",     # key, step, value
    "attr_set",         # key (None: the study), scope (user|system), name, value
    "trial_finished",   # key, state (COMPLETE|PRUNED|FAIL), values: first finish wins
    "heartbeat",        # key
    "enqueue_once",     # tag, trials: [{key, params, user_attrs, system_attrs}]; first tag wins
})


def new_key() -> str:
    """A fresh trial key (64 random bits in hex)."""
    return secrets.token_hex(8)


def plain(value: Any) -> Any:
    """The JSON form of a value; the one policy for floats in every event and export.

    numpy scalars and arrays become Python numbers and lists, tuples become lists,
    Decimal, Fraction and numpy's long double become floats (ValueError when one is too
    large for a float: `numbers.to_float`), and a float that is not finite becomes the
    string "inf", "-inf" or "nan" (JSON has none). ints stay exact (JSON allows any size).
    Objective and intermediate values are read back as floats (`decode_float`).
    """
    kind = type(value)
    if kind is float and value - value == 0.0:  # finite (the common case, kept as is)
        return value
    if kind is str or kind is bool or value is None:
        return value
    value = unwrap(value)
    if hasattr(value, "tolist") and hasattr(value, "shape") and value.shape != ():
        value = value.tolist()  # a numpy array
    if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
        raise ValueError(f"{describe(value)} is too large to store (JSON readers stop at "
                         "about 4300 digits)")
    if isinstance(value, (bool, int, str)) or value is None:
        return value
    if is_number(value) and not isinstance(value, float):
        value = to_float(value)  # Decimal, Fraction, numpy long double
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if math.isnan(value):
            return "nan"
        return float(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    return value


def decode_float(x: Any) -> float:
    """A float written by `plain` ("inf", "-inf" and "nan" strings included)."""
    return float(x)


def _make(type_: str, **fields: Any) -> Event:
    """An event of `type_` with the current format version (typed constructors below)."""
    event: Event = {"v": _V1, "type": type_}
    event.update(fields)
    return event


def trial_created(key: str, *, state: str, params: Mapping[str, Any] | None = None,
                  user_attrs: Mapping[str, Any] | None = None,
                  system_attrs: Mapping[str, Any] | None = None,
                  token: str | None = None) -> Event:
    """A new trial: WAITING (enqueued, `params` fixed) or RUNNING (claimed by `token`)."""
    if state not in ("WAITING", "RUNNING"):
        raise ValueError(f"a trial is created WAITING or RUNNING, not {state!r}")
    fields: dict[str, Any] = {"key": key, "state": state, "params": plain(dict(params or {}))}
    if user_attrs is not None:
        fields["user_attrs"] = plain(dict(user_attrs))
    if system_attrs is not None:
        fields["system_attrs"] = plain(dict(system_attrs))
    if token is not None:
        fields["token"] = token
    return _make("trial_created", **fields)


def trial_claimed(key: str, token: str) -> Event:
    """WAITING -> RUNNING for the claimer `token`; the first claim wins."""
    return _make("trial_claimed", key=key, token=token)


def param_set(key: str, name: str, value: Any, distribution: Mapping[str, Any] | None = None,
              *, distribution_ref: str | None = None) -> Event:
    """A parameter's value and the distribution it was drawn from: inline (its JSON
    form) or by reference to a `distribution_defined` event of the study."""
    if (distribution is None) == (distribution_ref is None):
        raise ValueError("param_set takes a distribution or a distribution_ref, not both")
    if distribution_ref is not None:
        return dict(_make("param_set", key=key, name=name, value=plain(value),
                          distribution_ref=distribution_ref), v=2)
    return _make("param_set", key=key, name=name, value=plain(value),
                 distribution=dict(distribution or {}))


def distribution_ref(distribution: Mapping[str, Any]) -> str:
    """The reference of a distribution's JSON form: a digest of its canonical text."""
    text = json.dumps(distribution, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def distribution_defined(ref: str, distribution: Mapping[str, Any]) -> Event:
    """A distribution stored once per study, so a trial's param_set names it by `ref`
    instead of repeating it (10,000 categorical choices are stored once, not per trial)."""
    return dict(_make("distribution_defined", ref=ref, distribution=dict(distribution)), v=2)


def attr_set(key: str | None, name: str, value: Any, *, scope: str,
             once: bool = False) -> Event:
    """A user or system attribute of a trial (`key`) or of the study (`key=None`);
    `once`: only the first write of this name counts (concurrent writers agree)."""
    if scope not in ("user", "system"):
        raise ValueError(f"attribute scope must be 'user' or 'system', not {scope!r}")
    event = _make("attr_set", key=key, scope=scope, name=name, value=plain(value))
    if once:
        event["once"] = True
    return event


def heartbeat(key: str, *, t: float | None = None) -> Event:
    """A running trial's process is alive (the storage stamps the time unless `t`)."""
    return _make("heartbeat", key=key) if t is None else _make("heartbeat", key=key, t=t)


def enqueue_once(tag: str, trials: Sequence[Mapping[str, Any]]) -> Event:
    """Enqueue `trials` (dicts of key, params, user_attrs, system_attrs) unless an
    earlier event with the same `tag` did: a grid is enqueued once per study."""
    return _make("enqueue_once", tag=tag, trials=plain([dict(t) for t in trials]))


def finished(key: str, state: str, values: Sequence[float] | None, reason: str | None = None,
             traceback: str | None = None) -> Event:
    """The trial ended COMPLETE, PRUNED or FAIL with `values`; the first finish wins."""
    vals = None if values is None else [plain(to_float(v, "objective value")) for v in values]
    event = _make("trial_finished", key=key, state=state, values=vals)
    if reason is not None:
        event["reason"] = reason
    if traceback is not None:
        event["traceback"] = traceback
    return event


def intermediate(key: str, step: int, value: float | Sequence[float]) -> Event:
    """An intermediate objective value reported at `step`, or a list of them (one per
    objective; a single value keeps the original format)."""
    if isinstance(value, (list, tuple)):
        return _make("intermediate", key=key, step=int(step),
                     value=[plain(to_float(v, "intermediate value")) for v in value])
    return _make("intermediate", key=key, step=int(step),
                 value=plain(to_float(value, "intermediate value")))


# the encoder `json.dumps` would build on every call with these options, built once
_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False, sort_keys=True)


def dumps(event: Mapping[str, Any]) -> str:
    """Serialize an event to JSON text (strict: no NaN literals, no pickle)."""
    try:
        return _ENCODER.encode(event)
    except (TypeError, ValueError) as exc:
        raise StorageError(
            f"event {event.get('type')!r} is not JSON-serializable: {exc}. "
            "User attributes and params must be JSON values."
        ) from None


_fast_loads: Callable[[str | bytes], Any] | None
try:  # orjson (the `dashboard` extra) parses stored events about five times faster
    import orjson as _orjson

    _fast_loads = _orjson.loads
except ImportError:
    _fast_loads = None


# 19 digits in a row: maybe an int beyond 64 bits, which orjson would read as a float
_LONG_DIGITS_B = re.compile(rb"\d{19}")
_LONG_DIGITS_S = re.compile(r"\d{19}")


def parse_json(text: str | bytes) -> Any:
    """JSON text (str or UTF-8 bytes) as Python values: orjson when installed, with the
    standard library deciding every text orjson refuses (NaN literals) or reads otherwise
    (ints beyond 64 bits stay exact ints), so what is read never depends on the extra."""
    if _fast_loads is not None:
        long = (_LONG_DIGITS_B.search(text) if isinstance(text, bytes)
                else _LONG_DIGITS_S.search(text))
        if long is None:
            try:
                return _fast_loads(text)
            except ValueError:  # orjson.JSONDecodeError is a ValueError
                pass
    return json.loads(text)


def _plainly_valid(event: Any) -> bool:
    """Whether a parsed event passes every check of `loads` (one cheap test per event)."""
    if type(event) is not dict:
        return False
    v, kind = event.get("v"), event.get("type")
    return (type(v) is int and 1 <= v <= FORMAT_VERSION and type(kind) is str
            and kind in EVENT_TYPES)


def loads_rows(rows: Sequence[tuple[int, str | bytes]], *,
               where: str) -> list[tuple[int, Event]]:
    """Parse and check stored (seq, text) rows in bulk; an error names `where` and the
    event's seq. A big study's cold load is mostly this loop, so it is kept lean."""
    out: list[tuple[int, Event]] = []
    add = out.append
    parse = parse_json
    for seq, body in rows:
        try:
            event = parse(body)
        except (TypeError, ValueError):
            event = None
        if not _plainly_valid(event):
            event = loads(body, where=f"{where} event {seq}")  # raises what is wrong
        add((seq, event))
    return out


def loads(text: str | bytes | Mapping[str, Any], *, where: str) -> Event:
    """Parse and check one stored event; `where` names it in any error."""
    if isinstance(text, Mapping):
        event = dict(text)
    else:
        try:
            event = parse_json(text)
        except (TypeError, ValueError) as exc:
            raise CorruptEventError(f"corrupt event at {where}: not valid JSON ({exc})") from None
        if _plainly_valid(event):
            return cast(Event, event)  # the common case: every check below passes
    if not isinstance(event, dict) or "type" not in event or "v" not in event:
        raise CorruptEventError(f"corrupt event at {where}: missing 'v' or 'type'")
    v = event["v"]
    if not isinstance(v, int) or v < 1:
        raise CorruptEventError(f"corrupt event at {where}: bad format version {v!r}")
    if v > FORMAT_VERSION:
        raise StorageVersionError(
            f"event at {where} has format version {v}, newer than this tuneforge "
            f"understands ({FORMAT_VERSION}); upgrade tuneforge to read this study"
        )
    if not isinstance(event["type"], str) or event["type"] not in EVENT_TYPES:
        raise CorruptEventError(f"corrupt event at {where}: unknown type {event['type']!r}")
    return event
