"""Ranks, win/tie/loss and overhead figures over a section's runs.

- Rank: per problem, optimizers ordered by their median (over seeds) value at the
  checkpoint, lower loss first; medians equal to 4 significant digits share the mean
  rank (scipy's "average");
  an optimizer with no usable run on a problem ranks last there. Mean over problems.
- Win/tie/loss of one of ours against a peer on one problem, by median final value on
  the reported scale: a tie when |ours - peer| <= max(tie_abs, tie_rel * |peer|) (the
  metric's tolerance: 0.1 decade of BBOB regret; 0.5 % of a loss, RMSE or hypervolume;
  0.001 of an accuracy or error rate); otherwise the lower loss wins.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from benchmarks.adapters import is_ours
from benchmarks.report.data import by, cell, loss, median, usable


def medians(runs: list[dict[str, Any]], checkpoint: Any) -> dict[tuple[str, str], float]:
    """{(optimizer, problem): median shown value at the checkpoint}. `checkpoint` is a
    number, "final" (the run's budget) or ("index", i) for each problem's i-th one."""
    out = {}
    for (opt, prob), rs in by(runs, "optimizer", "problem").items():
        cps = rs[0].get("checkpoints") or [rs[0]["budget"]]
        if checkpoint == "final":
            c = rs[0]["budget"]
        elif isinstance(checkpoint, tuple):
            c = cps[checkpoint[1]] if checkpoint[1] < len(cps) else math.nan
        else:
            c = checkpoint
        out[(opt, prob)] = cell(rs, c) if c == c else math.nan
    return out


def metric_of(runs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["problem"]: r["metric"] for r in usable(runs)}


def ranks(runs: list[dict[str, Any]], optimizers: Sequence[str], problems: Sequence[str],
          checkpoint: Any = "final") -> dict[str, float]:
    from scipy.stats import rankdata

    med = medians(runs, checkpoint)
    metrics = metric_of(runs)
    total = {o: 0.0 for o in optimizers}
    counted = 0
    for p in problems:
        if p not in metrics:
            continue
        keys = [loss(metrics[p], med.get((o, p), math.nan)) for o in optimizers]
        # equal as displayed (4 significant digits) = tied
        keys = [float(f"{k:.4g}") if k == k else math.inf for k in keys]
        for o, r in zip(optimizers, rankdata(keys, method="average"), strict=True):
            total[o] += float(r)
        counted += 1
    return {o: total[o] / counted if counted else math.nan for o in optimizers}


def tied(metric: dict[str, Any], a: float, b: float) -> bool:
    return abs(a - b) <= max(metric.get("tie_abs", 0.0), metric.get("tie_rel", 0.0) * abs(b))


def win_tie_loss(runs: list[dict[str, Any]], ours: str, peers: Sequence[str],
                 problems: Sequence[str]) -> tuple[int, int, int, int]:
    """(wins, ties, losses, n/a) of `ours` against the best of `peers` on each problem
    (the best peer is chosen per problem: the strongest opponent there)."""
    med = medians(runs, "final")
    metrics = metric_of(runs)
    w = t = lo = na = 0
    for p in problems:
        m = metrics.get(p)
        mine = med.get((ours, p), math.nan)
        theirs = [med.get((q, p), math.nan) for q in peers]
        theirs = [v for v in theirs if v == v]
        if m is None or mine != mine or not theirs:
            na += 1
            continue
        best = min(theirs, key=lambda v: loss(m, v))
        if tied(m, mine, best):
            t += 1
        elif loss(m, mine) < loss(m, best):
            w += 1
        else:
            lo += 1
    return w, t, lo, na


def split(optimizers: Sequence[str]) -> tuple[list[str], list[str]]:
    return [o for o in optimizers if is_ours(o)], [o for o in optimizers if not is_ours(o)]


def overhead(runs: list[dict[str, Any]], which: str) -> float:
    """Median over usable runs of their per-trial overhead ("median" or "last10")."""
    vals = [(r.get("overhead_per_trial_s") or {}).get(which) for r in usable(runs)]
    return median([v for v in vals if v is not None])


def window_overhead(rec: dict[str, Any], n: int) -> float | None:
    """Median per-trial overhead over trials (0.9 n, n] of one run; None when the run
    did not reach n trials."""
    gaps = rec.get("gap_s") or []
    if len(gaps) < n:
        return None
    lo = max(0, n - max(1, n // 10))
    return median(gaps[lo:n])
