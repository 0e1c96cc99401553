"""Versioned JSON events: the only thing a storage keeps about a study's trials.

Every event is a JSON object with a format version ``v`` and a ``type``; a trial is
named by its ``key`` (a random hex string chosen by whoever creates it), so events can
be copied between storages unchanged. The storage stamps ``t`` (its clock) on append.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from tuneforge.exceptions import StorageError, StorageVersionError

FORMAT_VERSION = 1

Event = dict[str, Any]

EVENT_TYPES = frozenset({
    "trial_created",    # key, state (WAITING|RUNNING), params, user_attrs, system_attrs, token
    "trial_claimed",    # key, token: WAITING -> RUNNING, the first claim wins
    "param_set",        # key, name, value, distribution
    "intermediate",     # key, step, value
    "attr_set",         # key (None: the study), scope (user|system), name, value
    "trial_finished",   # key, state (COMPLETE|PRUNED|FAIL), values: first finish wins
    "heartbeat",        # key
    "enqueue_once",     # tag, trials: [{key, params, user_attrs, system_attrs}]; first tag wins
})


def new_key() -> str:
    """A fresh trial key (64 random bits in hex)."""
    return secrets.token_hex(8)


def _encode_float(x: float) -> float | str:
    # JSON has no inf/nan; +-inf are legal objective values (penalties).
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if math.isnan(x):
        return "nan"
    return x


def decode_float(x: Any) -> float:
    """Inverse of the float encoding used in events ("inf", "-inf", "nan" strings)."""
    return float(x)


def make(type_: str, **fields: Any) -> Event:
    """Build an event of `type_` with the current format version."""
    if type_ not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type_!r}")
    event: Event = {"v": FORMAT_VERSION, "type": type_}
    event.update(fields)
    return event


def finished(key: str, state: str, values: Sequence[float] | None, reason: str | None = None,
             traceback: str | None = None) -> Event:
    vals = None if values is None else [_encode_float(float(v)) for v in values]
    ev = make("trial_finished", key=key, state=state, values=vals)
    if reason is not None:
        ev["reason"] = reason
    if traceback is not None:
        ev["traceback"] = traceback
    return ev


def intermediate(key: str, step: int, value: float) -> Event:
    return make("intermediate", key=key, step=int(step), value=_encode_float(float(value)))


def dumps(event: Mapping[str, Any]) -> str:
    """Serialize an event to JSON text (strict: no NaN literals, no pickle)."""
    try:
        return json.dumps(event, separators=(",", ":"), allow_nan=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise StorageError(
            f"event {event.get('type')!r} is not JSON-serializable: {exc}. "
            "User attributes and params must be JSON values."
        ) from None


def loads(text: str | bytes | Mapping[str, Any], *, where: str) -> Event:
    """Parse and check one stored event; `where` names it in any error."""
    if isinstance(text, Mapping):
        event = dict(text)
    else:
        try:
            event = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise StorageError(f"corrupt event at {where}: not valid JSON ({exc})") from None
    if not isinstance(event, dict) or "type" not in event or "v" not in event:
        raise StorageError(f"corrupt event at {where}: missing 'v' or 'type'")
    v = event["v"]
    if not isinstance(v, int) or v < 1:
        raise StorageError(f"corrupt event at {where}: bad format version {v!r}")
    if v > FORMAT_VERSION:
        raise StorageVersionError(
            f"event at {where} has format version {v}, newer than this tuneforge "
            f"understands ({FORMAT_VERSION}); upgrade tuneforge to read this study"
        )
    if event["type"] not in EVENT_TYPES:
        raise StorageError(f"corrupt event at {where}: unknown type {event['type']!r}")
    return event
