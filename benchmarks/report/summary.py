"""The summary that opens RESULTS.md: one table per suite, our best against the best peer.

Per suite (and budget level): our best sampler and the best peer by mean rank (the ranks of
the suite's own table: all its optimizers, medians equal to 4 significant digits tied),
their win/tie/loss by median final value with the per-problem tie rule of the detail
(`stats.win_tie_loss`), and the ratio of their overhead per trial where it was measured.
The overhead suite pairs each sampler with its Optuna counterpart; parallel and storage
compare tuneforge's best configuration with the best peer's; searchcv uses that file's own
tie rule (the ml suite's tolerance, `benchmarks.searchcv`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from benchmarks import adapters
from benchmarks._env import markdown_table
from benchmarks.report import overhead, stats
from benchmarks.report.data import by, fmt, levels, median, ms
from benchmarks.report.markdown import order_optimizers, order_problems

HEADS = ["budget", "problems", "our best (mean rank)", "best peer (mean rank)",
         "W/T/L ours vs peer", "overhead/trial ms, ours / peer (ratio)"]


def best_pair(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Our best optimizer and the best peer of these runs, by mean rank over their
    problems, with their win/tie/loss and median overheads; None without both sides."""
    opts = order_optimizers({r["optimizer"] for r in runs})
    probs = order_problems({r["problem"] for r in runs})
    rank = stats.ranks(runs, opts, probs)
    ours, peers = stats.split(opts)
    ours = [o for o in ours if rank[o] == rank[o]]
    peers = [p for p in peers if rank[p] == rank[p]]
    if not ours or not peers:
        return None
    mine = min(ours, key=lambda o: rank[o])      # the first in the table's order on ties
    theirs = min(peers, key=lambda p: rank[p])
    grouped = by(runs, "optimizer")
    return {"ours": mine, "peer": theirs, "rank_ours": rank[mine], "rank_peer": rank[theirs],
            "n_opts": len(opts), "problems": len(stats.metric_of(runs)),
            "wtl": stats.win_tie_loss(runs, mine, [theirs], probs),
            "overhead_ours": stats.overhead(grouped.get((mine,), []), "median"),
            "overhead_peer": stats.overhead(grouped.get((theirs,), []), "median")}


def _ratio(a: float, b: float) -> str:
    """a / b with two decimals (two significant digits below 0.1, none above 100)."""
    if not (a == a and b == b and b > 0):
        return "–"
    r = a / b
    return f"{r:.2g}" if r < 0.1 else f"{r:.2f}" if r < 100 else f"{r:.0f}"


def _wtl(w: int, t: int, lo: int, na: int) -> str:
    return f"{w}/{t}/{lo}" + (f" ({na} n/a)" if na else "")


def _overhead_cell(a: float, b: float) -> str:
    if a != a and b != b:
        return "not measured"
    return f"{ms(a)} / {ms(b)} ({_ratio(a, b)})"


def ranked_table(runs: list[dict[str, Any]], *, unit: str = "evaluations",
                 split_levels: bool = True) -> str:
    """bbob, ml, mo, quick and fidelity: one row per budget level."""
    rows = []
    for rs in (levels(runs).values() if split_levels else [runs]):
        pair = best_pair(rs)
        budget = "/".join(f"{b:g}" for b in sorted({r["budget"] for r in rs})) + f" {unit}"
        if pair is None:
            rows.append([budget, str(len({r["problem"] for r in rs})), "–", "–", "–", "–"])
            continue
        rows.append([budget, str(pair["problems"]),
                     f"**{pair['ours']}** ({fmt(pair['rank_ours'], 3)})",
                     f"{pair['peer']} ({fmt(pair['rank_peer'], 3)})", _wtl(*pair["wtl"]),
                     _overhead_cell(pair["overhead_ours"], pair["overhead_peer"])])
    return markdown_table(HEADS, rows) + "\n"


def overhead_table(runs: list[dict[str, Any]]) -> str:
    """Each of our samplers against its Optuna counterpart: the cost ratio per trial."""
    groups = by(runs, "optimizer", "problem")
    cols = overhead.cells(runs)
    present = {o for (o, _p) in groups}
    rows = []
    for ours, theirs in adapters.COUNTERPARTS.items():
        if theirs is None or ours not in present or theirs not in present:
            continue
        ratio = {(p, c): overhead.cost(groups, ours, p, c) / overhead.cost(groups, theirs, p, c)
                 for p, c in cols}
        ratio = {k: r for k, r in ratio.items() if r == r and math.isfinite(r)}
        if not ratio:
            continue
        most = max(c for _p, c in ratio)
        vals = list(ratio.values())
        rows.append([f"**{ours}**", theirs,
                     f"{median(vals):.2f} ({min(vals):.2f}–{max(vals):.2f}), {len(vals)} cells",
                     f"{median([r for (_p, c), r in ratio.items() if c == most]):.2f} @{most}"])
    heads = ["ours", "Optuna counterpart", "cost ratio ours / theirs: median (range)",
             "median ratio at the most trials"]
    return markdown_table(heads, rows) + "\n" if rows else ""


def parallel_table(payload: dict[str, Any]) -> str:
    """Per number of workers: tuneforge's fastest configuration against the fastest peer's."""
    rows = []
    summary = payload.get("summary") or []
    for w in sorted({s.get("workers") for s in summary if s.get("workers") is not None}):
        at = [s for s in summary if s.get("workers") == w and s.get("median_trials_per_s")]
        ours = [s for s in at if s.get("library") == "tuneforge"]
        peers = [s for s in at if s.get("library") != "tuneforge"]
        if not ours or not peers:
            continue
        a = max(ours, key=lambda s: s["median_trials_per_s"])
        b = max(peers, key=lambda s: s["median_trials_per_s"])
        rows.append([str(w), _config(a), _config(b),
                     _ratio(a["median_trials_per_s"], b["median_trials_per_s"])])
    heads = ["workers", "ours: trials/s (speed-up)", "best peer: trials/s (speed-up)",
             "throughput ratio ours / peer"]
    return markdown_table(heads, rows) + "\n" if rows else ""


def _config(s: dict[str, Any]) -> str:
    up = s.get("speedup")
    return (f"{s.get('label', s.get('config'))}: {s['median_trials_per_s']:.3g}"
            + (f" ({up:.2f}x)" if up else ""))


_BACKENDS = {"memory": "in-memory", "sqlite": "SQLite", "postgres": "PostgreSQL"}


def storage_table(payload: dict[str, Any]) -> str:
    """Per backend: tuneforge's cost per trial (last 100 of the run) and load time against
    Optuna's."""
    rows = []
    cycle = {c["backend"]: c for c in payload.get("cycle") or [] if "backend" in c}
    for name, label in _BACKENDS.items():
        a, b = cycle.get(f"tuneforge-{name}"), cycle.get(f"optuna-{name}")
        if a and b:
            rows.append([f"ms per trial, last 100 of {a.get('trials', '?')}", label,
                         f"{a['cycle_ms_end']:.3g}", f"{b['cycle_ms_end']:.3g}",
                         _ratio(a["cycle_ms_end"], b["cycle_ms_end"])])
    load = {(x.get("library"), x.get("storage")): x for x in payload.get("load") or []}
    for name, label in _BACKENDS.items():
        a, b = load.get(("tuneforge", name)), load.get(("optuna", name))
        if a and b:
            rows.append([f"s to load a study of {a.get('n', '?')} trials", label,
                         f"{a['median_load_s']:.3g}", f"{b['median_load_s']:.3g}",
                         _ratio(a["median_load_s"], b["median_load_s"])])
    heads = ["measure", "backend", "tuneforge", "Optuna", "ratio (< 1: ours cheaper)"]
    return markdown_table(heads, rows) + "\n" if rows else ""


def searchcv_table(payload: dict[str, Any]) -> str:
    """TuneSearchCV (ours) against scikit-learn's search estimators: by median best_score_
    (greater is better) within the ml suite's tolerance, as `benchmarks.searchcv` judges
    them, and the median wall time of a search."""
    from scipy.stats import rankdata

    from benchmarks.problems import ml
    from benchmarks.searchcv import _tol, _verdict, best_after

    runs = payload.get("runs") or []
    problems = [p for p in order_problems({r["problem"] for r in runs}) if p in ml.SPECS]
    methods = sorted({r["method"] for r in runs})
    ours = [m for m in methods if m.startswith("tuneforge-")]
    peers = [m for m in methods if not m.startswith("tuneforge-")]
    if not problems or not ours or not peers:
        return ""

    def med(m: str, p: str, read: Any) -> float:
        vals = [read(r) for r in runs if r["method"] == m and r["problem"] == p]
        return median([v for v in vals if v is not None]) if vals and None not in vals \
            else math.nan

    final = {(m, p): med(m, p, lambda r: r.get("best_score")) for m in methods
             for p in problems}
    rank = dict.fromkeys(methods, 0.0)
    for p in problems:  # as stats.ranks: 4 significant digits, a missing value last
        keys = [-float(f"{final[m, p]:.4g}") if final[m, p] == final[m, p] else math.inf
                for m in methods]
        for m, r in zip(methods, rankdata(keys, method="average"), strict=True):
            rank[m] += float(r) / len(problems)
    mine = min(ours, key=lambda m: rank[m])
    theirs = min(peers, key=lambda m: rank[m])

    def wtl(a: str, b: str, score: dict[tuple[str, str], float]) -> str:
        counts = {"win": 0, "tie": 0, "loss": 0}
        for p in problems:
            x, y = score[a, p], score[b, p]
            if x == x and y == y:
                counts[_verdict(x, y, _tol(ml.SPECS[p][3], y))] += 1
        na = len(problems) - sum(counts.values())
        return _wtl(counts["win"], counts["tie"], counts["loss"], na)

    wall = [median([med(m, p, lambda r: r.get("wall_s")) for p in problems])
            for m in (mine, theirs)]
    rows = [["final best_score_", str(len(problems)), f"**{mine}** ({fmt(rank[mine], 3)})",
             f"{theirs} ({fmt(rank[theirs], 3)})", wtl(mine, theirs, final),
             f"{wall[0]:.3g} / {wall[1]:.3g} s ({_ratio(*wall)})"]]
    n_iter = (payload.get("settings") or {}).get("n_iter")
    pair = ("tuneforge-gp", "sklearn-random")
    if set(pair) <= set(methods) and n_iter:
        for k in sorted({10, 20, int(n_iter)}):
            after = {(m, p): med(m, p, lambda r, k=k: best_after(r, k)) for m in pair
                     for p in problems}
            rows.append([f"best after {k} candidates", str(len(problems)),
                         f"**{pair[0]}**", pair[1], wtl(*pair, after), "same candidates"])
    heads = ["compared at", "problems", "our best (mean rank)", "best peer (mean rank)",
             "W/T/L ours vs peer", "wall time of a search, median: ours / peer (ratio)"]
    return markdown_table(heads, rows) + "\n"


def section(data: dict[str, dict[str, Any]], suites: Sequence[str],
            machinery: list[dict[str, Any]], searchcv: list[dict[str, Any]],
            titles: dict[str, str]) -> str:
    """The summary section: a table per suite with results, in `suites` order, then
    searchcv, parallel and storage."""
    out = ["## Summary: our best against the best peer\n",
           "Per suite, before the detail below. *Our best* and *best peer*: the tuneforge "
           "sampler and the peer with the lowest mean rank among all the suite's optimizers "
           "(per problem by median final value over seeds; lower is better). W/T/L: wins, "
           "ties and losses of that sampler against that peer on each problem, by median "
           "final value, a tie being a difference within the metric's tolerance (the rule "
           "of the per-problem tables; see the notes at the end). Overhead: the optimizer's "
           "own time per trial, median over all runs of the budget level (ratio < 1: ours "
           "is cheaper).\n"]
    main = [x for x in suites if x != "quick"]
    out.extend(_suite(x, data[x]["runs"], titles) for x in main)
    for payload in searchcv:
        table = searchcv_table(payload)
        if table:
            out.append("### searchcv — TuneSearchCV against scikit-learn's search "
                       "estimators\n")
            out.append("Median best_score_ over seeds per problem (greater is better; "
                       "GridSearchCV fits up to 4x the candidates); W/T/L within the ml "
                       "suite's tolerance, as in the searchcv section:\n")
            out.append(table)
    for payload in machinery:
        name = payload.get("benchmark")
        table = parallel_table(payload) if name == "parallel" else \
            storage_table(payload) if name == "storage" else ""
        if table:
            what = ("trials per second of the same 0.2 s objective, the fastest "
                    "configuration of each side" if name == "parallel" else
                    "the storage's own cost, random sampler on both sides")
            out.append(f"### {name} — {what}\n")
            out.append(table)
    if "quick" in suites:
        out.append(_suite("quick", data["quick"]["runs"], titles))
    return "\n".join(x for x in out if x)


def _suite(suite: str, runs: list[dict[str, Any]], titles: dict[str, str]) -> str:
    """One suite's summary table under its title ('' without runs)."""
    if not runs:
        return ""
    kind = runs[0].get("kind", "so")
    head = f"### {titles.get(suite, suite)}\n"
    if kind == "overhead":
        table = overhead_table(runs)
        return (head + "\nSampler cost per trial against the Optuna counterpart, over every "
                "(problem, trial count) cell of the overhead table:\n\n" + table) if table \
            else ""
    if kind == "fidelity":
        return head + "\n" + ranked_table(runs, unit="s wall-clock", split_levels=False)
    return head + "\n" + ranked_table(runs)


__all__ = ["best_pair", "overhead_table", "parallel_table", "ranked_table",
           "searchcv_table", "section", "storage_table"]
