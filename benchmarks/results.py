"""A results file: one JSON document per suite run, written atomically after every run.

    {"format": 1, "suite": "bbob",
     "meta": {"machine": {...}, "invocations": [{"command", "date", "git_commit"}, ...]},
     "runs": [record, ...]}

Records with a status in DONE are finished: a resumed run skips them. Others (error,
crashed, timeout, unavailable) are tried again.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

FORMAT = 1
DONE = ("ok", "time_cap", "unsupported")


def load(path: str | os.PathLike[str]) -> dict[str, Any]:
    p = Path(path)
    if not p.exists():
        return {"format": FORMAT, "suite": None, "meta": {"invocations": []}, "runs": []}
    doc = json.loads(p.read_text())
    if "runs" not in doc:
        raise ValueError(f"{p} is not a suite results file (no 'runs')")
    return doc


def save(path: str | os.PathLike[str], doc: dict[str, Any]) -> None:
    """Write to a temporary file beside `path`, then rename over it (atomic on POSIX):
    a crash mid-write leaves the previous version whole."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(doc, fh, separators=(",", ":"), allow_nan=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def finished_keys(doc: dict[str, Any], instances: dict[str, int] | None = None) -> set[str]:
    """Keys of the finished runs. With `instances` (key -> the BBOB instance the plan
    wants), a run made on another instance (an older file, from before instances came
    from the seed) is not finished: it is run again and replaced."""
    out = set()
    for r in doc["runs"]:
        if r.get("status") not in DONE:
            continue
        want = (instances or {}).get(r["key"])
        if want is not None and instance_of(r) != want:
            continue
        out.add(r["key"])
    return out


def instance_of(record: dict[str, Any]) -> int | None:
    """The BBOB instance a run used: recorded in its problem info, or read from COCO's
    problem id ("bbob_f008_i01_d05"); None for other problems."""
    info = record.get("problem_info") or {}
    if isinstance(info.get("instance"), int):
        return int(info["instance"])
    m = re.search(r"_i(\d+)_", str(info.get("coco_id", "")))
    return int(m.group(1)) if m else None


def add(doc: dict[str, Any], record: dict[str, Any]) -> None:
    """Add or replace (same key) a run record."""
    doc["runs"] = [r for r in doc["runs"] if r.get("key") != record["key"]] + [record]
