"""importance: does each evaluator rank the parameters that matter first, and how fast?

    python -m benchmarks.importance [--trials 300] [--seeds 3]

A synthetic objective whose influential parameters are known by construction:
``10 x0^2 + 4 x1 + 2 [c == "b"] + x2`` over x0..x5 in [-1, 1] and c in {a, b, c}; x3, x4
and x5 do nothing. Under uniform sampling the variance shares of the main effects are
x0 0.59, x1 0.35, c 0.059, x2 0.022 (exact, computed below). The same random trials go
to tuneforge's fanova_importance and permutation_importance and to Optuna's
FanovaImportanceEvaluator (its trials built with optuna.trial.create_trial), in one
process, one BLAS thread. Reported per evaluator: the seeds on which the top two and the
top four are exactly {x0, x1} and {x0, x1, c, x2}, the rank of the last influential
parameter, and the median seconds.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from benchmarks import _env

NOISE = ("x3", "x4", "x5")
TRUE_ORDER = ("x0", "x1", "c", "x2")
# variances under U(-1, 1) / uniform c: 100 (1/5 - 1/9), 16/3, 4 (1/3)(2/3), 1/3
TRUE_VAR = {"x0": 100 * (1 / 5 - 1 / 9), "x1": 16 / 3, "c": 4 * 2 / 9, "x2": 1 / 3}


def _objective(p: dict[str, Any]) -> float:
    return (10 * p["x0"] ** 2 + 4 * p["x1"] + (2.0 if p["c"] == "b" else 0.0) + p["x2"])


def _params(rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(n):
        p: dict[str, Any] = {f"x{i}": float(rng.uniform(-1, 1)) for i in range(6)}
        p["c"] = str(rng.choice(["a", "b", "c"]))
        out.append(p)
    return out


def _tuneforge_trials(rows: list[dict[str, Any]]) -> list[Any]:
    from tuneforge.space.distributions import Categorical, Float
    from tuneforge.trial.records import TrialRecord, TrialState

    dists = {f"x{i}": Float(-1.0, 1.0) for i in range(6)}
    dists["c"] = Categorical(("a", "b", "c"))
    return [TrialRecord(number=i, key=str(i), state=TrialState.COMPLETE, params=p,
                        distributions=dists, values=(_objective(p),))
            for i, p in enumerate(rows)]


def _optuna_study(rows: list[dict[str, Any]]) -> Any:
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    dists = {f"x{i}": FloatDistribution(-1.0, 1.0) for i in range(6)}
    dists["c"] = CategoricalDistribution(["a", "b", "c"])
    study = optuna.create_study()
    study.add_trials([optuna.trial.create_trial(params=p, distributions=dists,
                                                value=_objective(p)) for p in rows])
    return study


def _score(ranking: list[str]) -> dict[str, Any]:
    return {"top2": set(ranking[:2]) == {"x0", "x1"},
            "top4": set(ranking[:4]) == set(TRUE_ORDER),
            "last_influential_rank": max(ranking.index(n) for n in TRUE_ORDER) + 1,
            "ranking": ranking}


def run(trials: int, seeds: int) -> dict[str, Any]:
    _env.pin_single_thread()
    import optuna
    from optuna.importance import FanovaImportanceEvaluator

    from tuneforge.importance import fanova_importance, permutation_importance
    from tuneforge.trial.records import Direction

    total = sum(TRUE_VAR.values())
    results: dict[str, list[dict[str, Any]]] = {"tuneforge fanova": [],
                                                "tuneforge permutation": [],
                                                "optuna fanova": []}
    for seed in range(seeds):
        rows = _params(np.random.default_rng(seed), trials)
        records = _tuneforge_trials(rows)
        study = _optuna_study(rows)
        calls = {
            "tuneforge fanova": lambda r=records, s=seed: fanova_importance(
                r, (Direction.MINIMIZE,), seed=s).as_dict(),
            "tuneforge permutation": lambda r=records, s=seed: permutation_importance(
                r, (Direction.MINIMIZE,), seed=s).as_dict(),
            "optuna fanova": lambda st=study, s=seed: optuna.importance.get_param_importances(
                st, evaluator=FanovaImportanceEvaluator(seed=s)),
        }
        for name, call in calls.items():
            t0 = time.perf_counter()
            imp = call()
            secs = time.perf_counter() - t0
            ranking = sorted(imp, key=lambda k: -imp[k])
            results[name].append(dict(_score(ranking), seconds=secs,
                                      values={k: float(v) for k, v in imp.items()}))
    summary = []
    for name, runs in results.items():
        summary.append([name, f"{sum(r['top2'] for r in runs)}/{seeds}",
                        f"{sum(r['top4'] for r in runs)}/{seeds}",
                        max(r["last_influential_rank"] for r in runs),
                        f"{_env.median([r['seconds'] for r in runs]):.2f}",
                        ", ".join(f"{k}={runs[0]['values'][k]:.3f}" for k in TRUE_ORDER)])
    return {"machine": _env.machine_info("benchmarks.importance"), "trials": trials,
            "seeds": seeds, "true_share": {k: v / total for k, v in TRUE_VAR.items()},
            "results": results, "table": summary}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", default=str(_env.RESULTS_DIR / "importance.json"))
    args = parser.parse_args(argv)
    res = run(args.trials, args.seeds)
    _env.write_json(args.out, res)
    print(_env.describe(res["machine"]))
    print("true variance shares: " + ", ".join(f"{k}={v:.3f}"
                                               for k, v in res["true_share"].items()))
    print(_env.markdown_table(["evaluator", "top-2 right", "top-4 right",
                               "worst rank of an influential param", "median s",
                               "seed 0 values"], res["table"]))


if __name__ == "__main__":
    main()
