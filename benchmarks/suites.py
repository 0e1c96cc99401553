"""The suites of BENCHMARKS.md as lists of runs.

A run is one (optimizer, problem, seed, budget); its key identifies it in a results
file. `plan(suite, ...)` expands a suite into runs, with the command-line overrides.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from benchmarks.adapters import COUNTERPARTS, REGISTRY
from benchmarks.problems import bbob, cheap, fidelity, ml, mo

OURS = ["tuneforge-random", "tuneforge-qmc", "tuneforge-tpe", "tuneforge-gp", "tuneforge-ga",
        "tuneforge-cmaes", "tuneforge-auto"]
SO_PEERS = ["numpy-random", "optuna-random", "optuna-tpe", "optuna-tpe-mv", "optuna-gp",
            "optuna-cmaes", "hyperopt-tpe", "skopt-gp", "skopt-forest"]
# Optuna's NSGA-II used single-objective: the peer our genetic algorithm is measured against
GA_PEER = "optuna-nsga2"
# our evolutionary multi-objective samplers (the mo suite)
MO_EA = ["tuneforge-nsga2", "tuneforge-moead"]
LONG_BUDGET = ["tuneforge-tpe", "tuneforge-ga", "tuneforge-cmaes", "tuneforge-auto",
               "numpy-random", "optuna-tpe", "optuna-tpe-mv", "optuna-cmaes", "hyperopt-tpe"]


@dataclass(frozen=True)
class Group:
    """Some problems, each run by some optimizers at some budgets."""

    problems: tuple[str, ...]
    optimizers: tuple[str, ...]
    budgets: tuple[int, ...]
    checkpoints: tuple[int, ...]


@dataclass(frozen=True)
class Suite:
    name: str
    kind: str               # "so", "mo", "fidelity" or "overhead"
    groups: tuple[Group, ...]
    seeds: int
    time_cap: float         # seconds per run (the hard kill comes 60 s later)
    workers: int = 1
    doc: str = ""
    # BBOB: seed s runs COCO instance s + 1 (its own shift and rotation of the problem),
    # so no choice is tuned to one instance; otherwise instance 1 for every seed
    instance_by_seed: bool = False


def _g(problems: Any, optimizers: Any, budgets: Any, checkpoints: Any) -> Group:
    return Group(tuple(problems), tuple(optimizers), tuple(budgets), tuple(checkpoints))


SUITES: dict[str, Suite] = {
    "bbob": Suite("bbob", "so", (
        _g(bbob.NAMES, OURS + SO_PEERS + [GA_PEER], [100], [10, 25, 50, 100]),
        _g(bbob.NAMES, LONG_BUDGET + [GA_PEER], [300], [10, 25, 50, 100, 300]),
    ), seeds=10, time_cap=900.0, instance_by_seed=True,
       doc="COCO BBOB, all 24 functions, d in {2, 5, 10}, instance seed + 1"),
    "ml": Suite("ml", "so", (
        _g(ml.NAMES, OURS + SO_PEERS + ["sklearn-grid", "sklearn-random"], [50], [10, 25, 50]),
    ), seeds=3, time_cap=1800.0, doc="scikit-learn models, 5-fold CV"),
    "mo": Suite("mo", "mo", (
        _g([n for n in mo.NAMES if n != "mo-rf-digits"],
           ["tuneforge-random", *MO_EA, "numpy-random", "optuna-random", "optuna-tpe",
            "optuna-nsga2",
            "pymoo-nsga2", "pymoo-moead"], [1000], [100, 200, 1000]),
        # multi-objective BO: a GP per objective costs O(n^3); it is for small budgets
        _g([n for n in mo.NAMES if n != "mo-rf-digits"], ["tuneforge-mobo"], [200],
           [100, 200]),
        _g(["mo-rf-digits"], ["tuneforge-random", *MO_EA, "optuna-random", "optuna-tpe",
                              "optuna-nsga2", "pymoo-nsga2", "pymoo-moead", "tuneforge-mobo"],
           [mo.RF_MAX_BUDGET], [100, 200]),
    ), seeds=5, time_cap=3600.0, doc="multi-objective, hypervolume"),
    "fidelity": Suite("fidelity", "fidelity", (
        _g(fidelity.NAMES, ["tuneforge-median", "tuneforge-none", "tuneforge-asha",
                            "tuneforge-hyperband", "tuneforge-bohb", "tuneforge-asha-gp",
                            "tuneforge-asha-gp-auto",
                            "optuna-median",
                            "optuna-none", "optuna-sha", "optuna-hyperband"],
           [120], [15, 30, 60, 120]),
    ), seeds=3, time_cap=240.0, doc="early stopping; budget = wall-clock seconds"),
    "overhead": Suite("overhead", "overhead", (
        _g(cheap.NAMES, [n for pair in COUNTERPARTS.items() for n in pair if n],
           [1000], [100, 300, 1000]),
    ), seeds=3, time_cap=900.0, doc="sampler cost per trial on a cheap function"),
    "quick": Suite("quick", "so", (
        _g(["bbob-f8-d2", "bbob-f10-d5"], ["numpy-random", *OURS, "optuna-tpe", "hyperopt-tpe"],
           [30], [10, 20, 30]),
        _g(["ml-elasticnet-diabetes"], ["numpy-random", *OURS, "optuna-tpe", "hyperopt-tpe"],
           [10], [5, 10]),
    ), seeds=2, time_cap=120.0, workers=2, doc="smoke: under 3 minutes"),
}


@dataclass(frozen=True)
class Run:
    suite: str
    kind: str
    optimizer: str
    problem: str
    seed: int
    budget: int
    checkpoints: tuple[int, ...]
    time_cap: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.optimizer}|{self.problem}|{self.seed}|{self.budget}"

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["checkpoints"] = list(self.checkpoints)
        return d


def _csv(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def plan(name: str, *, optimizers: str | None = None, problems: str | None = None,
         seeds: int | None = None, budget: int | None = None,
         time_cap: float | None = None) -> list[Run]:
    """The runs of suite `name`. Overrides: `optimizers`/`problems` (comma lists) keep
    only those; `seeds` = how many (0..n-1); `budget` replaces every group's budgets
    (checkpoints above it are dropped and the budget becomes the last one)."""
    if name not in SUITES:
        raise KeyError(f"unknown suite {name!r}; known: {', '.join(SUITES)}")
    suite = SUITES[name]
    want_opt, want_prob = _csv(optimizers), _csv(problems)
    known = {o for g in suite.groups for o in g.optimizers}
    fidelity_opts = {o for g in SUITES["fidelity"].groups for o in g.optimizers}
    valid = fidelity_opts if suite.kind == "fidelity" else set(REGISTRY)
    for o in want_opt or []:
        if o not in valid:
            raise KeyError(f"optimizer {o!r} cannot run in suite {name!r}")
    added = [o for o in want_opt or [] if o not in known]  # not a default: every group
    runs: list[Run] = []
    for g in suite.groups:
        opts = [o for o in g.optimizers if want_opt is None or o in want_opt] + added
        probs = [p for p in g.problems if want_prob is None or p in want_prob]
        budgets = (budget,) if budget is not None else g.budgets
        for b in sorted(set(budgets)):
            cps = tuple(sorted({c for c in g.checkpoints if c < b} | {b}))
            cap = suite.time_cap if time_cap is None else time_cap
            if suite.kind == "fidelity":  # the budget is seconds: the cap must exceed it
                cap = max(cap, 2.0 * b)
            for p in probs:
                for o in opts:
                    for s in range(suite.seeds if seeds is None else seeds):
                        extra = {"instance": s + 1} if suite.instance_by_seed else {}
                        runs.append(Run(name, suite.kind, o, p, s, b, cps, cap, extra))
    seen: set[str] = set()
    return [r for r in runs if not (r.key in seen or seen.add(r.key))]

