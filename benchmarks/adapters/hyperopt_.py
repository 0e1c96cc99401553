"""Hyperopt TPE: `fmin(..., algo=tpe.suggest)`; conditional spaces as nested hp.choice."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from benchmarks.adapters.base import Adapter, Objective, need
from benchmarks.problems.base import Param, Problem


def _node(hp: Any, p: Param) -> Any:
    if p.kind == "cat":
        return hp.choice(p.name, list(p.choices))
    if p.kind == "int":  # quantized to 1 over [low - 0.5, high + 0.5], rounded and clipped
        if p.log:
            return hp.qloguniform(p.name, math.log(p.low - 0.5 if p.low > 0.5 else p.low),
                                  math.log(p.high + 0.5), 1)
        return hp.quniform(p.name, p.low - 0.5, p.high + 0.5, 1)
    if p.log:
        return hp.loguniform(p.name, math.log(p.low), math.log(p.high))
    return hp.uniform(p.name, p.low, p.high)


def build_space(hp: Any, space: Sequence[Param]) -> dict[str, Any]:
    """Unconditional parameters flat; a categorical with dependents becomes an hp.choice
    over one dict per choice holding that choice's dependents."""
    parents = {p.condition[0] for p in space if p.condition is not None}
    out: dict[str, Any] = {}
    for p in space:
        if p.condition is not None:
            continue
        if p.name in parents:
            branches = []
            for value in p.choices:
                kids = [replace(q, condition=None) for q in space
                        if q.condition == (p.name, value)]
                branches.append({p.name: value, **build_space(hp, kids)})
            out[f"__{p.name}"] = hp.choice(p.name, branches)
        else:
            out[p.name] = _node(hp, p)
    return out


def flatten(sample: dict[str, Any], space: Sequence[Param]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for k, v in sample.items():
        if k.startswith("__") and isinstance(v, dict):
            flat.update(flatten(v, space))
        else:
            flat[k] = v
    kinds = {p.name: p for p in space}
    for k, v in flat.items():
        p = kinds[k]
        if p.kind == "int":
            flat[k] = int(min(max(round(float(v)), p.low), p.high))
        elif p.kind == "float":
            flat[k] = float(min(max(float(v), p.low), p.high))
    return flat


class HyperoptTPE(Adapter):
    def prepare(self) -> None:
        need("hyperopt", "pip install -r benchmarks/requirements.txt")
        import logging

        logging.getLogger("hyperopt").setLevel(logging.ERROR)

    def run(self, problem: Problem, objective: Objective, budget: int) -> None:
        import numpy as np
        from hyperopt import Trials, fmin, hp, tpe

        space = build_space(hp, problem.space)

        def fn(sample: dict[str, Any]) -> float:
            return float(objective(flatten(sample, problem.space)))

        fmin(fn, space, algo=tpe.suggest, max_evals=budget, trials=Trials(),
             rstate=np.random.default_rng(self.seed), show_progressbar=False)
