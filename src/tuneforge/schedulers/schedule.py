"""Each PBT member's schedule, read from the stored trials: its own segments (with their
exploit/explore events) and its lineage, the chain of segments whose checkpoints its final
weights grew from (crossing members where it exploited), which `replay_schedule` re-runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tuneforge.exceptions import TuneforgeError
from tuneforge.trial.records import Direction, TrialRecord, TrialState

FORMAT = "tuneforge-pbt-schedules"
VERSION = 1


def segment_json(t: TrialRecord) -> dict[str, Any]:
    """One segment as a JSON value."""
    a = t.system_attrs
    return {"trial": t.number, "member": a["pbt_member"], "generation": a["pbt_generation"],
            "event": a["pbt_event"], "start_step": a["pbt_start_step"],
            "end_step": a["pbt_end_step"], "params": dict(t.params),
            "parent": a.get("pbt_parent"), "source_member": a.get("pbt_source_member"),
            "state": t.state.value, "value": None if t.values is None else t.values[0]}


def lineage(last: TrialRecord, by_number: dict[int, TrialRecord]) -> list[TrialRecord]:
    """The segments from a fresh start to `last`, following each segment's parent."""
    chain = [last]
    while chain[-1].system_attrs.get("pbt_parent") is not None:
        parent = by_number.get(int(chain[-1].system_attrs["pbt_parent"]))
        if parent is None or len(chain) > len(by_number):
            raise TuneforgeError(f"trial {chain[-1].number}'s parent segment is missing")
        chain.append(parent)
    return chain[::-1]


def schedules(trials: Sequence[TrialRecord], direction: Direction) -> dict[str, Any]:
    """Every member's segments and lineage (ending at its last COMPLETE segment), and
    the member whose last segment scored best."""
    segs = [t for t in trials if "pbt_member" in t.system_attrs]
    if not segs:
        raise TuneforgeError("the study has no PBT segments (was its sampler PBT?)")
    by_number = {t.number: t for t in segs}
    members: dict[str, Any] = {}
    best: tuple[float, int] | None = None
    for m in sorted({int(t.system_attrs["pbt_member"]) for t in segs}):
        own = sorted((t for t in segs if t.system_attrs["pbt_member"] == m),
                     key=lambda t: t.number)
        done = [t for t in own if t.state is TrialState.COMPLETE and t.values is not None]
        entry: dict[str, Any] = {"segments": [segment_json(t) for t in own],
                                 "lineage": [], "final_value": None}
        if done:
            last = done[-1]
            value = float(last.values[0])  # type: ignore[index]  # COMPLETE: set
            entry["lineage"] = [segment_json(t) for t in lineage(last, by_number)]
            entry["final_value"] = value
            key = -value if direction is Direction.MAXIMIZE else value
            if best is None or key < best[0]:
                best = (key, m)
        members[str(m)] = entry
    return {"format": FORMAT, "version": VERSION, "direction": direction.value,
            "best_member": None if best is None else best[1], "members": members}


def pick_lineage(doc: dict[str, Any], member: int | None) -> list[dict[str, Any]]:
    """The lineage of `member` (default: the best member) in an exported document."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise TuneforgeError(f"not a PBT schedule export (format {FORMAT!r}): "
                             f"{str(doc)[:80]}")
    chosen = doc["best_member"] if member is None else member
    entry = doc["members"].get(str(chosen))
    if entry is None or not entry["lineage"]:
        raise TuneforgeError(f"the schedule has no finished lineage for member {chosen!r} "
                             f"(members: {sorted(doc['members'])})")
    return list(entry["lineage"])
