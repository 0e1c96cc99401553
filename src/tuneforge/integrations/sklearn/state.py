"""Pickling a fitted search (users save models with pickle or joblib): trial records hold
read-only mappings that pickle cannot copy, so they travel as plain dicts and are rebuilt."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from types import MappingProxyType
from typing import Any

from tuneforge.trial.records import TrialRecord

_FIELDS = tuple(f.name for f in fields(TrialRecord))


def records_to_plain(records: Sequence[TrialRecord]) -> list[dict[str, Any]]:
    """Each record as a dict of its fields, read-only mappings copied to dicts."""
    return [{name: dict(v) if isinstance(v, Mapping) else v
             for name in _FIELDS for v in [getattr(r, name)]} for r in records]


def records_from_plain(rows: Sequence[Mapping[str, Any]]) -> list[TrialRecord]:
    """Rebuild the records, their mappings read-only again."""
    out = []
    for row in rows:
        fields_: dict[str, Any] = {k: MappingProxyType(v) if isinstance(v, dict) else v
                                   for k, v in row.items()}
        out.append(TrialRecord(**fields_))
    return out


__all__ = ["records_from_plain", "records_to_plain"]
