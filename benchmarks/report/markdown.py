"""Markdown sections of RESULTS.md, one kind of suite at a time."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from benchmarks import adapters
from benchmarks._env import markdown_table
from benchmarks.problems import all_names
from benchmarks.report import stats
from benchmarks.report.data import (
    by,
    cell,
    fmt,
    label,
    levels,
    median,
    ms,
    shown,
    usable,
    value_at,
)


def order_optimizers(names: set[str]) -> list[str]:
    from benchmarks.fidelity import OPTIMIZERS as FID

    known = list(adapters.REGISTRY) + list(FID)
    ours = [n for n in known if n in names and adapters.is_ours(n)]
    peers = [n for n in known if n in names and not adapters.is_ours(n)]
    return ours + peers + sorted(names - set(known))


def order_problems(names: set[str]) -> list[str]:
    known = all_names()
    return [n for n in known if n in names] + sorted(names - set(known))


def _status_line(runs: list[dict[str, Any]]) -> str:
    c = Counter(r.get("status") for r in runs)
    seeds = sorted({r["seed"] for r in runs})
    parts = ", ".join(f"{n} {s}" for s, n in c.most_common())
    return f"{len(runs)} runs ({parts}); seeds {seeds[0]}..{seeds[-1]}" if runs else "no runs"


def _failures(runs: list[dict[str, Any]]) -> str:
    bad = [r for r in runs if r.get("status") not in ("ok",)]
    if not bad:
        return ""
    groups = by(bad, "optimizer", "status")
    rows = []
    for (opt, status), rs in sorted(groups.items()):
        reason = (rs[0].get("error") or "").strip().splitlines()
        reason_s = (reason[-1] if status == "error" and reason else reason[0] if reason else "")
        rows.append([opt, status, len(rs), reason_s[:140].replace("|", "/")])
    return ("\n**Runs that did not end normally** (time_cap runs count with what they "
            "evaluated; the others are left out of the medians):\n\n"
            + markdown_table(["optimizer", "status", "runs", "reason"], rows) + "\n")


def section_single(title: str, runs: list[dict[str, Any]], plot_links: Sequence[str]) -> str:
    """bbob, ml, quick and mo: one block per budget level."""
    out = [f"## {title}\n"]
    lv = levels(runs)
    for rs in lv.values():
        budgets = sorted({r["budget"] for r in rs})
        if len(lv) > 1:
            out.append(f"### Budget {'/'.join(map(str, budgets))} evaluations\n")
        out.append(_level(rs) + "\n")
    out.extend(f"![{link}]({link})\n" for link in plot_links)
    out.append(_failures(runs))
    return "\n".join(out)


def _level(runs: list[dict[str, Any]]) -> str:
    opts = order_optimizers({r["optimizer"] for r in runs})
    probs = order_problems({r["problem"] for r in runs})
    metrics = stats.metric_of(runs)
    probs = [p for p in probs if p in metrics] + [p for p in probs if p not in metrics]
    single = len({m["name"] for m in metrics.values()}) == 1
    lines = [_status_line(runs) + ".\n"]
    if single and metrics:
        lines.append(f"Median over seeds of the final **{label(next(iter(metrics.values())))}**"
                     " (each run's own budget); overhead = the optimizer's own time per trial"
                     " (median trial, and median of the last 10 % of trials), ms.\n")
    else:
        lines.append("Median over seeds of the final value (metric in each column); "
                     "overhead = the optimizer's own time per trial, ms.\n")
    med = stats.medians(runs, "final")
    rank = stats.ranks(runs, opts, probs)
    grouped = by(runs, "optimizer")
    heads = ["optimizer"] + [p if single or p not in metrics else f"{p} ({label(metrics[p])})"
                             for p in probs] + ["mean rank", "overhead/trial", "last 10 %"]
    rows = []
    for o in opts:
        rows.append([f"**{o}**" if adapters.is_ours(o) else o]
                    + [fmt(med.get((o, p), math.nan)) for p in probs]
                    + [fmt(rank[o], 3), ms(stats.overhead(grouped.get((o,), []), "median")),
                       ms(stats.overhead(grouped.get((o,), []), "last10"))])
    lines.append(markdown_table(heads, rows) + "\n")
    cps = {tuple(r.get("checkpoints") or ()) for r in runs}
    if len(cps) == 1 and len(next(iter(cps))) > 1:
        cp = next(iter(cps))
        rk = [stats.ranks(runs, opts, probs, c) for c in cp]
        lines.append("Mean rank at each checkpoint (evaluations):\n")
        lines.append(markdown_table(["optimizer"] + [f"@{c}" for c in cp],
                                    [[o] + [fmt(r[o], 3) for r in rk] for o in opts]) + "\n")
    lines.append(_wtl(runs, opts, probs, rank))
    lines.append(_per_problem(runs, opts, probs, metrics))
    return "\n".join(lines)


def _wtl(runs: list[dict[str, Any]], opts: list[str], probs: list[str],
         rank: dict[str, float]) -> str:
    ours, peers = stats.split(opts)
    if not ours or not peers:
        return ""
    finite = [p for p in peers if rank[p] == rank[p]]
    best_peer = min(finite, key=lambda p: rank[p]) if finite else None
    rows = []
    for o in ours:
        w, t, lo, na = stats.win_tie_loss(runs, o, peers, probs)
        row = [f"**{o}**", f"{w}/{t}/{lo}" + (f" ({na} n/a)" if na else "")]
        if best_peer:
            w2, t2, l2, na2 = stats.win_tie_loss(runs, o, [best_peer], probs)
            row.append(f"{w2}/{t2}/{l2}" + (f" ({na2} n/a)" if na2 else ""))
        rows.append(row)
    heads = ["tuneforge sampler", "W/T/L vs the best peer on each problem"]
    if best_peer:
        heads.append(f"W/T/L vs {best_peer} (best peer by mean rank)")
    return ("Win/tie/loss by median final value; a tie is a difference within the metric's "
            "tolerance (see the notes at the end):\n\n" + markdown_table(heads, rows) + "\n")


def _per_problem(runs: list[dict[str, Any]], opts: list[str], probs: list[str],
                 metrics: dict[str, dict[str, Any]]) -> str:
    parts = ["<details><summary>Median at each checkpoint, per problem (and the mean and "
             "standard deviation over seeds of the final value)</summary>\n"]
    groups = by(runs, "optimizer", "problem")
    for p in probs:
        cps = next((r.get("checkpoints") for r in runs if r["problem"] == p), None) or []
        m = metrics.get(p)
        parts.append(f"**{p}**" + (f" — {label(m)}" if m else "") + "\n")
        rows = []
        for o in opts:
            rs = groups.get((o, p), [])
            if not rs:
                continue
            ok = usable(rs)
            evals = median([r.get("n_evals") or 0 for r in ok]) if ok else math.nan
            rows.append([o] + [fmt(cell(rs, c)) for c in cps] + [_mean_sd(ok)]
                        + [f"{len(ok)}/{len(rs)}", fmt(evals)])
        parts.append(markdown_table(["optimizer"] + [f"@{c}" for c in cps]
                                    + ["final: mean ± sd", "usable runs", "evals (median)"],
                                    rows) + "\n")
    parts.append("</details>\n")
    return "\n".join(parts)


def _mean_sd(ok: list[dict[str, Any]]) -> str:
    """Mean and sample standard deviation over seeds of the shown final value: with
    3-5 seeds the median is one run, so this shows how far apart the seeds are."""
    if not ok:
        return "n/a"
    vals = [shown(r["metric"], value_at(r, r["budget"])) for r in ok]
    mean = sum(vals) / len(vals)
    sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / (len(vals) - 1)) if len(vals) > 1 \
        else math.nan
    return f"{fmt(mean)} ± {fmt(sd)}"


def section_fidelity(runs: list[dict[str, Any]], plot_links: Sequence[str]) -> str:
    out = ["## fidelity — early stopping\n", _status_line(runs) + ".\n",
           "Best validation value seen (any epoch of any trial) after each wall-clock budget, "
           "median over seeds; *reach* = median time (s) to reach the final score of the same "
           "library's no-pruning run on the same seed, and its speed-up over that run "
           "(median of per-seed ratios).\n"]
    opts = order_optimizers({r["optimizer"] for r in runs})
    groups = by(runs, "optimizer", "problem", "seed")
    for p in order_problems({r["problem"] for r in runs}):
        rs_p = [r for r in runs if r["problem"] == p]
        cps = rs_p[0].get("checkpoints") or [rs_p[0]["budget"]]
        m = next((r["metric"] for r in usable(rs_p)), None)
        rows = []
        for o in opts:
            rs = [r for r in rs_p if r["optimizer"] == o]
            if not rs:
                continue
            ok = usable(rs)
            reach, speed = [], []
            base = o.rsplit("-", 1)[0] + "-none"
            for r in ok:
                ref = usable(groups.get((base, p, r["seed"]), []))
                if not ref:
                    continue
                target = ref[0]["final"]
                t_me = _first_reach(r, target)
                t_ref = _first_reach(ref[0], target)
                reach.append(t_me)
                if t_me and t_ref and t_me == t_me:
                    speed.append(t_ref / t_me)
            rows.append([f"**{o}**" if adapters.is_ours(o) else o]
                        + [fmt(cell(rs, c)) for c in cps]
                        + [fmt(median([r.get("trials", math.nan) for r in ok])),
                           fmt(median([r["pruned"] / max(1, r["trials"]) for r in ok]), 2),
                           fmt(median(reach), 3), fmt(median(speed), 3) + "x" if speed else "–",
                           f"{len(ok)}/{len(rs)}"])
        out.append(f"**{p}**" + (f" — {label(m)}" if m else "") + "\n")
        out.append(markdown_table(["optimizer"] + [f"@{c:g} s" for c in cps]
                                  + ["trials", "pruned", "reach s", "speed-up", "runs"], rows)
                   + "\n")
    probs = order_problems({r["problem"] for r in runs})
    rank = stats.ranks(runs, opts, probs)
    out.append("Mean rank by the best value at the full budget:\n")
    out.append(markdown_table(["optimizer", "mean rank"], [[o, fmt(rank[o], 3)] for o in opts])
               + "\n")
    out.append(_wtl(runs, opts, probs, rank))
    out.extend(f"![{link}]({link})\n" for link in plot_links)
    out.append(_failures(runs))
    return "\n".join(out)


def _first_reach(rec: dict[str, Any], target: float) -> float:
    for t, b in zip(rec.get("trace_t") or [], rec.get("best") or [], strict=False):
        if b <= target + 1e-12:
            return float(t)
    return math.nan
