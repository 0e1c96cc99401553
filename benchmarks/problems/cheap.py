"""Cheap functions for the `overhead` suite: the objective costs microseconds, so the
wall time of a run is the optimizer's own cost."""

from __future__ import annotations

from collections.abc import Mapping

from benchmarks.problems.base import Metric, Problem, flt

CHECKPOINTS = (100, 300, 1000)
METRIC = Metric("f (sphere)", sign=1, tie_rel=0.01)
NAMES = ("cheap-sphere-d5", "cheap-sphere-d20")


def build(name: str) -> Problem:
    d = int(name.rsplit("-d", 1)[1])
    names = [f"x{i}" for i in range(d)]

    def evaluate(params: Mapping[str, float]) -> float:
        return float(sum((params[n] - 0.5) ** 2 for n in names))

    return Problem(name=name, family="cheap", space=tuple(flt(n, -5.0, 5.0) for n in names),
                   evaluate=evaluate, metric=METRIC, checkpoints=CHECKPOINTS, info={"d": d})
