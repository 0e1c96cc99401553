"""PNG plots (matplotlib, Agg): one figure per suite, budget level and problem family,
one panel per problem, one line per optimizer (the median over seeds; ours solid, peers
dashed). matplotlib is a benchmark-only dependency: without it, no plots."""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import adapters
from benchmarks.report.data import by, levels, shown, usable, value_at
from benchmarks.report.markdown import order_optimizers, order_problems


def _plt() -> Any:
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _curve(runs: list[dict[str, Any]], xs: np.ndarray) -> np.ndarray:
    ok = usable(runs)
    if not ok:
        return np.full(len(xs), np.nan)
    m = ok[0]["metric"]
    ys = np.array([[shown(m, value_at(r, x)) for x in xs] for r in ok], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns before a run starts
        return np.nanmedian(ys, axis=0)


def _overhead_curve(runs: list[dict[str, Any]], n: int) -> np.ndarray:
    rows = []
    for r in usable(runs):
        g = np.full(n, np.nan)
        gaps = np.asarray(r.get("gap_s") or [], dtype=float)[:n] * 1e3
        g[: len(gaps)] = gaps
        rows.append(g)
    if not rows:
        return np.full(n, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(np.vstack(rows), axis=0)
        w = max(1, n // 50)  # rolling median over ~2 % of the trials
        return np.array([np.nanmedian(med[max(0, i - w):i + 1]) for i in range(n)])


def make(suite: str, kind: str, runs: list[dict[str, Any]], out_dir: Path,
         rel_to: Path) -> list[str]:
    """Write the suite's figures; return their paths relative to `rel_to`."""
    plt = _plt()
    if plt is None or not runs:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    links = []
    for level, rs in levels(runs).items():
        families: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rs:
            families[r.get("family") or ("fidelity" if kind == "fidelity" else "other")].append(r)
        for fam, frs in sorted(families.items()):
            path = out_dir / f"{suite}-{fam}-L{level}.png"
            _figure(plt, kind, frs, path, f"{suite}: {fam}")
            links.append(str(path.relative_to(rel_to)) if path.is_relative_to(rel_to)
                         else str(path))
    return links


def _figure(plt: Any, kind: str, runs: list[dict[str, Any]], path: Path, title: str) -> None:
    probs = order_problems({r["problem"] for r in runs})
    opts = order_optimizers({r["optimizer"] for r in runs})
    cols = min(3, len(probs))
    rows = math.ceil(len(probs) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.8 * rows), squeeze=False)
    groups = by(runs, "optimizer", "problem")
    ours_c, peer_c = plt.get_cmap("tab10"), plt.get_cmap("Dark2")
    n_ours = sum(adapters.is_ours(o) for o in opts)
    for ax, p in zip(axes.flat, probs, strict=False):
        budget = max(r["budget"] for r in runs if r["problem"] == p)
        metric = next((r["metric"] for r in usable(runs) if r["problem"] == p), None)
        for i, o in enumerate(opts):
            rs = groups.get((o, p), [])
            if not usable(rs):
                continue
            color = ours_c(i % 10) if adapters.is_ours(o) else peer_c((i - n_ours) % 8)
            style = {"color": color, "lw": 1.6 if adapters.is_ours(o) else 1.1,
                     "ls": "-" if adapters.is_ours(o) else "--", "label": o}
            if kind == "overhead":
                ax.plot(np.arange(1, budget + 1), _overhead_curve(rs, budget), **style)
                ax.set_yscale("log")
                continue
            xs = (np.linspace(0, budget, 200) if kind == "fidelity"
                  else np.arange(1, budget + 1, dtype=float))
            ax.plot(xs, _curve(rs, xs), **style)
        ax.set_title(p, fontsize=9)
        ax.set_xlabel({"fidelity": "wall-clock s", "overhead": "trial"}.get(kind, "evaluations"))
        ylabel = "ms per trial (overhead)" if kind == "overhead" else (
            metric["name"] if metric else "")
        ax.set_ylabel(ylabel, fontsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(probs):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    fig.suptitle(title + " (median over seeds)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
