"""The `overhead` section: sampler cost per trial, ours against Optuna's counterpart, and
the storage / parallel tables that benchmarks.storage and benchmarks.parallel wrote."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from benchmarks import adapters
from benchmarks._env import markdown_table
from benchmarks.report import stats
from benchmarks.report.data import by, median, ms, usable
from benchmarks.report.markdown import _failures, _status_line, order_problems


def section(runs: list[dict[str, Any]], machinery: list[dict[str, Any]],
            plot_links: Sequence[str]) -> str:
    out = ["## overhead — the cost of the machinery\n"]
    if runs:
        out += [_status_line(runs) + ".\n",
                "Sampler cost per trial (ms): wall time between the end of one objective call "
                "and the start of the next (sample + suggest + tell + the study's own "
                "bookkeeping), median over the trials (0.9 n, n] of each run, then median over "
                "seeds. *ratio* = ours / Optuna's counterpart (< 1: ours is cheaper). "
                "'–': the run stopped at its time cap before n trials.\n"]
        out.append(_sampler_table(runs))
        out.extend(f"![{link}]({link})\n" for link in plot_links)
        out.append(_failures(runs))
    for payload in machinery:
        name = payload.get("benchmark", "?")
        env = payload.get("env", {})
        out.append(f"### {name} (from `{payload['file']}`)\n")
        out.append(f"`{env.get('command', '?')}` — {env.get('date', '?')}, "
                   f"{env.get('cpu_model', '?')} x{env.get('nproc', '?')}\n")
        for key in ("table_markdown", "cycle_table_markdown", "load_table_markdown"):
            if payload.get(key):
                out.append(payload[key] + "\n")
    if not machinery:
        out.append("Storage and parallel throughput: `python -m benchmarks.storage` and "
                   "`python -m benchmarks.parallel` (or `run --suite overhead "
                   "--with-machinery`); their results files, passed to `report`, appear here.\n")
    return "\n".join(out)


def cells(runs: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """The (problem, trial count) columns of the sampler-cost table."""
    probs = order_problems({r["problem"] for r in runs})
    cps: list[int] = sorted({c for r in runs for c in (r.get("checkpoints") or [])})
    return [(p, c) for p in probs for c in cps]


def cost(groups: dict[tuple, list[dict[str, Any]]], opt: str | None, p: str, c: int) -> float:
    """Median over seeds of an optimizer's per-trial cost (s) around trial `c` of problem
    `p`; `groups` is the runs `by` optimizer and problem."""
    if opt is None:
        return math.nan
    vals = [stats.window_overhead(r, c) for r in usable(groups.get((opt, p), []))]
    return median([v for v in vals if v is not None])


def _sampler_table(runs: list[dict[str, Any]]) -> str:
    groups = by(runs, "optimizer", "problem")
    cols = cells(runs)
    rows = []
    for ours, theirs in adapters.COUNTERPARTS.items():
        present = {o for (o, _p) in groups}
        if ours not in present and theirs not in present:
            continue
        for name in (ours, theirs):
            if name is None or name not in present:
                continue
            rows.append([f"**{name}**" if adapters.is_ours(name) else name]
                        + [ms(cost(groups, name, p, c)) for p, c in cols])
        if theirs in present and ours in present:
            ratio = []
            for p, c in cols:
                a, b = cost(groups, ours, p, c), cost(groups, theirs, p, c)
                ratio.append(f"{a / b:.2f}" if a == a and b == b and b > 0 else "–")
            rows.append(["ratio"] + ratio)
    heads = ["sampler"] + [f"{p.replace('cheap-', '')} @{c}" for p, c in cols]
    return markdown_table(heads, rows) + "\n"
