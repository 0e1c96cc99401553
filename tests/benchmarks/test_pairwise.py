"""benchmarks.pairwise: one optimizer against another per problem, with the report's
units and tie rule."""

import json

import pytest

from benchmarks import pairwise

METRIC = {"name": "log10 regret", "sign": 1, "floor": 1e-8, "tie_abs": 0.1, "tie_rel": 0.0}


def _run(optimizer: str, problem: str, seed: int, curve: list[float]) -> dict:
    return {"optimizer": optimizer, "problem": problem, "seed": seed, "status": "ok",
            "metric": METRIC, "best": curve, "key": f"{optimizer}|{problem}|{seed}"}


def _runs() -> list[dict]:
    runs = []
    for seed in range(3):
        # f1: a far ahead at 2 evaluations; f2: equal at 1, b ahead by 10x later
        runs += [_run("a", "bbob-f1-d2", seed, [10.0, 0.01]),
                 _run("b", "bbob-f1-d2", seed, [10.0, 1.0]),
                 _run("a", "bbob-f2-d5", seed, [1.0, 1.0]),
                 _run("b", "bbob-f2-d5", seed, [1.05, 0.1])]
    runs.append(dict(_run("a", "bbob-f2-d5", 3, []), status="error"))  # ignored
    return runs


def test_verdicts_follow_the_shown_units_and_the_tie_rule():
    first = pairwise.compare(_runs(), "a", "b", 1)
    assert [(p, v) for p, v, _, _ in first] == [("bbob-f1-d2", "tie"), ("bbob-f2-d5", "tie")]
    later = pairwise.compare(_runs(), "a", "b", 2)
    assert [(p, v) for p, v, _, _ in later] == [("bbob-f1-d2", "win"), ("bbob-f2-d5", "loss")]
    assert later[0][2] == pytest.approx(-2.0) and later[0][3] == pytest.approx(0.0)
    assert pairwise.compare(_runs(), "a", "b", 50) == later  # past the end: the last value


def test_report_names_the_families_with_a_loss(tmp_path, capsys):
    text = pairwise.report(_runs(), "a", "b", [1, 2])
    assert "2 problems: 0 wins, 2 ties, 0 losses; families with a loss: none" in text
    assert "1 wins, 0 ties, 1 losses; families with a loss: bbob-f2" in text
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"format": 1, "suite": "bbob", "runs": _runs()}))
    pairwise.main([str(path), "--a", "a", "--b", "b", "--at", "2"])
    assert "| bbob-f2-d5 | 0 | -1 | loss |" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="no runs of 'c'"):
        pairwise.main([str(path), "--a", "c", "--b", "b"])


def test_reach_counts_the_evaluations_to_the_other_optimizers_median():
    runs = []
    for seed in range(3):
        # b reaches 1e-2 at evaluation 2; a gets there at 4 on f1, never on f2
        runs += [_run("b", "bbob-f1-d2", seed, [1.0, 1e-2, 1e-2]),
                 _run("a", "bbob-f1-d2", seed, [1.0, 0.5, 0.1, 1e-2 * 1.2]),
                 _run("b", "bbob-f2-d5", seed, [1.0, 1e-3]),
                 _run("a", "bbob-f2-d5", seed, [1.0, 0.5, 0.1])]
    rows = pairwise.reach(runs, "a", "b", 2)
    assert [(p, n) for p, n, _, _ in rows] == [("bbob-f1-d2", 4), ("bbob-f2-d5", None)]
    assert rows[1][2] == pytest.approx(-3.0) and rows[1][3] == pytest.approx(-1.0)
    text = pairwise.reach_report(runs, "a", "b", 2, slack=1.0)
    assert "2 problems: 1 within 4 evaluations (50 %)." in text
    assert "- d = 2: 1 of 1" in text and "- d = 5: 0 of 1" in text
    assert "| bbob-f2-d5 | -3 | never | -1 |" in text
    assert "within 3 evaluations" in pairwise.reach_report(runs, "a", "b", 2, slack=0.5)


def test_finish_times_share_one_driver_between_the_workers():
    # one worker: proposal, evaluation, proposal, evaluation...
    assert pairwise.finish_times([1, 1, 1], 10, 1) == [11, 22, 33]
    # two workers: the second proposal is made while the first evaluation runs
    assert pairwise.finish_times([1, 1, 1, 1], 10, 2) == [11, 12, 22, 23]
    # a slow driver is the bottleneck whatever the workers
    assert pairwise.finish_times([5, 5, 5], 1, 4) == [6, 11, 16]


def test_reach_time_counts_wall_clock_seconds_with_workers():
    runs = []
    for seed in range(3):
        # b: 1 worker, reaches 1e-2 at its 2nd evaluation (t = 22); a: 4 workers, the
        # same value at its 4th evaluation, which ends at t = 14 with 4 workers
        runs += [dict(_run("b", "bbob-f1-d2", seed, [1.0, 1e-2]), gap_s=[1, 1]),
                 dict(_run("a", "bbob-f1-d2", seed, [1.0, 0.5, 0.1, 1e-2]),
                      gap_s=[1, 1, 1, 1])]
    rows = pairwise.reach_time(runs, "a", "b", 2, eval_s=10, workers_a=4)
    assert rows == [("bbob-f1-d2", 14.0, 22.0)]
    one = pairwise.reach_time(runs, "a", "b", 2, eval_s=10, workers_a=1)
    assert one == [("bbob-f1-d2", 44.0, 22.0)]
    text = pairwise.time_report(runs, "a", "b", 2, 10, 4)
    assert "reaches b's median after 2 evaluations on 1, in a median 0.64 of b's time" in text


def test_cost_report_gives_each_optimizers_own_time_per_trial_by_dimension():
    runs = []
    for seed in range(3):
        for problem, scale in (("bbob-f1-d2", 1.0), ("bbob-f1-d5", 2.0)):
            for name, ms in (("a", 10.0), ("b", 40.0)):
                r = _run(name, problem, seed, [1.0])
                r["overhead_per_trial_s"] = {"mean": scale * ms * (1 + seed) / 1000,
                                             "last10": scale * 2 * ms / 1000}
                runs.append(r)
    runs.append(dict(_run("a", "bbob-f1-d2", 9, [1.0]), overhead_per_trial_s={"mean": 9.0}))
    assert pairwise.own_time(runs[0]) == pytest.approx((0.01, 0.02))
    assert pairwise.own_time(dict(runs[0], status="error")) is None
    text = pairwise.cost_report(runs, "a", "b")
    # seed 9 has no b run: left out; medians over seeds 0-2 of a's means are 20 and 40 ms
    assert "| 2 | 3 | 20 / 20 | 80 / 80 | 0.25 | 0.25 |" in text
    assert "| 5 | 3 | 40 / 40 | 160 / 160 | 0.25 | 0.25 |" in text
    assert "| all | 6 | 25 / 30 | 100 / 120 | 0.25 | 0.25 |" in text
    assert pairwise.cost_report([_run("a", "p", 0, [1.0])], "a", "b") == ""


def test_cost_report_keeps_problems_without_a_dimension_apart_from_the_total():
    runs = []
    for problem, ms in (("bbob-f1-d2", 10.0), ("ml-svc-digits", 30.0)):
        for name, scale in (("a", 1.0), ("b", 0.0)):
            r = _run(name, problem, 0, [1.0])
            r["overhead_per_trial_s"] = {"mean": scale * ms / 1000}
            runs.append(r)
    text = pairwise.cost_report(runs, "a", "b")
    assert "| - | 1 | 30 / 30 | 0 / 0 | - | - |" in text    # b's zero time: no ratio
    assert "| all | 2 | 20 / 20 | 0 / 0 | - | - |" in text


@pytest.mark.parametrize("bad", ["25,x", "0", ""])
def test_evaluation_counts_that_are_not_whole_numbers_above_zero_are_refused(tmp_path, bad,
                                                                             capsys):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"format": 1, "suite": "bbob", "runs": _runs()}))
    with pytest.raises(SystemExit):
        pairwise.main([str(path), "--a", "a", "--b", "b", "--at", bad])
    assert "evaluation counts >= 1 separated by commas" in capsys.readouterr().err
    assert pairwise.counts("10,25") == [10, 25]


def test_one_optimizer_in_two_files_for_the_same_run_is_refused(tmp_path):
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps({"format": 1, "suite": "bbob", "runs": _runs()}))
    new.write_text(json.dumps({"format": 1, "suite": "bbob",
                               "runs": [r for r in _runs() if r["optimizer"] == "a"]}))
    with pytest.raises(SystemExit, match="a has runs of bbob-f1-d2 seed 0 in both"):
        pairwise.main([str(old), str(new), "--a", "a", "--b", "b"])
    # b alone in a second file, or an optimizer not compared, is fine
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": 1, "suite": "bbob",
                                 "runs": [r for r in _runs() if r["optimizer"] == "b"]}))
    by_file = {str(f): json.loads(f.read_text())["runs"] for f in (old, other)}
    assert pairwise.overlap(by_file, ["a"]) is None
    assert pairwise.overlap(by_file, ["a", "b"]) is not None

