"""What runs inside a run's own process: build everything, start the clock, optimize,
stop the clock, and send one JSON-able record back to the runner.

Order (BENCHMARKS.md): one BLAS/OpenMP thread (the runner sets the variables before the
process starts), imports and problem set-up (data loading, f_opt) before the clock, the
objective wrapped once by `measure.Meter`.
"""

from __future__ import annotations

import gc
import os
import time
import traceback
from typing import Any


def _quiet() -> None:
    import logging
    import warnings

    logging.basicConfig(level=logging.ERROR)
    logging.getLogger().setLevel(logging.ERROR)
    warnings.simplefilter("ignore")


def record_base(spec: dict[str, Any]) -> dict[str, Any]:
    keys = ("suite", "kind", "optimizer", "problem", "seed", "budget", "checkpoints",
            "time_cap")
    rec = {k: spec[k] for k in keys}
    rec["key"] = f"{spec['optimizer']}|{spec['problem']}|{spec['seed']}|{spec['budget']}"
    rec["pid"] = os.getpid()
    rec["started"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    return rec


def _round(xs: list[float], digits: int = 7) -> list[float]:
    return [round(float(x), digits) for x in xs]


def best_so_far(values: list[float]) -> list[float]:
    out, best = [], float("inf")
    for v in values:
        if v == v and v < best:  # NaN never improves
            best = v
        out.append(best)
    return out


def hv_trace(values: list[tuple[float, ...]], ref: tuple[float, ...],
             checkpoints: list[int]) -> tuple[list[int], list[float]]:
    """Hypervolume after every 10th evaluation and at each checkpoint (negated: the
    internal value is minimized)."""
    from benchmarks.hypervolume import Running

    run = Running(ref)
    marks = set(range(10, len(values) + 1, 10)) | {c for c in checkpoints if c <= len(values)}
    marks.add(len(values))
    ns, hv = [], []
    for i, y in enumerate(values, start=1):
        run.add(y)
        if i in marks:
            ns.append(i)
            hv.append(-run.value)
    return ns, hv


def run_so_mo(spec: dict[str, Any], rec: dict[str, Any]) -> dict[str, Any]:
    from benchmarks import adapters, problems
    from benchmarks.measure import Meter, StopRun

    adapter = adapters.create(spec["optimizer"], spec["seed"])
    try:
        adapter.prepare()
    except adapters.Unavailable as exc:
        return dict(rec, status="unavailable", error=str(exc))
    problem = problems.build(spec["problem"], **(spec.get("extra") or {}))
    if not adapter.supports(problem):
        return dict(rec, status="unsupported",
                    error=f"{spec['optimizer']} does not run {problem.n_objectives}-objective "
                          "problems")
    budget = spec["budget"]
    if problem.max_budget is not None and budget > problem.max_budget:
        budget = problem.max_budget
    rec.update(family=problem.family, metric=problem.metric.as_dict(),
               n_objectives=problem.n_objectives, problem_info=problem.info,
               budget_used=budget)
    meter = Meter(problem.evaluate, budget=budget, time_cap=spec["time_cap"])
    status, error = "ok", None
    gc.collect()
    meter.start()
    try:
        adapter.run(problem, meter, budget)
    except StopRun:
        pass
    except Exception as exc:  # the optimizer failed: keep what it evaluated
        status, error = "error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-3000:]}"
    meter.stop()
    if meter.stopped_by == "time_cap" and status == "ok":
        status, error = "time_cap", (f"stopped at the {spec['time_cap']:.0f} s time cap after "
                                     f"{meter.n} evaluations")
    rec.update(status=status, error=error, n_evals=meter.n, **meter.timing(),
               obj_s=_round(meter.obj_s), gap_s=_round(meter.gap_s))
    if problem.n_objectives == 1:
        vals = [float(v) for v in meter.values]
        rec["best"] = best_so_far(vals)
        rec["final"] = rec["best"][-1] if vals else None
    else:
        ys = [tuple(float(x) for x in v) for v in meter.values]
        rec["trace_n"], rec["best"] = hv_trace(ys, problem.ref_point, spec["checkpoints"])
        rec["final"] = rec["best"][-1] if ys else None
        rec["ref_point"] = list(problem.ref_point)
        rec["values"] = [[round(x, 6) for x in y] for y in ys]
    if status == "ok" and meter.n == 0:
        rec.update(status="error", error="the optimizer evaluated nothing")
    return rec


def main(spec: dict[str, Any], conn: Any) -> None:
    """multiprocessing target: run `spec`, send the record, exit."""
    rec = record_base(spec)
    try:
        _quiet()
        if spec["kind"] == "fidelity":
            from benchmarks import fidelity
            rec = fidelity.run(spec, rec)
        else:
            rec = run_so_mo(spec, rec)
    except BaseException as exc:  # noqa: BLE001 -- report everything, never hang
        rec.update(status="error", error=f"{type(exc).__name__}: {exc}\n"
                                         f"{traceback.format_exc()[-3000:]}")
    conn.send(rec)
    conn.close()
