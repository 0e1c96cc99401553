"""Reading results files and the numbers every table is made of.

Orientation: records hold internal values (minimized). `shown(metric, v)` is the value
as reported: log10(max(v, floor)) for BBOB regret, else sign * v (an accuracy or a
hypervolume back to "higher is better"). `loss(metric, v)` is the shown value turned so
that lower is better, for ranks and win/tie/loss.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

USABLE = ("ok", "time_cap")   # runs whose trace counts


def load_files(paths: Iterable[str | Path]) -> tuple[dict[str, dict[str, Any]], list[dict]]:
    """{suite: {"runs": [...], "meta": [meta per file], "files": [...]}}, and the
    overhead machinery payloads (benchmarks.storage / benchmarks.parallel files)."""
    suites: dict[str, dict[str, Any]] = {}
    machinery: list[dict[str, Any]] = []
    for path in paths:
        doc = json.loads(Path(path).read_text())
        if "benchmark" in doc and "suite" in doc and "meta" not in doc:
            machinery.append(dict(doc, file=str(path)))
            continue
        if "runs" not in doc or not doc.get("suite"):
            continue
        entry = suites.setdefault(doc["suite"], {"runs": {}, "meta": [], "files": []})
        for rec in doc["runs"]:
            entry["runs"][rec["key"]] = rec  # a later file wins for the same key
        entry["meta"].append(doc.get("meta", {}))
        entry["files"].append(str(path))
    for entry in suites.values():
        entry["runs"] = list(entry["runs"].values())
    return suites, machinery


def shown(metric: dict[str, Any], v: float | None) -> float:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return math.nan
    if metric.get("floor") is not None:
        return math.log10(max(float(v), metric["floor"]))
    return metric.get("sign", 1) * float(v)


def loss(metric: dict[str, Any], shown_value: float) -> float:
    """The shown value oriented so that lower is better."""
    return shown_value if metric.get("floor") is not None else metric.get("sign", 1) * shown_value


def higher_is_better(metric: dict[str, Any]) -> bool:
    return metric.get("floor") is None and metric.get("sign", 1) < 0


def label(metric: dict[str, Any]) -> str:
    return f"{metric['name']} {'↑' if higher_is_better(metric) else '↓'}"


def value_at(rec: dict[str, Any], c: float) -> float | None:
    """Best internal value after `c` evaluations (or seconds, for fidelity): the trace at
    the last point <= c; None if the run reached no point by then."""
    best = rec.get("best") or []
    if not best:
        return None
    xs = rec.get("trace_n") or rec.get("trace_t")
    if xs is None:  # single objective: one point per evaluation
        n = min(int(c), len(best))
        return best[n - 1] if n >= 1 else None
    idx = None
    for i, x in enumerate(xs):
        if x <= c + 1e-9:
            idx = i
        else:
            break
    return best[idx] if idx is not None else None


def median(xs: Sequence[float]) -> float:
    xs = [x for x in xs if x == x]
    return float(statistics.median(xs)) if xs else math.nan


def by(runs: Iterable[dict[str, Any]], *fields: str) -> dict[tuple, list[dict[str, Any]]]:
    out: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for r in runs:
        out[tuple(r.get(f) for f in fields)].append(r)
    return out


def usable(runs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in runs if r.get("status") in USABLE and r.get("best")]


def cell(runs: list[dict[str, Any]], c: float) -> float:
    """Median over seeds of the shown value at checkpoint c."""
    ok = usable(runs)
    if not ok:
        return math.nan
    metric = ok[0]["metric"]
    return median([shown(metric, value_at(r, c)) for r in ok])


def levels(runs: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Split a suite's runs into budget levels: level i holds each problem's i-th smallest
    budget (bbob: 100 then 300; quick: 30 on BBOB and 10 on ml, both level 0)."""
    budgets: dict[str, list[int]] = defaultdict(list)
    for r in runs:
        if r["budget"] not in budgets[r["problem"]]:
            budgets[r["problem"]].append(r["budget"])
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in runs:
        out[sorted(budgets[r["problem"]]).index(r["budget"])].append(r)
    return dict(sorted(out.items()))


def ms(seconds: float | None) -> str:
    if seconds is None or seconds != seconds:
        return "–"
    v = seconds * 1e3
    return f"{v:.3g}" if v < 100 else f"{v:.0f}"


def fmt(v: float, digits: int = 4) -> str:
    """`digits` significant digits; '–' for a missing value."""
    if v != v:
        return "–"
    return f"{v:.{digits}g}"
