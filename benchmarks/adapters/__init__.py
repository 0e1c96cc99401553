"""The optimizer registry: name -> (adapter class, its keyword arguments).

A new sampler is one line here. Names starting with "tuneforge-" are ours; every other
name is a peer. Adapter modules are imported only when an optimizer is built, so a
missing peer library makes only its own optimizers unavailable.
"""

from __future__ import annotations

import importlib
from typing import Any

from benchmarks.adapters.base import Adapter, Unavailable

_TF, _OPT = "tuneforge_:Tuneforge", "optuna_:Optuna"

REGISTRY: dict[str, tuple[str, dict[str, Any]]] = {
    # ours
    "tuneforge-random": (_TF, {"sampler": "RandomSampler", "multi_objective": True}),
    "tuneforge-qmc": (_TF, {"sampler": "RandomSampler", "qmc": True}),
    "tuneforge-tpe": (_TF, {"sampler": "TPESampler"}),
    "tuneforge-gp": (_TF, {"sampler": "tuneforge.samplers.gp:GPSampler"}),
    # ablation: the GP without its trust region at d >= 10 (benchmarks/README.md)
    "tuneforge-gp-global": (_TF, {"sampler": "tuneforge.samplers.gp:GPSampler",
                                  "trust_region": False}),
    # four (two) trials in flight (simulated workers): batch proposals against sequential ones
    "tuneforge-gp-q4": (_TF, {"sampler": "tuneforge.samplers.gp:GPSampler", "pending": 4}),
    "tuneforge-gp-q2": (_TF, {"sampler": "tuneforge.samplers.gp:GPSampler", "pending": 2}),
    # small-budget ablations (against HEBO at 25 evaluations; benchmarks/README.md)
    "tuneforge-gp-ucb": (_TF, {"sampler": "tuneforge.samplers.gp:GPSampler",
                               "acquisition": "ucb"}),
    "tuneforge-gp-tr": (_TF, {"sampler": "tuneforge.samplers.gp:GPSampler",
                              "trust_region": True}),
    "tuneforge-gp-s3": (_TF, {"sampler": "tuneforge.samplers.gp:GPSampler",
                              "n_startup_trials": 3}),
    # proposal effort levels (samplers.gp_effort): quality per evaluation of the cheaper ones
    "tuneforge-gp-reduced": (_TF, {"sampler": "tuneforge.samplers.gp:GPSampler",
                                   "effort": "reduced"}),
    "tuneforge-gp-minimal": (_TF, {"sampler": "tuneforge.samplers.gp:GPSampler",
                                   "effort": "minimal"}),
    "tuneforge-gp-auto": (_TF, {"sampler": "tuneforge.samplers.gp:GPSampler",
                                "effort": "auto"}),
    "tuneforge-auto-q4": (_TF, {"sampler": "AutoSampler", "pending": 4}),
    "tuneforge-ga": (_TF, {"sampler": "GeneticSampler"}),
    "tuneforge-cmaes": (_TF, {"sampler": "CmaEsSampler"}),
    "tuneforge-auto": (_TF, {"sampler": "AutoSampler"}),
    # the opt-in GP/TPE portfolio (in results/partial/auto-portfolio*.json, recorded
    # while it was the default, it is the row named tuneforge-auto)
    "tuneforge-auto-portfolio": (_TF, {"sampler": "AutoSampler", "portfolio": True}),
    "tuneforge-mobo": (_TF, {"sampler": "MOBOSampler", "multi_objective": True}),
    "tuneforge-nsga2": (_TF, {"sampler": "NSGAIISampler", "multi_objective": True}),
    "tuneforge-moead": (_TF, {"sampler": "MOEADSampler", "multi_objective": True}),
    # peers
    "numpy-random": ("numpy_:NumpyRandom", {}),
    "optuna-random": (_OPT, {"sampler": "RandomSampler", "multi_objective": True}),
    "optuna-qmc": (_OPT, {"sampler": "QMCSampler", "scramble": True}),
    "optuna-tpe": (_OPT, {"sampler": "TPESampler", "multi_objective": True}),
    "optuna-tpe-mv": (_OPT, {"sampler": "TPESampler", "multivariate": True}),
    "optuna-gp": (_OPT, {"sampler": "GPSampler"}),
    "optuna-cmaes": (_OPT, {"sampler": "CmaEsSampler"}),
    "optuna-nsga2": (_OPT, {"sampler": "NSGAIISampler", "multi_objective": True}),
    "hyperopt-tpe": ("hyperopt_:HyperoptTPE", {}),
    "skopt-gp": ("skopt_:Skopt", {"method": "gp_minimize"}),
    "skopt-forest": ("skopt_:Skopt", {"method": "forest_minimize"}),
    # in its own environment (.venv-hebo; see adapters/hebo_.py)
    "hebo": ("hebo_:Hebo", {}),
    "pymoo-nsga2": ("pymoo_:Pymoo", {"algorithm": "nsga2"}),
    "pymoo-moead": ("pymoo_:Pymoo", {"algorithm": "moead"}),
    "sklearn-grid": ("sklearn_:SklearnSearch", {"method": "grid"}),
    "sklearn-random": ("sklearn_:SklearnSearch", {"method": "random"}),
}

# tuneforge sampler -> its Optuna counterpart, for the overhead suite
COUNTERPARTS = {"tuneforge-random": "optuna-random", "tuneforge-qmc": "optuna-qmc",
                "tuneforge-tpe": "optuna-tpe", "tuneforge-gp": "optuna-gp",
                "tuneforge-ga": "optuna-nsga2", "tuneforge-cmaes": "optuna-cmaes",
                "tuneforge-auto": None}


def is_ours(name: str) -> bool:
    return name.startswith("tuneforge-")


def create(name: str, seed: int) -> Adapter:
    if name not in REGISTRY:
        raise KeyError(f"unknown optimizer {name!r}; known: {', '.join(REGISTRY)}")
    target, kwargs = REGISTRY[name]
    module, _, cls = target.partition(":")
    adapter_cls = getattr(importlib.import_module(f"benchmarks.adapters.{module}"), cls)
    return adapter_cls(seed=seed, **kwargs)


def availability(name: str) -> str | None:
    """None when `name` can run here, else the reason it cannot."""
    try:
        create(name, 0).prepare()
    except Unavailable as exc:
        return str(exc)
    return None


__all__ = ["COUNTERPARTS", "REGISTRY", "Adapter", "Unavailable", "availability", "create",
           "is_ours"]
