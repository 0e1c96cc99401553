"""The tables benchmark resumes: runs already in --out are kept, only the missing or failed
(table, seed, system) runs are started, and a file of another budget is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from benchmarks._env import THREAD_VARS

from benchmarks import tables


def _fake_child(calls: list[tuple[str, ...]]) -> Any:
    def run_child(module: str, args: list[str], *, timeout: float) -> dict[str, Any]:
        table, seed, system = args[-3:]
        calls.append((table, seed, system))
        return {"table": table, "seed": int(seed), "system": system, "budget": 30.0,
                "task": "classification", "score": 0.5 + int(seed) / 10, "seconds": 1.0}
    return run_child


def test_resume_runs_only_what_is_missing(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "t.json"
    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(tables, "run_child", _fake_child(calls))
    for var in THREAD_VARS:  # main() pins them in this process: restored after the test
        monkeypatch.delenv(var, raising=False)
    base = ["--budget", "30", "--tables", "titanic", "--systems", "tuneforge,flaml",
            "--out", str(out)]
    tables.main([*base, "--seeds", "1"])
    assert calls == [("titanic", "0", "tuneforge"), ("titanic", "0", "flaml")]
    runs = json.loads(out.read_text())["runs"]
    runs[1] = {**runs[1], "score": None, "error": "crashed"}  # a failed run is retried
    out.write_text(json.dumps({"runs": runs}))
    calls.clear()
    tables.main([*base, "--seeds", "2", "--resume"])
    assert calls == [("titanic", "0", "flaml"), ("titanic", "1", "tuneforge"),
                     ("titanic", "1", "flaml")]
    runs = json.loads(out.read_text())["runs"]
    assert len(runs) == 4 and all(r["score"] is not None for r in runs)
    text = tables.report(runs)
    assert "0.55 n=2" in text and "median wall seconds" in text
    with pytest.raises(SystemExit, match="budget"):
        tables.main([*base[2:], "--budget", "120", "--seeds", "1", "--resume"])


def test_the_report_pairs_the_systems_seed_by_seed() -> None:
    # regression: lower RMSE is better, so tuneforge's gain is the baseline's RMSE minus its own
    runs = [{"table": "cars", "seed": seed, "system": system, "task": "regression",
             "score": score, "seconds": 1.0}
            for seed, (ours, hgb) in enumerate([(2.0, 2.5), (3.0, 2.9), (2.2, 2.2)])
            for system, score in (("tuneforge", ours), ("hgb-default", hgb))]
    runs.append({"table": "cars", "seed": 3, "system": "hgb-default", "score": 1.0})
    rows = tables.paired_rows(runs)  # seed 3 has no tuneforge run: not paired
    assert rows == [["cars", "hgb-default", "1-1-1", "+0", 3]]
    assert "wins-ties-losses" in tables.report(runs)
    acc = [{"table": "t", "seed": 0, "system": s, "task": "classification", "score": v}
           for s, v in (("tuneforge", 0.8), ("flaml", 0.75))]
    assert tables.paired_rows(acc) == [["t", "flaml", "1-0-0", "+0.05", 1]]


@pytest.mark.slow
def test_the_fold_pruner_ablation_runs_without_it() -> None:
    # the same selection with and without the fold pruner (a short budget, a small table)
    runs = {system: tables.run_one("penguins", 0, system, 6.0)
            for system in ("tuneforge", "tuneforge-no-fold-pruner")}
    # how many trials 6 s allows depends on the machine, so whether one is pruned does too
    # (tests/automl/test_budget.py checks the pruning itself, by trial count)
    assert runs["tuneforge-no-fold-pruner"]["fold_pruned"] == 0
    assert isinstance(runs["tuneforge"]["fold_pruned"], int)
    assert all(r["score"] > 0 and r["trials"] > 3 for r in runs.values())
    with pytest.raises(ValueError, match="tuneforge-no-fold-pruner"):
        tables.run_one("penguins", 0, "nope", 6.0)
