"""Reading results: the best trial, the Pareto front, tables and CSV/JSON export."""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import secrets
import stat
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from tuneforge.exceptions import TuneforgeError, missing_extra
from tuneforge.math.pareto import non_dominated_mask
from tuneforge.trial.constraints import constraints_of, violation
from tuneforge.trial.records import Direction, TrialRecord, TrialState


def best_trial(trials: Sequence[TrialRecord], directions: Sequence[Direction],
               study_name: str = "") -> TrialRecord:
    """The COMPLETE trial with the best value (the first one on ties).

    With outcome constraints (`Trial.set_constraint`), feasible trials (every constraint
    value <= 0; a trial without constraints counts as feasible) come first, always: the
    best is the best feasible one. Only when no COMPLETE trial is feasible is the one with
    the least total violation returned (then the best value among equal violations), so a
    constrained study still has an answer; check `violation(best) == 0` to tell.
    """
    if len(directions) != 1:
        raise TuneforgeError(
            f"study {study_name!r} has {len(directions)} objectives: use best_trials"
        )
    done = _candidates(trials)
    if not done:
        raise TuneforgeError(f"study {study_name!r} has no COMPLETE trial yet")
    sign = -1.0 if directions[0] is Direction.MAXIMIZE else 1.0
    # a COMPLETE trial's values are set (the ignore below: `values` is optional)
    return min(done, key=lambda t: (sign * t.values[0], t.number))  # type: ignore[index]


def pareto_trials(trials: Sequence[TrialRecord],
                  directions: Sequence[Direction]) -> list[TrialRecord]:
    """COMPLETE trials that no other one dominates, taken over the feasible trials when any
    is feasible (constraints as in `best_trial`), else over those of least violation."""
    done = _candidates(trials)
    if not done:
        return []
    signs = np.array([-1.0 if d is Direction.MAXIMIZE else 1.0 for d in directions])
    costs = np.array([t.values for t in done], dtype=float) * signs
    mask = non_dominated_mask(costs)
    return [t for t, keep in zip(done, mask, strict=True) if keep]


def _candidates(trials: Sequence[TrialRecord]) -> list[TrialRecord]:
    """The COMPLETE trials the best is chosen among: the feasible ones when any exists,
    else those sharing the least total constraint violation."""
    done = [t for t in trials if t.state is TrialState.COMPLETE and t.values is not None]
    if not done:
        return []
    viol = [violation(t) for t in done]
    least = min(viol)
    return [t for t, v in zip(done, viol, strict=True) if v == least]


def _cell(v: Any) -> Any:
    if isinstance(v, float) and math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if isinstance(v, (list, dict)):
        return json.dumps(v)
    return v


def rows(trials: Sequence[TrialRecord], directions: Sequence[Direction]) -> list[dict[str, Any]]:
    """One flat dict per trial, carrying every field of the JSON export: number, state,
    value(s), times, params_*, distributions_* (JSON), intermediate_<step> (a list for a
    vector report), user_attrs_*, system_attrs_* (the sampler and its reasons,
    constraints, ...), fail_reason, and `feasible` for a trial with outcome constraints."""
    out = []
    multi = len(directions) > 1
    for t in trials:
        row: dict[str, Any] = {"number": t.number, "state": t.state.value}
        if multi:
            for i in range(len(directions)):
                row[f"values_{i}"] = None if t.values is None else t.values[i]
        else:
            row["value"] = None if t.values is None else t.values[0]
        row["datetime_start"] = t.datetime_start
        row["datetime_complete"] = t.datetime_complete
        row["duration"] = t.duration
        for k, v in t.params.items():
            row[f"params_{k}"] = v
        for k, d in t.distributions.items():
            row[f"distributions_{k}"] = d.to_json()
        for step, v in t.intermediate.items():
            row[f"intermediate_{step}"] = v
        for step, vec in t.intermediate_vectors.items():
            row[f"intermediate_{step}"] = list(vec)
        for k, v in t.user_attrs.items():
            row[f"user_attrs_{k}"] = v
        for k, v in t.system_attrs.items():
            row[f"system_attrs_{k}"] = v
        row["fail_reason"] = t.system_attrs.get("fail_reason")  # the short name, kept
        if constraints_of(t) is not None:
            row["feasible"] = feasible(t)
        out.append(row)
    return out


def _columns(table: list[dict[str, Any]]) -> list[str]:
    cols: dict[str, None] = {}
    for row in table:
        for k in row:
            cols.setdefault(k, None)
    return list(cols)


def trials_dataframe(trials: Sequence[TrialRecord], directions: Sequence[Direction]) -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise missing_extra("pandas", "pandas") from None
    table = rows(trials, directions)
    return pd.DataFrame(table, columns=_columns(table))


def export(trials: Sequence[TrialRecord], directions: Sequence[Direction], path: Path,
           format: str, *, study_name: str,
           study_attrs: Mapping[str, Any] | None = None) -> Path:
    """Write the trials to `path` as CSV (one row a trial) or JSON (full records, and the
    study's provenance and environments from `study_attrs`, its system attributes).

    Atomic: written to a temporary file beside `path`, then renamed over it, so a full
    disk or an interrupt mid-write leaves the previous file as it was.
    """
    fmt = format.lower()
    if fmt not in ("csv", "json"):
        raise ValueError(f"unknown export format {format!r}: use 'csv' or 'json'")
    with _replacing(path) as fh:
        if fmt == "csv":
            table = rows(trials, directions)
            writer = csv.DictWriter(fh, fieldnames=_columns(table) or ["number"])
            writer.writeheader()
            for row in table:
                writer.writerow({k: _cell(v) for k, v in row.items()})
        else:
            doc: dict[str, Any] = {"study": study_name,
                                   "directions": [d.value for d in directions],
                                   "trials": [record_to_json(t) for t in trials]}
            attrs = dict(study_attrs or {})
            if "provenance" in attrs:
                doc["provenance"] = attrs["provenance"]
            envs = {k.partition(":")[2]: v for k, v in attrs.items()
                    if k.startswith("environment:")}
            if envs:
                doc["environments"] = envs
            json.dump(doc, fh, indent=2, default=str)
    return path


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[TextIO]:
    """A new text file that replaces `path` only once the block ends without error.

    It is written in `path`'s folder (a rename across file systems is not atomic), synced
    to disk, then `os.replace`d over `path` (through a symlink: its target), and the folder
    is synced so the rename survives a power cut. On any error or interrupt the temporary
    file is removed and `path` is left untouched.
    """
    target = Path(os.path.realpath(path))
    if target.exists() and not target.is_file():  # a pipe or device: nothing to replace
        with target.open("w", newline="", encoding="utf-8") as fh:
            yield fh
        return
    fd, tmp = _create_beside(target)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if target.exists():  # keep the old file's permissions
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (a power cut right after it keeps the new file)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # a platform or file system that cannot open folders: nothing to sync
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the rename is still done
    finally:
        os.close(fd)


def _create_beside(target: Path) -> tuple[int, str]:
    """Open a new, uniquely named file beside `target`, with the mode a plain `open` would
    give (0o666 less the umask; `mkstemp` would make it private)."""
    for _ in range(100):
        tmp = str(target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp"))
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
        except OSError as exc:  # name the file the user asked for, not the temporary
            raise type(exc)(exc.errno, exc.strerror, str(target)) from None
    raise FileExistsError(f"no free temporary name beside {str(target)!r}")


def record_to_json(t: TrialRecord) -> dict[str, Any]:
    """A trial as a JSON-ready dict (infinite values as the strings 'inf'/'-inf')."""
    return {
        "number": t.number, "state": t.state.value,
        "values": None if t.values is None else [_cell(v) for v in t.values],
        "params": dict(t.params),
        "distributions": {k: d.to_json() for k, d in t.distributions.items()},
        "intermediate": {**{str(k): _cell(v) for k, v in t.intermediate.items()},
                         **{str(k): [_cell(x) for x in vec]
                            for k, vec in t.intermediate_vectors.items()}},
        "user_attrs": dict(t.user_attrs), "system_attrs": dict(t.system_attrs),
        "datetime_start": t.datetime_start, "datetime_complete": t.datetime_complete,
        **({"feasible": feasible(t)} if constraints_of(t) is not None else {}),
    }


def feasible(t: TrialRecord) -> bool:
    """Whether a trial meets its outcome constraints (every value <= 0; True without)."""
    return violation(t) == 0


__all__ = ["best_trial", "export", "feasible", "pareto_trials", "record_to_json",
           "rows", "trials_dataframe"]
