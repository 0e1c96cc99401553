"""ml/searchcv: tuneforge's TuneSearchCV against scikit-learn's own search estimators.

    python -m benchmarks.searchcv [--problems ...] [--seeds 3] [--n-iter 50] [--grid-factor 4]
                                  [--out benchmarks/results/searchcv.json]

The real meta-estimators, fitted as a user would: on the problems of the `ml` suite (same
data, same 5-fold shuffled splitter with seed 0, same scoring, the model seeded with 0;
the conditional problem is a ``Pipeline(scale, clf)`` searched with a list of dicts, one
per model family, as scikit-learn's documentation writes it), each of

- ``TuneSearchCV`` with tuneforge's GPSampler (and TPESampler) and ``n_trials = n_iter``;
- scikit-learn's ``RandomizedSearchCV`` with ``n_iter`` (loguniform/randint distributions,
  as a user would write them);
- scikit-learn's ``GridSearchCV`` on a grid of at most ``grid_factor x n_iter`` points
  (levels per parameter grown round-robin, log-spaced on log scales; deterministic: one
  run).

reports ``best_score_`` (scikit-learn's convention: greater is better, losses negated),
the number of candidates fitted, the wall time, and each candidate's mean CV score in the
order it was fitted, so the best score after the first k candidates can be read for any
k <= n_iter. Each (method, problem, seed) runs in its own process with one BLAS thread.
The claims checked, by the median over seeds within the ml suite's tie tolerance:
TuneSearchCV(GP) beats RandomizedSearchCV at the same number of candidates (k = 10, 20,
n_iter), and reaches GridSearchCV's best after a quarter of the grid's candidates.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from benchmarks import _env

MODULE = "benchmarks.searchcv"
DEFAULT_OUT = _env.RESULTS_DIR / "searchcv.json"
PROBLEMS = ("ml-hgb-cancer", "ml-svc-digits", "ml-rf-wine", "ml-elasticnet-diabetes",
            "ml-cond-cancer")
CHECKPOINTS = (10, 20)  # besides n_iter and a quarter of the grid
METHODS = ("tuneforge-gp", "tuneforge-tpe", "sklearn-random", "sklearn-grid")


def _estimator(problem: str) -> Any:
    """The problem's model with its fixed settings; tuned parameters keep their defaults."""
    if problem == "ml-hgb-cancer":
        from sklearn.ensemble import HistGradientBoostingClassifier
        return HistGradientBoostingClassifier(random_state=0)
    if problem == "ml-svc-digits":
        from sklearn.svm import SVC
        return SVC()
    if problem == "ml-rf-wine":
        from sklearn.ensemble import RandomForestClassifier
        return RandomForestClassifier(random_state=0, n_jobs=1)
    if problem == "ml-elasticnet-diabetes":
        from sklearn.linear_model import ElasticNet
        return ElasticNet(max_iter=10_000, random_state=0)
    if problem == "ml-cond-cancer":
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler
        return Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    raise KeyError(f"unknown problem {problem!r}; known: {', '.join(PROBLEMS)}")


def _setup(problem: str) -> tuple[Any, Any, Any, str, list[Any]]:
    import sklearn.datasets
    from sklearn.model_selection import KFold, StratifiedKFold

    from benchmarks.problems import ml

    loader, classification, scoring, _metric, _factory, space, _worst = ml.SPECS[problem]
    X, y = getattr(sklearn.datasets, loader)(return_X_y=True)
    cv = (StratifiedKFold if classification else KFold)(n_splits=5, shuffle=True,
                                                         random_state=0)
    return X, y, cv, scoring, list(space)


def _family(name: str) -> Any:
    """The unfitted model of one family of the conditional problem (as in problems.ml)."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC

    return {"logreg": LogisticRegression(max_iter=2000), "svc": SVC(),
            "rf": RandomForestClassifier(random_state=0, n_jobs=1),
            "knn": KNeighborsClassifier()}[name]


def _branches(space: list[Any]) -> list[tuple[dict[str, list[Any]], list[Any]]]:
    """Per branch (the sklearn adapters' split): the fixed settings (``clf``: the family's
    model) and its parameters, renamed ``clf__<param>``; one branch without fixed settings
    for a plain space."""
    from dataclasses import replace

    from benchmarks.adapters.sklearn_ import _branches as split

    out: list[tuple[dict[str, list[Any]], list[Any]]] = []
    for fixed, params in split(space):
        if not fixed:
            return [({}, params)]
        (family,) = fixed.values()
        out.append(({"clf": [_family(family)]},
                    [replace(q, name="clf__" + q.name.split("_", 1)[1], condition=None)
                     for q in params]))
    return out


def _tuneforge_dist(p: Any) -> Any:
    import tuneforge as tf

    if p.kind == "cat":
        return tf.Categorical(list(p.choices))
    if p.kind == "int":
        return tf.Int(int(p.low), int(p.high), log=p.log)
    return tf.Float(p.low, p.high, log=p.log)


def _spec(branches: list[tuple[dict[str, list[Any]], list[Any]]], dist: Any) -> Any:
    """A dict (one branch) or scikit-learn's list of dicts, each parameter through `dist`."""
    dicts = [dict(fixed, **{p.name: dist(p) for p in free}) for fixed, free in branches]
    return dicts[0] if len(dicts) == 1 else dicts


def _search(method: str, problem: str, seed: int, n_iter: int, grid_factor: int) -> Any:
    X, y, cv, scoring, space = _setup(problem)
    est = _estimator(problem)
    branches = _branches(space)
    if method.startswith("tuneforge-"):
        import tuneforge as tf
        from tuneforge.integrations.sklearn import TuneSearchCV

        sampler = (tf.GPSampler(seed=seed) if method == "tuneforge-gp"
                   else tf.TPESampler(seed=seed))
        return TuneSearchCV(est, _spec(branches, _tuneforge_dist), n_trials=n_iter,
                            scoring=scoring,
                            sampler=sampler, cv=cv, refit=False, random_state=seed), X, y
    from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

    from benchmarks.adapters.sklearn_ import _distribution, grid_for

    if method == "sklearn-random":
        return RandomizedSearchCV(est, _spec(branches, _distribution), n_iter=n_iter,
                                  scoring=scoring, cv=cv, refit=False, random_state=seed), X, y
    share = grid_factor * n_iter // len(branches)  # the grid budget, split between branches
    grids = [dict(fixed, **grid_for(free, share)) for fixed, free in branches]
    return GridSearchCV(est, grids[0] if len(grids) == 1 else grids, scoring=scoring, cv=cv,
                        refit=False), X, y


def _child(args: argparse.Namespace) -> int:
    _env.pin_single_thread()
    search, X, y = _search(args.child, args.problem, args.seed, args.n_iter, args.grid_factor)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    wall = time.perf_counter() - t0
    res = search.cv_results_
    scores = [float(v) for v in res["mean_test_score"]]
    _env.emit_result({"method": args.child, "problem": args.problem, "seed": args.seed,
                      "best_score": float(search.best_score_),
                      "best_params": {k: (v.item() if hasattr(v, "item") else
                                          v if isinstance(v, (int, float, str, bool)) or v is None
                                          else type(v).__name__)
                                      for k, v in search.best_params_.items()},
                      "candidates": len(res["params"]), "wall_s": wall,
                      "scores": [v if math.isfinite(v) else None for v in scores]})
    return 0


def _key(r: dict[str, Any]) -> str:
    return f"{r['method']}|{r['problem']}|{r['seed']}"


def _tol(metric: Any, ref: float) -> float:
    """The ml suite's tie tolerance around a reference score (a best_score_ in scikit-
    learn's units; the suite's relative tolerance applies in its own: an error rate is
    1 - accuracy)."""
    if metric.name == "CV error rate":
        ref = 1.0 - ref
    return max(metric.tie_abs, metric.tie_rel * abs(ref))


def _verdict(ours: float, theirs: float, tol: float) -> str:
    """win / tie / loss of a greater-is-better score, ties within `tol`."""
    if abs(ours - theirs) <= tol:
        return "tie"
    return "win" if ours > theirs else "loss"


def best_after(run: dict[str, Any], k: int) -> float | None:
    """The best mean CV score among a run's first `k` candidates (None: failed or too
    short a record; runs made before trajectories were recorded have none)."""
    scores = run.get("scores")
    if scores is None or len(scores) < k:
        return None
    finite = [v for v in scores[:k] if v is not None]
    return max(finite) if finite else -math.inf


def summarize(runs: list[dict[str, Any]], problems: list[str], methods: list[str]
              ) -> tuple[str, dict[str, Any]]:
    """The markdown tables (median best_score_ over seeds per method and problem; median
    best after k candidates for TuneSearchCV vs RandomizedSearchCV) and the verdicts of
    the claims, per problem."""
    from benchmarks.problems import ml

    def pick(m: str, p: str) -> list[dict[str, Any]]:
        return [r for r in runs if r["method"] == m and r["problem"] == p]

    def med(m: str, p: str, field: str) -> float | None:
        vals = [r[field] for r in pick(m, p)]
        return _env.median(vals) if vals else None

    def med_after(m: str, p: str, k: int) -> float | None:
        vals = [best_after(r, k) for r in pick(m, p)]
        return _env.median(vals) if vals and None not in vals else None

    def by_seed(p: str, k: int) -> str:
        """Seeds where GP's best after k is above / equal to / below random search's."""
        ours = {r["seed"]: best_after(r, k) for r in pick("tuneforge-gp", p)}
        theirs = {r["seed"]: best_after(r, k) for r in pick("sklearn-random", p)}
        pairs = [(ours[s], theirs[s]) for s in sorted(ours.keys() & theirs.keys())
                 if ours[s] is not None and theirs[s] is not None]
        above = sum(a > b for a, b in pairs)
        below = sum(a < b for a, b in pairs)
        return f"{above}/{len(pairs) - above - below}/{below}"

    rows = []
    for m in methods:
        row: list[Any] = [m]
        for p in problems:
            s, n, w = med(m, p, "best_score"), med(m, p, "candidates"), med(m, p, "wall_s")
            seeds = len(pick(m, p))
            row.append("–" if s is None else
                       f"{s:.4g} ({n:.0f} fits×5, {w:.0f} s, {seeds} seed{'s' * (seeds > 1)})")
        rows.append(row)
    verdicts: dict[str, Any] = {}
    curve_rows = []
    for p in problems:
        metric = ml.SPECS[p][3]
        gp, grid = med("tuneforge-gp", p, "best_score"), med("sklearn-grid", p, "best_score")
        n_gp, n_grid = med("tuneforge-gp", p, "candidates"), med("sklearn-grid", p, "candidates")
        if gp is None:
            continue
        v: dict[str, Any] = {"at": {}}
        ks = sorted({k for k in (*CHECKPOINTS, int(n_gp)) if k <= n_gp})
        for k in ks:
            ours, theirs = med_after("tuneforge-gp", p, k), med_after("sklearn-random", p, k)
            if ours is None or theirs is None:
                continue
            v["at"][str(k)] = _verdict(ours, theirs, _tol(metric, theirs))
            v.setdefault("seeds_above_equal_below", {})[str(k)] = by_seed(p, k)
            curve_rows.append([p, k, f"{ours:.5g}", f"{theirs:.5g}", v["at"][str(k)],
                               by_seed(p, k)])
        v["beats_random"] = v["at"].get(str(int(n_gp)))  # JSON keys: strings
        if grid is not None and n_grid is not None:
            quarter = int(n_grid) // 4
            ours_q = med_after("tuneforge-gp", p, quarter) if quarter <= n_gp else None
            v["quarter"] = quarter
            v["grid_best"] = grid
            v["gp_at_quarter"] = ours_q
            v["matches_grid"] = None if ours_q is None else ours_q >= grid - _tol(metric, grid)
        verdicts[p] = v
    table = _env.markdown_table(["method", *problems], rows)
    lines = [table, "",
             "best_score_ in scikit-learn's convention (greater is better: neg_log_loss, "
             "accuracy, neg RMSE); median over seeds; (candidates × 5 folds, wall time, "
             "seeds).", ""]
    if curve_rows:
        lines += ["Best mean CV score after the first k candidates, median over seeds "
                  "(same seeds for both); verdict by the median within the ml suite's tie "
                  "tolerance; seeds: on how many seeds TuneSearchCV(GP)'s best is above / "
                  "equal to / below RandomizedSearchCV's:", "",
                  _env.markdown_table(["problem", "k", "TuneSearchCV(GP)",
                                       "RandomizedSearchCV", "verdict", "seeds"],
                                      curve_rows), ""]
    for p, v in verdicts.items():
        at = ", ".join(f"{k}: **{x}**" for k, x in v["at"].items()) or "no trajectories"
        line = f"- {p}: TuneSearchCV(GP) vs RandomizedSearchCV after k candidates: {at}"
        if v.get("quarter") is not None:
            got = v["gp_at_quarter"]
            said = {True: "matches", False: "short", None: "not measured"}[v["matches_grid"]]
            line += (f"; after a quarter of GridSearchCV's candidates ({v['quarter']}) "
                     f"{'–' if got is None else f'{got:.5g}'} vs the grid's best "
                     f"{v['grid_best']:.5g}: **{said}**")
        lines.append(line)
    return "\n".join(lines), verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.searchcv",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-iter", type=int, default=50)
    parser.add_argument("--grid-factor", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=1800.0, help="cap per run (s)")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--child", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--problem", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args)
    problems = [p for p in args.problems.split(",") if p]
    methods = [m for m in args.methods.split(",") if m]
    for p in problems:
        _estimator(p)  # unknown names fail here, before any run
    out = Path(args.out)
    old = json.loads(out.read_text()) if out.exists() else {}
    runs = {_key(r): r for r in old.get("runs", [])
            if r.get("n_iter") == args.n_iter and r.get("grid_factor") == args.grid_factor}
    info = _env.machine_info(MODULE, sys.argv[1:] if argv is None else argv)
    todo = [(m, p, s) for p in problems for m in methods
            for s in (range(1) if m == "sklearn-grid" else range(args.seeds))
            if f"{m}|{p}|{s}" not in runs]
    print(f"# ml/searchcv  {_env.describe(info)}; {len(todo)} runs to do", flush=True)
    for i, (m, p, s) in enumerate(todo, 1):
        r = _env.run_child(MODULE, ["--child", m, "--problem", p, "--seed", str(s),
                                    "--n-iter", str(args.n_iter),
                                    "--grid-factor", str(args.grid_factor)],
                           timeout=args.timeout)
        r.update(n_iter=args.n_iter, grid_factor=args.grid_factor)
        runs[_key(r)] = r
        print(f"[{i}/{len(todo)}] {m} {p} seed {s}: best_score_={r['best_score']:.5g} "
              f"({r['candidates']} candidates, {r['wall_s']:.1f} s)", flush=True)
        _write(out, info, list(runs.values()), problems, methods, args)
    text = _write(out, info, list(runs.values()), problems, methods, args)
    print(text)
    return 0


def _write(out: Path, info: dict[str, Any], runs: list[dict[str, Any]], problems: list[str],
           methods: list[str], args: argparse.Namespace) -> str:
    text, verdicts = summarize(runs, problems, methods)
    payload = {"suite": "searchcv", "benchmark": "searchcv", "env": info,
               "settings": {"n_iter": args.n_iter, "grid_factor": args.grid_factor,
                            "seeds": args.seeds, "problems": problems, "methods": methods},
               "runs": runs, "verdicts": verdicts, "table_markdown": text}
    _env.write_json(out, payload)
    return text


if __name__ == "__main__":
    from benchmarks import searchcv as _self

    sys.exit(_self.main())
