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

Each report ends with the two optimizers' own time per trial (`cost_report`): the median,
over the runs both made, of each run's mean and of its last 10 % of trials, per dimension.

`--reach N` asks another question: how many evaluations `a` needs to reach what `b`
reached after N (`reach`): per problem, the first evaluation count at which a's median
best-so-far (over the seeds both ran) is as good as b's median after N, under the same
tie rule. For targets such as "with 4 workers, the batch reaches the sequential run's
100-evaluation regret in at most 30 % more evaluations" (issue 20):

    python -m benchmarks.pairwise FILE --a tuneforge-gp-q4 --b tuneforge-gp --reach 100

With `--eval-seconds T --workers-a 4` the same question is asked in wall-clock time
(`finish_times`): each evaluation takes T seconds on one of the run's workers, and the
proposals, whose measured times the runs keep (`gap_s`), are made one at a time by one
driver. It gives the seconds a needs to reach b's median after N evaluations, against
the seconds b took to make them.
"""

from __future__ import annotations

import argparse
import bisect
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from statistics import median
from typing import Any

from benchmarks.report.data import loss, shown
from benchmarks.report.stats import tied
from benchmarks.results import load


def overlap(runs_by_file: Mapping[str, Sequence[dict[str, Any]]],
            names: Sequence[str]) -> str | None:
    """A message when one of `names` has runs of the same problem and seed in two of the
    files (e.g. an old and a new version of a sampler under one name), which would be
    compared as if they were one; None when each run comes from one file."""
    source: dict[tuple[str, str, int], str] = {}
    for f, runs in runs_by_file.items():
        for r in runs:
            if r.get("optimizer") not in names:
                continue
            key = (r["optimizer"], r["problem"], r["seed"])
            if source.setdefault(key, f) != f:
                return (f"{key[0]} has runs of {key[1]} seed {key[2]} in both {source[key]} "
                        f"and {f} (two versions under one name?); pass only one of them")
    return None


def best_after(record: dict[str, Any], at: int) -> float | None:
    """The run's best value after `at` evaluations (its last one if it stopped sooner);
    None for a failed run or one without a curve."""
    curve = record.get("best") or []
    if record.get("status") != "ok" or not curve:
        return None
    return float(curve[min(at, len(curve)) - 1])


def paired(runs: Sequence[dict[str, Any]], a: str, b: str,
           pick: Callable[[dict[str, Any]], Any]
           ) -> Iterator[tuple[str, dict[str, Any], dict[int, Any], dict[int, Any]]]:
    """(problem, metric, a's picks, b's picks by seed) per problem both ran, in problem
    order, each restricted to the seeds both have; `pick(run)` is what is kept of a run
    (None: the run is left out)."""
    table: dict[tuple[str, str], dict[int, Any]] = {}
    metrics: dict[str, dict[str, Any]] = {}
    for r in runs:
        v = pick(r) if r["optimizer"] in (a, b) else None
        if v is not None:
            table.setdefault((r["problem"], r["optimizer"]), {})[r["seed"]] = v
            metrics[r["problem"]] = r["metric"]
    for problem in sorted(metrics, key=_problem_order):
        mine, theirs = table.get((problem, a), {}), table.get((problem, b), {})
        seeds = sorted(set(mine) & set(theirs))
        if seeds:
            yield (problem, metrics[problem], {s: mine[s] for s in seeds},
                   {s: theirs[s] for s in seeds})


def compare(runs: Sequence[dict[str, Any]], a: str, b: str, at: int
            ) -> list[tuple[str, str, float, float]]:
    """(problem, "win" | "tie" | "loss" of `a`, a's median, b's median) per problem that
    both ran, on the seeds both finished; medians in shown units."""
    out = []
    for problem, m, mine, theirs in paired(runs, a, b, lambda r: best_after(r, at)):
        ma = median(shown(m, v) for v in mine.values())
        mb = median(shown(m, v) for v in theirs.values())
        verdict = "tie" if tied(m, ma, mb) else "win" if loss(m, ma) < loss(m, mb) else "loss"
        out.append((problem, verdict, ma, mb))
    return out


def reach(runs: Sequence[dict[str, Any]], a: str, b: str, at: int
          ) -> list[tuple[str, int | None, float, float]]:
    """(problem, evaluations `a` needs, b's median after `at`, a's median at its last
    evaluation) per problem both ran: the first n at which the median over the common
    seeds of a's best after n is as good as b's median after `at` (better, or tied
    under the report's rule); None when a's runs never get there."""
    def curve(r: dict[str, Any]) -> list[float] | None:
        ok = r.get("status") == "ok" and r.get("best")
        return [float(v) for v in r["best"]] if ok else None

    out: list[tuple[str, int | None, float, float]] = []
    for problem, m, mine, theirs in paired(runs, a, b, curve):
        target = median(shown(m, c[min(at, len(c)) - 1]) for c in theirs.values())
        needed, last = None, math.nan
        for n in range(1, max(len(c) for c in mine.values()) + 1):
            last = median(shown(m, c[min(n, len(c)) - 1]) for c in mine.values())
            if loss(m, last) <= loss(m, target) or tied(m, last, target):
                needed = n
                break
        out.append((problem, needed, target, last))
    return out


def reach_report(runs: Sequence[dict[str, Any]], a: str, b: str, at: int,
                 slack: float = 0.3) -> str:
    """Markdown: how many problems `a` reaches b's `at`-evaluation median within
    (1 + slack) * at evaluations, per dimension, then the problems it does not."""
    rows = reach(runs, a, b, at)
    limit = int(round((1 + slack) * at))
    within = [r for r in rows if r[1] is not None and r[1] <= limit]
    dims = sorted({d for p, *_ in rows if (d := dimension(p)) is not None})
    lines = [f"## evaluations {a} needs to reach {b}'s median after {at}", "",
             f"{len(rows)} problems: {len(within)} within {limit} evaluations "
             f"({100 * len(within) / max(len(rows), 1):.0f} %)."]
    for d in dims:
        sub = [r for r in rows if dimension(r[0]) == d]
        ok = sum(1 for r in sub if r[1] is not None and r[1] <= limit)
        lines.append(f"- d = {d}: {ok} of {len(sub)}")
    needs = sorted(r[1] / at for r in rows if r[1] is not None)
    if needs:
        lines.append(f"- median ratio of evaluations (problems reached): "
                     f"{median(needs):.2f}")
    rest = [r for r in rows if r[1] is None or r[1] > limit]
    if rest:
        lines += ["", f"| problem | {b} after {at} | {a} needs | {a} at its end |",
                  "|---|---|---|---|"]
        lines += [f"| {p} | {_fmt(t)} | {'never' if n is None else n} | {_fmt(v)} |"
                  for p, n, t, v in rest]
    return "\n".join(lines)


def finish_times(gaps: Sequence[float], eval_s: float, workers: int) -> list[float]:
    """When each evaluation ends, in the order the run told them (oldest first), if each
    takes `eval_s` seconds on one of `workers` workers and one driver makes the
    proposals, the i-th taking `gaps[i]` seconds (a worker waits for a proposal, and a
    proposal for a free worker)."""
    free = [0.0] * max(1, workers)   # when each worker is next free
    driver, out = 0.0, []
    for gap in gaps:
        w = min(range(len(free)), key=free.__getitem__)
        start = max(driver, free[w]) + float(gap)
        driver = start
        free[w] = start + eval_s
        out.append(free[w])
    return sorted(out)


def reach_time(runs: Sequence[dict[str, Any]], a: str, b: str, at: int, eval_s: float,
               workers_a: int, workers_b: int = 1
               ) -> list[tuple[str, float | None, float]]:
    """(problem, seconds `a` needs, seconds `b` needs) to reach b's median after `at`
    evaluations, with `eval_s` seconds per evaluation and each run's own proposal times:
    the first time at which the median over common seeds of a's best so far is as good
    (None: never); b's time is the median over seeds of its `at`-th evaluation's end."""
    def timed(r: dict[str, Any]) -> dict[str, Any] | None:
        return r if r.get("status") == "ok" and r.get("best") and r.get("gap_s") else None

    out: list[tuple[str, float | None, float]] = []
    for problem, m, mine, theirs in paired(runs, a, b, timed):
        target = median(shown(m, r["best"][min(at, len(r["best"])) - 1])
                        for r in theirs.values())
        spent = median(finish_times(r["gap_s"][:at], eval_s, workers_b)[-1]
                       for r in theirs.values())
        curves = [(finish_times(r["gap_s"], eval_s, workers_a),
                   [shown(m, v) for v in r["best"]]) for r in mine.values()]
        needed = None
        for t in sorted({t for times, _ in curves for t in times}):
            now = median(_best_at(times, best, t) for times, best in curves)
            if loss(m, now) <= loss(m, target) or tied(m, now, target):
                needed = t
                break
        out.append((problem, needed, spent))
    return out


def time_report(runs: Sequence[dict[str, Any]], a: str, b: str, at: int, eval_s: float,
                workers_a: int) -> str:
    """Markdown: a's wall-clock time to reach b's `at`-evaluation median as a share of
    b's time for those evaluations, per problem summarized."""
    rows = reach_time(runs, a, b, at, eval_s, workers_a)
    shares = [n / spent for _, n, spent in rows if n is not None and spent > 0]
    never = [p for p, n, _ in rows if n is None]
    lines = [f"## wall-clock: {a} on {workers_a} workers against {b} on one, "
             f"{eval_s:g} s per evaluation", "",
             f"{len(rows)} problems; {a} reaches {b}'s median after {at} evaluations on "
             f"{len(shares)}, in a median {median(shares):.2f} of {b}'s time"
             if shares else f"{len(rows)} problems; {a} reaches it on none",
             f"- sooner than {b} on {sum(1 for x in shares if x < 1)}; never on "
             f"{len(never)}{': ' + ', '.join(never) if never else ''}"]
    return "\n".join(lines)


def _best_at(times: Sequence[float], best: Sequence[float], t: float) -> float:
    """The best value told by time t (inf before the first); `times` ascending."""
    done = bisect.bisect_right(times, t)
    return float(best[min(done, len(best)) - 1]) if done else math.inf


def dimension(problem: str) -> int | None:
    """"bbob-f21-d2" -> 2; None for a problem without a dimension."""
    m = re.search(r"-d(\d+)$", problem)
    return int(m.group(1)) if m else None


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


def own_time(record: dict[str, Any]) -> tuple[float, float] | None:
    """The run's own time per trial, s: (mean over its trials, median of its last 10 %),
    or None for a failed run or one without timings."""
    per = record.get("overhead_per_trial_s")
    if record.get("status") != "ok" or not isinstance(per, dict) or "mean" not in per:
        return None
    return float(per["mean"]), float(per.get("last10", per["mean"]))


def cost_report(runs: Sequence[dict[str, Any]], a: str, b: str) -> str:
    """Markdown: each optimizer's own time per trial (median over the runs both made, of
    each run's mean, and of the median of its last 10 % of trials), overall and per
    dimension ("-": problems without one), with a's share of b's."""
    rows: dict[str, list[tuple[tuple[float, float], tuple[float, float]]]] = {}
    for problem, _, mine, theirs in paired(runs, a, b, own_time):
        d = dimension(problem)
        dim = "-" if d is None else str(d)
        for s in mine:
            rows.setdefault(dim, []).append((mine[s], theirs[s]))
    if not rows:
        return ""
    lines = [f"## own time per trial: {a} vs {b}", "",
             f"| dimension | runs | {a} ms (mean / last 10 %) | {b} ms (mean / last 10 %) "
             "| ratio of means | ratio, last 10 % |", "|---|---|---|---|---|---|"]
    groups = sorted(rows, key=_problem_order)
    if len(groups) > 1:
        rows["all"] = [x for g in groups for x in rows[g]]
        groups.append("all")
    for g in groups:
        pairs = rows[g]
        am, al = (1000 * median(x[0][i] for x in pairs) for i in (0, 1))
        bm, bl = (1000 * median(x[1][i] for x in pairs) for i in (0, 1))
        lines.append(f"| {g} | {len(pairs)} | {am:.3g} / {al:.3g} | {bm:.3g} / {bl:.3g} | "
                     f"{_ratio(am, bm)} | {_ratio(al, bl)} |")
    return "\n".join(lines)


def _ratio(x: float, y: float) -> str:
    return f"{x / y:.2g}" if y > 0 else "-"


def _fmt(v: float) -> str:
    return "-" if math.isnan(v) else f"{v:.3g}"


def counts(text: str) -> list[int]:
    """`--at`: a comma list of evaluation counts, each a whole number >= 1."""
    try:
        out = [int(x) for x in text.split(",")]
    except ValueError:
        out = []
    if not out or min(out) < 1:
        raise argparse.ArgumentTypeError(
            f"expected evaluation counts >= 1 separated by commas (e.g. 25,100), got {text!r}")
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.pairwise",
                                description=(__doc__ or "").split("\n")[0])
    p.add_argument("files", nargs="+")
    p.add_argument("--a", required=True, help="the optimizer to judge")
    p.add_argument("--b", required=True, help="the one it is compared with")
    p.add_argument("--at", default="100,300", type=counts,
                   help="evaluation counts, comma list")
    p.add_argument("--reach", type=int, default=None,
                   help="instead: evaluations a needs to reach b's median after this many")
    p.add_argument("--slack", type=float, default=0.3,
                   help="with --reach: the share of extra evaluations counted as within")
    p.add_argument("--eval-seconds", type=float, default=None,
                   help="with --reach: also in wall-clock time, this many s per evaluation")
    p.add_argument("--workers-a", type=int, default=4,
                   help="with --eval-seconds: a's workers (b has one)")
    args = p.parse_args(argv)
    by_file = {f: load(f)["runs"] for f in args.files}
    runs = [r for f_runs in by_file.values() for r in f_runs]
    clash = overlap(by_file, [args.a, args.b])
    if clash:
        raise SystemExit(clash)
    names = {r["optimizer"] for r in runs}
    for name in (args.a, args.b):
        if name not in names:
            raise SystemExit(f"no runs of {name!r} in {', '.join(args.files)}; "
                             f"optimizers there: {', '.join(sorted(names))}")
    if args.reach is not None:
        print(reach_report(runs, args.a, args.b, args.reach, args.slack))
        if args.eval_seconds is not None:
            print("\n" + time_report(runs, args.a, args.b, args.reach, args.eval_seconds,
                                      args.workers_a))
        return
    print(report(runs, args.a, args.b, args.at))
    print(cost_report(runs, args.a, args.b))


if __name__ == "__main__":
    main()
