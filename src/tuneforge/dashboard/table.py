"""The trial table: server-side filtering, sorting and paging (a 100,000-trial study is
never sent whole to the browser), and the JSON-safe form of numbers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from tuneforge.trial.records import TrialRecord, TrialState

MAX_LIMIT = 500


def safe(value: Any) -> Any:
    """A value as strict JSON: NaN -> None, +-inf -> "inf"/"-inf", recursively."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, dict):
        return {str(k): safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [safe(v) for v in value]
    return value


def row(t: TrialRecord) -> dict[str, Any]:
    """The table row of a trial: what the table shows and filters on."""
    return {"number": t.number, "state": t.state.value,
            "values": None if t.values is None else safe(list(t.values)),
            "params": safe(dict(t.params)), "duration": safe(t.duration),
            "start": t.datetime_start, "worker": t.system_attrs.get("worker")}


def parse_states(text: str | None) -> set[TrialState] | None:
    """``"COMPLETE,PRUNED"`` -> the states; None or "" -> no filter. ValueError names a
    state that does not exist."""
    if not text:
        return None
    out = set()
    for part in text.split(","):
        name = part.strip().upper()
        try:
            out.add(TrialState(name))
        except ValueError:
            raise ValueError(f"unknown state {part.strip()!r}; states are "
                             f"{', '.join(s.value for s in TrialState)}") from None
    return out


def _text(t: TrialRecord) -> str:
    return " ".join([f"#{t.number}", t.state.value, *(f"{k}={v}" for k, v in t.params.items())]
                    ).lower()


def sort_key(by: str, n_objectives: int) -> Any:
    """The key function of column `by`: number, state, duration, value / value<k>, or
    param:<name>. Missing values sort last either way (handled by the caller)."""
    if by == "number":
        return lambda t: t.number
    if by == "state":
        return lambda t: t.state.value
    if by == "duration":
        return lambda t: t.duration
    if by.startswith("value"):
        k = int(by[5:] or 0)
        if not 0 <= k < n_objectives:
            raise ValueError(f"sort column {by!r}: the study has {n_objectives} objective(s)")
        return lambda t: (t.values[k] if t.values is not None and len(t.values) > k
                          and not math.isnan(t.values[k]) else None)
    if by.startswith("param:"):
        name = by[6:]

        def param(t: TrialRecord) -> Any:
            v = t.params.get(name)
            return None if v is None else (0, v) if isinstance(v, (int, float)) else (1, str(v))
        return param
    raise ValueError(f"unknown sort column {by!r}: use number, state, duration, value, "
                     "value<k> or param:<name>")


def select(trials: Sequence[TrialRecord], *, n_objectives: int, states: set[TrialState] | None,
           q: str, sort: str, desc: bool) -> list[TrialRecord]:
    """The trials passing the filters, sorted (missing values last)."""
    key = sort_key(sort, n_objectives)
    picked = [t for t in trials if (states is None or t.state in states)]
    needle = q.strip().lower()
    if needle:
        picked = [t for t in picked if needle in _text(t)]
    if sort == "number":
        return picked[::-1] if desc else picked
    present = [(k, t) for t in picked if (k := key(t)) is not None]
    missing = [t for t in picked if key(t) is None]
    present.sort(key=lambda p: p[0], reverse=desc)
    return [t for _, t in present] + missing


__all__ = ["MAX_LIMIT", "parse_states", "row", "safe", "select", "sort_key"]
