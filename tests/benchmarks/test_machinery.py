"""The benchmark machinery: the objective wrapper, the supervisor, results files,
problems (against COCO and pymoo), hypervolume, the sklearn grid and the report's ranks."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import numpy as np
import pytest
from benchmarks.hypervolume import Running, hypervolume
from benchmarks.measure import BudgetExhausted, Meter, StopRun, TimeCapReached
from benchmarks.problems.base import decode, flt, integer

from benchmarks import pool, results, suites
from tests.benchmarks._peers import require_peers


# -- the objective wrapper -------------------------------------------------------------------
def test_meter_counts_times_and_stops_at_the_budget() -> None:
    m = Meter(lambda p: p["x"] ** 2, budget=3, time_cap=60)
    m.start()
    assert [m({"x": x}) for x in (1.0, 2.0, 3.0)] == [1.0, 4.0, 9.0]
    with pytest.raises(BudgetExhausted):
        m({"x": 4.0})
    m.stop()
    t = m.timing()
    assert m.n == 3 and len(m.obj_s) == len(m.gap_s) == 3
    assert t["wall_s"] >= t["objective_s"] >= 0 and t["overhead_s"] >= 0
    assert not issubclass(StopRun, Exception)  # no library's `except Exception` eats it


def test_meter_time_cap() -> None:
    m = Meter(lambda p: 0.0, budget=100, time_cap=0.05)
    m.start()
    m({})
    time.sleep(0.06)
    with pytest.raises(TimeCapReached):
        m({})
    assert m.stopped_by == "time_cap"


# -- the supervisor: a crash or a hang ends one run, not the pool ----------------------------
def _target(spec: dict, conn: object) -> None:
    if spec["what"] == "crash":
        os._exit(3)
    if spec["what"] == "hang":
        time.sleep(60)
    conn.send({"key": spec["key"], "status": "ok"})


def test_pool_survives_crashes_and_hangs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool, "GRACE_S", 0.5)
    specs = [{"key": k, "what": k, "time_cap": 1.0} for k in ("ok", "crash", "hang", "ok2")]
    got: dict[str, str] = {}
    pool.run_all(specs, workers=2, target=_target,
                 on_result=lambda r: got.__setitem__(r["key"], r["status"]))
    assert got == {"ok": "ok", "crash": "crashed", "hang": "timeout", "ok2": "ok"}


# -- results files ---------------------------------------------------------------------------
def test_results_file_is_replaced_whole_and_resumes(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    doc = results.load(path)
    results.add(doc, {"key": "a", "status": "ok"})
    results.add(doc, {"key": "b", "status": "crashed"})
    results.save(path, doc)
    results.add(doc, {"key": "b", "status": "ok"})  # a retried run replaces its record
    results.save(path, doc)
    again = results.load(path)
    assert [r["key"] for r in again["runs"]] == ["a", "b"]
    assert results.finished_keys(again) == {"a", "b"}
    assert not list(tmp_path.glob("*.tmp"))


def test_plan_overrides() -> None:
    runs = suites.plan("bbob", optimizers="tuneforge-tpe,optuna-tpe", problems="bbob-f1-d2",
                       seeds=2)
    assert {(r.optimizer, r.budget) for r in runs} == {
        ("tuneforge-tpe", 100), ("optuna-tpe", 100), ("tuneforge-tpe", 300), ("optuna-tpe", 300)}
    assert len(runs) == 8 and runs[0].checkpoints == (10, 25, 50, 100)
    quick = suites.plan("quick", budget=12)
    assert {r.checkpoints for r in quick} == {(10, 12), (5, 10, 12)}
    with pytest.raises(KeyError):
        suites.plan("bbob", optimizers="no-such-optimizer")


def test_bbob_suite_covers_all_24_functions_with_an_instance_per_seed() -> None:
    from benchmarks.problems import bbob

    runs = suites.plan("bbob", optimizers="tuneforge-auto", seeds=3)
    assert {r.problem for r in runs} == {f"bbob-f{f}-d{d}" for f in range(1, 25)
                                         for d in (2, 5, 10)}
    assert {(r.seed, r.extra["instance"]) for r in runs} == {(0, 1), (1, 2), (2, 3)}
    assert {r.budget for r in runs} == {100, 300}   # Auto is measured at 300 too
    assert sorted(f for g in bbob.GROUPS.values() for f in g) == list(range(1, 25))
    # the smoke suite keeps instance 1 and its two problems
    quick = suites.plan("quick")
    assert all(not r.extra for r in quick) and len({r.problem for r in quick}) == 3


def test_a_run_on_another_instance_is_not_finished() -> None:
    old = {"key": "a", "status": "ok", "problem_info": {"coco_id": "bbob_f001_i01_d02"}}
    new = {"key": "b", "status": "ok", "problem_info": {"instance": 2}}
    doc = {"runs": [old, new]}
    assert results.instance_of(old) == 1 and results.instance_of({"key": "c"}) is None
    assert results.finished_keys(doc) == {"a", "b"}
    assert results.finished_keys(doc, {"a": 3, "b": 2}) == {"b"}


# -- problems --------------------------------------------------------------------------------
def test_bbob_regret_is_zero_at_the_optimum() -> None:
    require_peers("cocoex")
    from benchmarks.problems import bbob

    p = bbob.build("bbob-f8-d5")
    assert p.info["f_opt"] == round(p.info["f_opt"], 2)
    assert p.evaluate({f"x{i}": 0.0 for i in range(5)}) > 0
    assert p.info["instance"] == 1 and "_i01_" in p.info["coco_id"]


def test_bbob_instances_differ_and_every_function_builds() -> None:
    require_peers("cocoex")
    from benchmarks.problems import bbob

    x = {"x0": 1.0, "x1": -2.0}
    one, two = bbob.build("bbob-f3-d2"), bbob.build("bbob-f3-d2", instance=2)
    assert two.info["instance"] == 2 and "_i02_" in two.info["coco_id"]
    assert one.evaluate(x) != two.evaluate(x)
    for f in bbob.FUNCTIONS:  # f_opt checks out (a round BBOB value) on all 24
        p = bbob.build(f"bbob-f{f}-d2", instance=5)
        assert p.evaluate(x) >= 0 and p.family == f"bbob-f{f}"
    with pytest.raises(ValueError, match="functions 1-24"):
        bbob.build("bbob-f25-d2")
    with pytest.raises(ValueError, match="instance"):
        bbob.build("bbob-f1-d2", instance=0)


@pytest.mark.parametrize("name,pymoo_name", [("mo-zdt1", "zdt1"), ("mo-zdt2", "zdt2"),
                                             ("mo-zdt3", "zdt3"), ("mo-dtlz2", "dtlz2")])
def test_mo_problems_match_pymoo(name: str, pymoo_name: str) -> None:
    require_peers("pymoo")
    from benchmarks.problems import mo
    from pymoo.problems import get_problem

    ours = mo.build(name)
    ref = (get_problem(pymoo_name, n_var=12, n_obj=3) if pymoo_name == "dtlz2"
           else get_problem(pymoo_name, n_var=30))
    x = np.random.default_rng(0).random((5, len(ours.space)))
    expect = ref.evaluate(x)
    for xi, fi in zip(x, expect, strict=True):
        assert np.allclose(ours.evaluate({f"x{i}": v for i, v in enumerate(xi)}), fi)


def test_hypervolume() -> None:
    assert hypervolume([[0.5, 0.5]], [1.0, 1.0]) == pytest.approx(0.25)
    assert hypervolume([[0.0, 0.5], [0.5, 0.0]], [1.0, 1.0]) == pytest.approx(0.75)
    assert hypervolume([[0.5, 0.5, 0.5]], [1.0, 1.0, 1.0]) == pytest.approx(0.125)
    assert hypervolume([[2.0, 0.0]], [1.0, 1.0]) == 0.0
    pts = np.random.default_rng(1).random((40, 3))
    run = Running([1.1, 1.1, 1.1])
    for y in pts:
        run.add(y)
    assert run.value == pytest.approx(hypervolume(pts, [1.1, 1.1, 1.1]))
    try:
        from moocore import hypervolume as reference
    except ImportError:
        return
    assert run.value == pytest.approx(reference(pts, ref=[1.1, 1.1, 1.1]))


def test_decode_respects_log_int_and_bounds() -> None:
    space = (flt("a", 1e-3, 1.0, log=True), integer("n", 2, 256, log=True), integer("k", 1, 3))
    lo, hi = decode(space, np.zeros(3)), decode(space, np.ones(3))
    assert lo == {"a": pytest.approx(1e-3), "n": 2, "k": 1}
    assert hi == {"a": pytest.approx(1.0), "n": 256, "k": 3}
    assert decode(space, np.full(3, 0.5))["a"] == pytest.approx(math.sqrt(1e-3))


def test_sklearn_grid_fits_the_budget() -> None:
    require_peers("sklearn")
    from benchmarks.adapters.sklearn_ import SklearnSearch
    from benchmarks.problems import ml

    for name in ml.NAMES:
        problem = ml.build(name)
        for method in ("grid", "random"):
            cands = SklearnSearch(seed=0, method=method).candidates(problem, 50)
            assert 10 <= len(cands) <= 50, (name, method, len(cands))


# -- the report's numbers --------------------------------------------------------------------
def _rec(opt: str, prob: str, seed: int, best: list[float]) -> dict:
    return {"key": f"{opt}|{prob}|{seed}|3", "optimizer": opt, "problem": prob, "seed": seed,
            "budget": len(best), "checkpoints": [1, len(best)], "status": "ok", "best": best,
            "metric": {"name": "regret", "sign": 1, "floor": 1e-8, "tie_abs": 0.1,
                       "tie_rel": 0.0}}


def test_ranks_ties_and_win_tie_loss() -> None:
    from benchmarks.report import stats

    runs = [_rec("tuneforge-tpe", "p", s, [1.0, 1e-9, 1e-9]) for s in range(3)]
    runs += [_rec("optuna-tpe", "p", s, [1.0, 1e-9, 1e-10]) for s in range(3)]  # both floor
    runs += [_rec("numpy-random", "p", s, [1.0, 0.5, 0.1]) for s in range(3)]
    rank = stats.ranks(runs, ["tuneforge-tpe", "optuna-tpe", "numpy-random"], ["p"])
    assert rank == {"tuneforge-tpe": 1.5, "optuna-tpe": 1.5, "numpy-random": 3.0}
    assert stats.win_tie_loss(runs, "tuneforge-tpe", ["optuna-tpe", "numpy-random"], ["p"]) \
        == (0, 1, 0, 0)
    assert stats.win_tie_loss(runs, "tuneforge-tpe", ["numpy-random"], ["p"]) == (1, 0, 0, 0)


def test_report_reads_machinery_files_with_or_without_runs(tmp_path: Path) -> None:
    import json

    from benchmarks.report.data import load_files

    storage = {"suite": "overhead", "benchmark": "storage", "env": {},
               "cycle_table_markdown": "| a |"}          # benchmarks.storage writes no "runs"
    parallel = {"suite": "overhead", "benchmark": "parallel", "env": {}, "runs": [],
                "table_markdown": "| b |"}
    for name, doc in (("storage", storage), ("parallel", parallel)):
        (tmp_path / f"{name}.json").write_text(json.dumps(doc))
    suites, machinery = load_files([tmp_path / "storage.json", tmp_path / "parallel.json"])
    assert suites == {}
    assert [m["benchmark"] for m in machinery] == ["storage", "parallel"]


def test_tuneforge_adapter_keeps_trials_in_flight() -> None:
    """pending=3: every proposal after the first three is made while three others run,
    and the budget is met exactly."""
    from benchmarks.adapters import create
    from benchmarks.problems import cheap

    problem = cheap.build("cheap-sphere-d5")
    adapter = create("tuneforge-random", 0)
    adapter.pending = 3
    adapter.prepare()
    import tuneforge as tf

    seen: list[int] = []
    real_ask = tf.Study.ask

    def ask(self, *args, **kwargs):  # how many trials are running when one is asked
        seen.append(sum(t.state.name == "RUNNING" for t in self.trials))
        return real_ask(self, *args, **kwargs)

    meter = Meter(problem.evaluate, budget=10, time_cap=60)
    meter.start()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tf.Study, "ask", ask)
        adapter.run(problem, meter, 10)
    meter.stop()
    assert meter.n == 10
    assert seen == [0, 1, 2] + [2] * 7   # after the first three: two others always run
