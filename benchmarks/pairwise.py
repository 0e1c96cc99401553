"""pairwise: one optimizer against another, problem by problem, at chosen evaluation counts.

    python -m benchmarks.pairwise FILE [FILE ...] --a tuneforge-ga --b tuneforge-random
                                  [--at 100,300]

Reads suite results (`benchmarks run --out ...`) and compares the median over seeds of
each run's best value after `at` evaluations, shown as the report shows it (log10 regret
on BBOB) with the report's tie rule (`report.stats.tied`). Prints, per evaluation count,
wins/ties/losses of `a` against `b` and the problems that are not wins, with each family
(a BBOB function over its dimensions) marked where `a` loses on any of its problems. For
targets such as "the GA no worse than random search on any BBOB family at 100
evaluations, and better at 300" (issue 20).
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Sequence
from statistics import median
from typing import Any

from benchmarks.report.data import loss, shown
from benchmarks.report.stats import tied
from benchmarks.results import load


def best_after(record: dict[str, Any], at: int) -> float | None:
    """The run's best value after `at` evaluations (its last one if it stopped sooner);
    None for a failed run or one without a curve."""
    curve = record.get("best") or []
    if record.get("status") != "ok" or not curve:
        return None
    return float(curve[min(at, len(curve)) - 1])


def compare(runs: Sequence[dict[str, Any]], a: str, b: str, at: int
            ) -> list[tuple[str, str, float, float]]:
    """(problem, "win" | "tie" | "loss" of `a`, a's median, b's median) per problem that
    both ran, on the seeds both finished; medians in shown units."""
    table: dict[tuple[str, str], dict[int, float]] = {}
    metrics: dict[str, dict[str, Any]] = {}
    for r in runs:
        v = best_after(r, at)
        if v is not None and r["optimizer"] in (a, b):
            table.setdefault((r["problem"], r["optimizer"]), {})[r["seed"]] = v
            metrics[r["problem"]] = r["metric"]
    out = []
    for problem in sorted(metrics, key=_problem_order):
        mine, theirs = table.get((problem, a), {}), table.get((problem, b), {})
        seeds = sorted(set(mine) & set(theirs))
        if not seeds:
            continue
        m = metrics[problem]
        ma = median(shown(m, mine[s]) for s in seeds)
        mb = median(shown(m, theirs[s]) for s in seeds)
        verdict = "tie" if tied(m, ma, mb) else "win" if loss(m, ma) < loss(m, mb) else "loss"
        out.append((problem, verdict, ma, mb))
    return out


def family(problem: str) -> str:
    """"bbob-f21-d2" -> "bbob-f21" (a problem without a dimension is its own family)."""
    return re.sub(r"-d\d+$", "", problem)


def _problem_order(problem: str) -> tuple[Any, ...]:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", problem))


def report(runs: Sequence[dict[str, Any]], a: str, b: str, ats: Sequence[int]) -> str:
    """Markdown: per evaluation count, W/T/L of `a` vs `b`, then the ties and losses."""
    lines = []
    for at in ats:
        rows = compare(runs, a, b, at)
        count = {v: sum(1 for r in rows if r[1] == v) for v in ("win", "tie", "loss")}
        losing = sorted({family(p) for p, v, _, _ in rows if v == "loss"}, key=_problem_order)
        lines += [f"## after {at} evaluations: {a} vs {b}", "",
                  f"{len(rows)} problems: {count['win']} wins, {count['tie']} ties, "
                  f"{count['loss']} losses; families with a loss: "
                  f"{', '.join(losing) if losing else 'none'}", ""]
        rest = [r for r in rows if r[1] != "win"]
        if rest:
            lines += [f"| problem | {a} | {b} | result |", "|---|---|---|---|"]
            lines += [f"| {p} | {_fmt(x)} | {_fmt(y)} | {v} |" for p, v, x, y in rest]
            lines.append("")
    return "\n".join(lines)


def _fmt(v: float) -> str:
    return "-" if math.isnan(v) else f"{v:.3g}"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.pairwise",
                                description=(__doc__ or "").split("\n")[0])
    p.add_argument("files", nargs="+")
    p.add_argument("--a", required=True, help="the optimizer to judge")
    p.add_argument("--b", required=True, help="the one it is compared with")
    p.add_argument("--at", default="100,300", help="evaluation counts, comma list")
    args = p.parse_args(argv)
    runs = [r for f in args.files for r in load(f)["runs"]]
    names = {r["optimizer"] for r in runs}
    for name in (args.a, args.b):
        if name not in names:
            raise SystemExit(f"no runs of {name!r} in {', '.join(args.files)}; "
                             f"optimizers there: {', '.join(sorted(names))}")
    print(report(runs, args.a, args.b, [int(x) for x in args.at.split(",")]))


if __name__ == "__main__":
    main()
