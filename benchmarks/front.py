"""The accuracy-vs-size front of `mo-rf-digits` (the `mo` suite's ML problem): run one
study with a tuneforge sampler, print the Pareto front with its knee, and plot it.

    python -m benchmarks.front --sampler tpe --trials 60
    python -m benchmarks.front --sampler NSGAIISampler      # any tuneforge sampler class

Objectives as in the suite (both minimized): 1 - 3-fold CV accuracy of a random forest on
digits, and log10 of its total tree nodes; the table shows accuracy and nodes. The knee
is `Study.knee_trial` (objectives scaled to [0, 1] over the front, the point farthest
from the line through its two ends). Writes benchmarks/results/mo-front.json and
benchmarks/plots/mo-rf-digits-front.png (matplotlib, a benchmark requirement).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks._env import describe, machine_info
from benchmarks.adapters.base import suggest_all
from benchmarks.problems.mo import build

HERE = Path(__file__).resolve().parent
SHORT = {"random": ("RandomSampler", {}), "qmc": ("RandomSampler", {"qmc": True}),
         "tpe": ("TPESampler", {}), "ga": ("GeneticSampler", {}), "auto": ("AutoSampler", {}),
         "nsga2": ("NSGAIISampler", {}), "moead": ("MOEADSampler", {}),
         "mobo": ("MOBOSampler", {})}


def make_sampler(name: str, seed: int) -> Any:
    """A tuneforge sampler by short name (tpe, random, qmc, ga, auto, nsga2, moead, mobo)
    or class name; a SystemExit naming the choices when tuneforge has no such class."""
    import tuneforge as tf

    cls_name, options = SHORT.get(name.lower(), (name, {}))
    cls = getattr(tf, cls_name, None)
    if cls is None:
        raise SystemExit(f"tuneforge has no sampler {cls_name!r} (short names: "
                         f"{', '.join(SHORT)}, or a class name of tuneforge)")
    return cls(seed=seed, **options)


def run(sampler_name: str, trials: int, seed: int) -> tuple[Any, float]:
    """The finished study and its wall time."""
    import tuneforge as tf

    logging.getLogger("tuneforge").setLevel(logging.ERROR)
    problem = build("mo-rf-digits")
    study = tf.create_study(f"mo-rf-digits-{sampler_name}", directions=["minimize"] * 2,
                            sampler=make_sampler(sampler_name, seed), seed=seed)
    study.set_metric_names(["error", "log10_nodes"])
    t0 = time.perf_counter()
    study.optimize(lambda t: problem.evaluate(suggest_all(t, problem.space)), n_trials=trials,
                   catch=())
    return study, time.perf_counter() - t0


def front_rows(study: Any) -> list[dict[str, Any]]:
    """The front by accuracy, best first, the knee marked."""
    knee = study.knee_trial().number
    rows = [{"trial": t.number, "accuracy": 1.0 - t.values[0], "nodes": 10 ** t.values[1],
             "error": t.values[0], "log10_nodes": t.values[1], "params": dict(t.params),
             "knee": t.number == knee} for t in study.best_trials]
    return sorted(rows, key=lambda r: -r["accuracy"])


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| trial | knee | CV accuracy | tree nodes | n_estimators | max_depth | "
             "min_samples_leaf | max_features |", "|---:|:---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        p = r["params"]
        lines.append(f"| {r['trial']} | {'*' if r['knee'] else ''} | {r['accuracy']:.4f} | "
                     f"{r['nodes']:.0f} | {p['n_estimators']} | {p['max_depth']} | "
                     f"{p['min_samples_leaf']} | {p['max_features']:.3f} |")
    return "\n".join(lines)


def plot(study: Any, rows: list[dict[str, Any]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    done = [t for t in study.trials if t.values]
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    ax.scatter([10 ** t.values[1] for t in done], [1 - t.values[0] for t in done], s=12,
               color="0.7", label=f"trials ({len(done)})")
    ordered = sorted(rows, key=lambda r: r["nodes"])
    ax.step([r["nodes"] for r in ordered], [r["accuracy"] for r in ordered], where="post",
            color="tab:blue", marker="o", ms=4, label=f"Pareto front ({len(rows)})")
    knee = next(r for r in rows if r["knee"])
    ax.scatter([knee["nodes"]], [knee["accuracy"]], s=160, marker="*", color="tab:red",
               zorder=5, label=f"knee: trial {knee['trial']} ({knee['accuracy']:.3f}, "
                                f"{knee['nodes']:.0f} nodes)")
    ax.set_xscale("log")
    ax.set_xlabel("total tree nodes (log scale)")
    ax.set_ylabel("3-fold CV accuracy")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.front", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sampler", default="tpe", help="short name or tuneforge class name")
    ap.add_argument("--trials", type=int, default=60)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(HERE / "results" / "mo-front.json"))
    ap.add_argument("--plot", default=str(HERE / "plots" / "mo-rf-digits-front.png"))
    args = ap.parse_args(argv)
    info = machine_info("benchmarks.front", sys.argv[1:] if argv is None else argv)
    study, wall = run(args.sampler, args.trials, args.seed)
    rows = front_rows(study)
    from tuneforge.math.hypervolume import hypervolume

    problem = build("mo-rf-digits")
    hv = hypervolume([[r["error"], r["log10_nodes"]] for r in rows], problem.ref_point)
    print(describe(info))
    print(f"mo-rf-digits, {args.sampler}, seed {args.seed}: {args.trials} trials in "
          f"{wall:.0f} s; front of {len(rows)}, hypervolume {hv:.4f} (ref "
          f"{problem.ref_point})\n")
    print(table(rows))
    knee = next(r for r in rows if r["knee"])
    print(f"\nknee: trial {knee['trial']}, accuracy {knee['accuracy']:.4f} with "
          f"{knee['nodes']:.0f} nodes")
    plot(study, rows, Path(args.plot),
         f"mo-rf-digits: {args.sampler}, {args.trials} trials, seed {args.seed}")
    doc = {"benchmark": "mo-front", "problem": "mo-rf-digits", "sampler": args.sampler,
           "seed": args.seed, "trials": args.trials, "wall_s": wall, "hypervolume": hv,
           "ref_point": list(problem.ref_point), "front": rows, "knee": knee["trial"],
           "env": info, "table_markdown": table(rows)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {args.out} and {args.plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
