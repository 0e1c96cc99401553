"""The `mo` suite: ZDT1-3 (30 variables), DTLZ2 (3 objectives, 12 variables) in pure
numpy (Zitzler, Deb & Thiele 2000; Deb, Thiele, Laumanns & Zitzler 2002 -- the same
definitions as pymoo's `get_problem("zdt1")` etc., which tests/benchmarks checks), and a
RandomForest on digits trading CV error against model size.

All objectives are minimized. Metric: the hypervolume of the evaluated points dominated
by the fixed reference point (higher is better), at 100, 200 and 1000 evaluations.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from benchmarks.problems.base import Metric, Param, Problem, flt, integer

CHECKPOINTS = (100, 200, 1000)
METRIC = Metric("hypervolume", sign=-1, tie_rel=0.005)
RF_MAX_BUDGET = 200   # 1000 cross-validated forests per run is hours on two cores


def zdt(x: np.ndarray, which: int) -> tuple[float, float]:
    """ZDT1/2/3 on x in [0, 1]^n."""
    f1 = float(x[0])
    g = 1.0 + 9.0 * float(np.sum(x[1:])) / (len(x) - 1)
    r = f1 / g
    if which == 1:
        h = 1.0 - math.sqrt(r)
    elif which == 2:
        h = 1.0 - r * r
    else:
        h = 1.0 - math.sqrt(r) - r * math.sin(10.0 * math.pi * f1)
    return f1, g * h


def dtlz2(x: np.ndarray, m: int = 3) -> tuple[float, ...]:
    """DTLZ2 with m objectives on x in [0, 1]^n (k = n - m + 1 distance variables)."""
    g = float(np.sum((x[m - 1:] - 0.5) ** 2))
    theta = x[: m - 1] * (math.pi / 2.0)
    f = []
    for i in range(m):
        v = 1.0 + g
        for j in range(m - 1 - i):
            v *= math.cos(theta[j])
        if i > 0:
            v *= math.sin(theta[m - 1 - i])
        f.append(float(v))
    return tuple(f)


def _vector_problem(name: str, n: int, m: int, fn: Any) -> Problem:
    names = [f"x{i}" for i in range(n)]
    space: tuple[Param, ...] = tuple(flt(v, 0.0, 1.0) for v in names)

    def evaluate(params: Mapping[str, float]) -> tuple[float, ...]:
        return fn(np.fromiter((params[v] for v in names), dtype=float, count=n))

    return Problem(name=name, family="mo", space=space, evaluate=evaluate, metric=METRIC,
                   checkpoints=CHECKPOINTS, n_objectives=m, ref_point=(1.1,) * m,
                   info={"n_var": n})


def _rf_digits() -> Problem:
    import sklearn.datasets
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import StratifiedKFold, cross_validate

    X, y = sklearn.datasets.load_digits(return_X_y=True)
    cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    space = (integer("n_estimators", 10, 200, log=True), integer("max_depth", 1, 32),
             integer("min_samples_leaf", 1, 20), flt("max_features", 0.05, 1.0))

    def evaluate(p: Mapping[str, Any]) -> tuple[float, float]:
        model = RandomForestClassifier(n_estimators=p["n_estimators"], max_depth=p["max_depth"],
                                       min_samples_leaf=p["min_samples_leaf"],
                                       max_features=p["max_features"], random_state=0,
                                       n_jobs=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = cross_validate(model, X, y, cv=cv, scoring="accuracy", return_estimator=True)
        nodes = np.mean([sum(t.tree_.node_count for t in est.estimators_)
                         for est in out["estimator"]])
        return 1.0 - float(np.mean(out["test_score"])), math.log10(float(nodes))

    return Problem(name="mo-rf-digits", family="mo", space=space, evaluate=evaluate,
                   metric=METRIC, checkpoints=(100, 200), n_objectives=2,
                   ref_point=(1.0, 6.0), max_budget=RF_MAX_BUDGET,
                   info={"objectives": "1 - 3-fold CV accuracy, log10(total tree nodes)"})


BUILDERS = {
    "mo-zdt1": lambda: _vector_problem("mo-zdt1", 30, 2, lambda x: zdt(x, 1)),
    "mo-zdt2": lambda: _vector_problem("mo-zdt2", 30, 2, lambda x: zdt(x, 2)),
    "mo-zdt3": lambda: _vector_problem("mo-zdt3", 30, 2, lambda x: zdt(x, 3)),
    "mo-dtlz2": lambda: _vector_problem("mo-dtlz2", 12, 3, lambda x: dtlz2(x, 3)),
    "mo-rf-digits": _rf_digits,
}
NAMES = tuple(BUILDERS)


def build(name: str) -> Problem:
    return BUILDERS[name]()
