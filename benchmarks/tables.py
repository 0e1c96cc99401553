"""The `tables` suite: raw tables as users bring them, at equal time budgets.

On each table shipped by a PyPI package (text categories, gaps, dates; classification and
regression; `tuneforge.automl.tables`), each seed splits the rows 80/20 and each system
gets the 80% and the same wall-clock budget: `automl.select(time_budget=...)`, FLAML's
AutoML (`time_budget=...`) and scikit-learn's HistGradientBoosting with default settings
(text columns as pandas categories, as a user would pass them). The metric is the score on
the 20% hold-out: accuracy (classification) or RMSE (regression). Each run is its own
single-threaded process; for each table and seed the systems run one after another, so
they see the same machine load. Every system is single-threaded (OMP_NUM_THREADS=1, and
FLAML's n_jobs=1, which it passes to LightGBM and XGBoost). Each run records its wall time
(`seconds`); a run is capped at 12 budgets plus two minutes.

`--systems tuneforge-no-fold-pruner` adds an ablation: tuneforge without the fold pruner
that its time budget brings (`fold_pruned` counts the trials that pruner stopped).

`--resume` keeps the runs already in `--out` and adds only the missing (table, seed,
system) runs, so the long 120 s run can be done over several sittings, a few seeds or
tables at a time (`--seeds 5 --tables adult`); failed runs are retried.

    python -m benchmarks.tables --budget 30 --seeds 5 --out benchmarks/results/tables-30s.json
    python -m benchmarks.tables --budget 120 --seeds 5 --resume \
        --out benchmarks/results/tables-120s.json
    python -m benchmarks.tables report benchmarks/results/tables-30s.json

`--first-seed` splits a run between processes (`--first-seed 3 --seeds 5`: seeds 3 and 4);
`report` reads several files as one run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from benchmarks._env import (
    emit_result,
    machine_info,
    markdown_table,
    median,
    pin_single_thread,
    run_child,
    write_json,
)

TABLES = ("titanic", "adult", "penguins", "cars", "seattle_weather")
SYSTEMS = ("tuneforge", "flaml", "hgb-default")
#: Ablations, run only when named in --systems: tuneforge without the fold pruner that a
#: time budget brings (`tuneforge.automl.budget.fold_pruner`).
ABLATIONS = ("tuneforge-no-fold-pruner",)


def _split(name: str, seed: int) -> tuple[Any, Any, Any, Any, str]:
    from sklearn.model_selection import train_test_split

    from tuneforge.automl.tables import TABLES as SPECS
    from tuneforge.automl.tables import load_table

    X, y = load_table(name)
    task = SPECS[name].task
    parts = train_test_split(X, y, test_size=0.2, random_state=seed,
                             stratify=y if task == "classification" else None)
    return (*parts, task)


def _score(task: str, y_true: Any, y_pred: Any) -> float:
    import numpy as np

    if task == "classification":
        return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))
    diff = np.asarray(y_true, float) - np.asarray(y_pred, float)
    return float(np.sqrt(np.mean(diff ** 2)))


def _categories(X: Any, like: Any = None) -> Any:
    """Text columns as pandas categories (those with more than 255 levels dropped: the
    most a HistGradientBoosting category takes), the way a user hands HGB a table."""
    X = X.copy()
    for c in list(X.columns):
        if X[c].dtype.kind == "O":
            levels = (like if like is not None else X)[c].dropna().unique()
            if len(levels) > 250:
                X = X.drop(columns=c)
            else:
                X[c] = X[c].astype("category").cat.set_categories(sorted(map(str, levels)))
    return X


def run_one(table: str, seed: int, system: str, budget: float) -> dict[str, Any]:
    """One (table, seed, system) run in this process: fit on the 80%, score on the 20%."""
    import warnings

    warnings.simplefilter("ignore")
    X_tr, X_te, y_tr, y_te, task = _split(table, seed)
    start = time.perf_counter()
    info: dict[str, Any] = {}
    if system in ("tuneforge", *ABLATIONS):
        from tuneforge.automl import select
        from tuneforge.pruners import NopPruner

        pruner = NopPruner() if system == "tuneforge-no-fold-pruner" else None
        sel = select(X_tr, y_tr, task=task, time_budget=budget, holdout=None, seed=seed,
                     pruner=pruner)
        pred = sel.best_model.predict(X_te)
        info = {"family": sel.best_family, "trials": len(sel.study.trials),
                "fold_pruned": sum("prune_p_value" in t.system_attrs for t in sel.study.trials),
                "kept_baseline": bool((sel.baseline or {}).get("kept_baseline")),
                "blend": bool((sel.blend or {}).get("chosen")),
                "blend_reason": (sel.blend or {}).get("reason")}
    elif system == "flaml":
        from flaml import AutoML

        automl = AutoML()
        automl.fit(X_tr, y_tr, task=task, time_budget=budget, seed=seed, verbose=0,
                   n_jobs=1, metric="accuracy" if task == "classification" else "rmse")
        pred = automl.predict(X_te)
        info = {"family": automl.best_estimator}
    elif system == "hgb-default":
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

        cls = HistGradientBoostingClassifier if task == "classification" else \
            HistGradientBoostingRegressor
        X_fit = _categories(X_tr)
        model = cls(random_state=seed).fit(X_fit, y_tr)
        X_eval = _categories(X_te, like=X_tr)[X_fit.columns]
        pred = model.predict(X_eval)
    else:
        raise ValueError(f"unknown system {system!r}; systems: {SYSTEMS + ABLATIONS}")
    return {"table": table, "seed": seed, "system": system, "budget": budget, "task": task,
            "score": _score(task, y_te, pred), "seconds": time.perf_counter() - start,
            **info}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget", type=float, default=30.0)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="run seeds first-seed .. seeds-1 (to split a run between "
                             "processes; `report` takes their files together)")
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--out", default=None)
    parser.add_argument("--resume", action="store_true",
                        help="keep the runs already in --out; run only the missing ones")
    parser.add_argument("--one", nargs=3, metavar=("TABLE", "SEED", "SYSTEM"),
                        help="(internal) run one (table, seed, system) in this process")
    args = parser.parse_args(argv)
    pin_single_thread()
    if args.one:
        table, seed, system = args.one
        emit_result(run_one(table, int(seed), system, args.budget))
        return
    runs = previous_runs(args.out, args.budget) if args.resume and args.out else []
    done = {(r["table"], r["seed"], r["system"]) for r in runs}
    for seed in range(args.first_seed, args.seeds):
        for table in args.tables.split(","):
            for system in args.systems.split(","):
                if (table, seed, system) in done:
                    continue
                try:
                    result = run_child("benchmarks.tables", [
                        "--budget", str(args.budget), "--one", table, str(seed), system],
                        timeout=args.budget * 12 + 120)  # FLAML overshoots its budget
                except RuntimeError as exc:
                    result = {"table": table, "seed": seed, "system": system,
                              "budget": args.budget, "score": None,
                              "error": str(exc)[-800:]}
                runs.append(result)
                print(json.dumps(result), flush=True)
                if args.out:  # after every run: nothing completed is lost
                    write_json(args.out, {"machine": machine_info("benchmarks.tables"),
                                          "runs": runs})
    print(report(runs))


def previous_runs(path: str, budget: float) -> list[dict[str, Any]]:
    """The successful runs already in `path` (none if it does not exist); a file made with
    another budget is an error, not something to mix."""
    import os

    if not os.path.exists(path):
        return []
    with open(path) as f:
        runs = json.load(f)["runs"]
    other = {r.get("budget") for r in runs} - {budget}
    if other:
        raise SystemExit(f"{path} holds runs with budget {sorted(other)}, not {budget}: "
                         "resume it with the same --budget or choose another --out")
    return [r for r in runs if r.get("score") is not None]


def report(runs: list[dict[str, Any]]) -> str:
    """Median hold-out score per table and system, and tuneforge's wins against each."""
    tables = list(dict.fromkeys(r["table"] for r in runs))
    systems = list(dict.fromkeys(r["system"] for r in runs))
    rows = []
    for table in tables:
        task = next((r.get("task") for r in runs if r["table"] == table and r.get("task")),
                    "?")
        cells: list[Any] = [table, "accuracy" if task == "classification" else "RMSE"]
        for system in systems:
            scores = [r["score"] for r in runs if r["table"] == table
                      and r["system"] == system and r.get("score") is not None]
            failed = sum(1 for r in runs if r["table"] == table and r["system"] == system
                         and r.get("score") is None)
            text = "-" if not scores else f"{median(scores):.4g}"
            cells.append(text + (f" ({failed} failed)" if failed else "") +
                         f" n={len(scores)}")
        rows.append(cells)
    lines = [markdown_table(["table", "metric", *systems], rows), "",
             "median wall seconds per run:"]
    seconds = [[table, *(f"{median(sec):.1f}" if (sec := [
        r["seconds"] for r in runs if r["table"] == table and r["system"] == system
        and r.get("seconds") is not None]) else "-" for system in systems)]
        for table in tables]
    lines.append(markdown_table(["table", *systems], seconds))
    paired = paired_rows(runs)
    if paired:
        lines += ["", "tuneforge against each system on the same seeds (the same split; "
                      "medians above mix seeds): wins-ties-losses, median gain",
                  markdown_table(["table", "against", "wins-ties-losses", "median gain",
                                  "seeds"], paired)]
    return "\n".join(lines)


def paired_rows(runs: list[dict[str, Any]], ours: str = "tuneforge") -> list[list[Any]]:
    """Per table and other system: tuneforge's wins, ties and losses over the seeds both
    scored (the same split), and the median of its per-seed gain (positive: tuneforge is
    better; accuracy points or RMSE units)."""
    scored = {(r["table"], r["seed"], r["system"]): r for r in runs
              if r.get("score") is not None}
    rows = []
    for table in dict.fromkeys(r["table"] for r in runs):
        for system in dict.fromkeys(r["system"] for r in runs):
            if system == ours:
                continue
            gains = []
            for (t, seed, s), r in scored.items():
                mine = scored.get((t, seed, ours))
                if t != table or s != system or mine is None:
                    continue
                sign = 1.0 if r.get("task") == "classification" else -1.0
                gains.append(sign * (mine["score"] - r["score"]))
            if not gains:
                continue
            wins = sum(g > 1e-12 for g in gains)
            losses = sum(g < -1e-12 for g in gains)
            rows.append([table, system, f"{wins}-{len(gains) - wins - losses}-{losses}",
                         f"{median(gains) + 0.0:+.4g}", len(gains)])  # no "-0"
    return rows


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "report":
        runs = []
        for path in sys.argv[2:]:  # several files (a run split between processes) merge
            with open(path) as f:
                runs += json.load(f)["runs"]
        print(report(runs))
    else:
        main()
