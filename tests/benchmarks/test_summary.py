"""The summary that opens RESULTS.md: per suite, our best sampler against the best peer, with
the per-problem tie rule of the detail tables, and the summary before the detail."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

REGRET = {"name": "regret", "sign": 1, "floor": 1e-8, "tie_abs": 0.1, "tie_rel": 0.0}


def _rec(opt: str, prob: str, seed: int, final: float, overhead: float = 0.01,
         budget: int = 3) -> dict:
    """A finished single-objective run whose best regret ends at `final`."""
    return {"key": f"{opt}|{prob}|{seed}|{budget}", "optimizer": opt, "problem": prob,
            "seed": seed, "budget": budget, "checkpoints": [1, budget], "status": "ok",
            "kind": "so", "best": [10.0] * (budget - 1) + [final], "metric": REGRET,
            "overhead_per_trial_s": {"median": overhead, "last10": overhead}}


# log10 regrets per problem: gp wins p1 (0.3 decades), ties p2 (0.05 < 0.1), loses p3
FINALS = {"tuneforge-gp": (1e-3, 1e-2, 1e-1), "tuneforge-random": (1e0, 1e0, 1e0),
          "optuna-gp": (2e-3, 1.12e-2, 1e-2), "numpy-random": (1e1, 1e1, 1e1)}
OVERHEAD = {"tuneforge-gp": 0.02, "tuneforge-random": 0.001, "optuna-gp": 0.08,
            "numpy-random": 0.0001}


def _flat(text: str) -> str:
    """Markdown with its column padding collapsed."""
    return " ".join(text.split())


def _runs(budget: int = 3) -> list[dict]:
    return [_rec(o, f"p{i + 1}", s, v, OVERHEAD[o], budget)
            for o, vals in FINALS.items() for i, v in enumerate(vals) for s in range(3)]


def test_best_pair_uses_the_detail_ranks_and_tie_rule() -> None:
    from benchmarks.report import stats, summary

    runs = _runs()
    pair = summary.best_pair(runs)
    assert (pair["ours"], pair["peer"]) == ("tuneforge-gp", "optuna-gp")
    assert pair["wtl"] == (1, 1, 1, 0)  # the 0.05-decade gap on p2 is a tie
    opts = ["tuneforge-gp", "tuneforge-random", "optuna-gp", "numpy-random"]
    rank = stats.ranks(runs, opts, ["p1", "p2", "p3"])
    assert pair["rank_ours"] == rank["tuneforge-gp"] == pytest.approx(4 / 3)
    assert pair["rank_peer"] == rank["optuna-gp"] == pytest.approx(5 / 3)
    assert pair["wtl"] == stats.win_tie_loss(runs, "tuneforge-gp", ["optuna-gp"],
                                             ["p1", "p2", "p3"])
    row = summary.ranked_table(runs).splitlines()[2]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells == ["3 evaluations", "3", "**tuneforge-gp** (1.33)", "optuna-gp (1.67)",
                     "1/1/1", "20 / 80 (0.25)"]


def test_one_row_per_budget_level() -> None:
    from benchmarks.report import summary

    table = summary.ranked_table(_runs(3) + _runs(5))
    assert "| 3 evaluations" in table and "| 5 evaluations" in table


def test_machinery_summaries() -> None:
    from benchmarks.report import summary

    parallel = {"benchmark": "parallel", "summary": [
        {"library": "tuneforge", "label": "tf-2", "workers": 2, "median_trials_per_s": 8.0,
         "speedup": 1.9},
        {"library": "optuna", "label": "op-2a", "workers": 2, "median_trials_per_s": 4.0},
        {"library": "optuna", "label": "op-2b", "workers": 2, "median_trials_per_s": 6.4,
         "speedup": 1.6}]}
    assert "| 2 | tf-2: 8 (1.90x) | op-2b: 6.4 (1.60x) | 1.25 |" in \
        _flat(summary.parallel_table(parallel))
    storage = {"benchmark": "storage",
               "cycle": [{"backend": "tuneforge-sqlite", "trials": 100, "cycle_ms_end": 0.5},
                         {"backend": "optuna-sqlite", "trials": 100, "cycle_ms_end": 150.0}],
               "load": [{"library": "tuneforge", "storage": "sqlite", "n": 10,
                         "median_load_s": 1.0},
                        {"library": "optuna", "storage": "sqlite", "n": 10,
                         "median_load_s": 4.0}]}
    table = _flat(summary.storage_table(storage))
    assert "| ms per trial, last 100 of 100 | SQLite | 0.5 | 150 | 0.0033 |" in table
    assert "| s to load a study of 10 trials | SQLite | 1 | 4 | 0.25 |" in table


def test_overhead_suite_pairs_each_sampler_with_its_counterpart() -> None:
    from benchmarks.report import summary

    def run(opt: str, gap: float, seed: int) -> dict:
        return {"key": f"{opt}|cheap-sphere-5d|{seed}", "optimizer": opt, "seed": seed,
                "problem": "cheap-sphere-5d", "budget": 20, "checkpoints": [10, 20],
                "status": "ok", "kind": "overhead", "best": [1.0] * 20, "metric": REGRET,
                "gap_s": [gap] * 20}

    runs = [run("tuneforge-tpe", 0.002, s) for s in range(3)] + \
        [run("optuna-tpe", 0.008, s) for s in range(3)]
    table = _flat(summary.overhead_table(runs))
    assert "| **tuneforge-tpe** | optuna-tpe | 0.25 (0.25–0.25), 2 cells | 0.25 @20 |" in table


def test_results_md_opens_with_the_summary(tmp_path: Path) -> None:
    from benchmarks.report import cli

    results = tmp_path / "results"
    results.mkdir()
    (results / "bbob.json").write_text(json.dumps({"suite": "bbob", "meta": {},
                                                   "runs": _runs()}))
    (results / "parallel.json").write_text(json.dumps({
        "suite": "overhead", "benchmark": "parallel", "env": {}, "table_markdown": "| b |",
        "summary": [{"library": "tuneforge", "label": "tf", "workers": 1,
                     "median_trials_per_s": 2.0},
                    {"library": "optuna", "label": "op", "workers": 1,
                     "median_trials_per_s": 1.0}]}))
    out = tmp_path / "RESULTS.md"
    args = argparse.Namespace(files=[str(p) for p in sorted(results.glob("*.json"))],
                              output=str(out), plots_dir=None, no_plots=True)
    assert cli.report_command(args, ["report"]) == 0
    text = out.read_text()
    heads = [line for line in text.splitlines() if line.startswith("## ")]
    assert heads[0] == "## Summary: our best against the best peer"
    assert heads[1] == "## Provenance"
    assert heads.index("## bbob — COCO BBOB") > 1
    summary_part = text.split("## Provenance")[0]
    assert [line for line in summary_part.splitlines() if line.startswith("### ")] == \
        ["### bbob — COCO BBOB",
         "### parallel — trials per second of the same 0.2 s objective, the fastest "
         "configuration of each side"]
    assert "**tuneforge-gp** (1.33) | optuna-gp (1.67) | 1/1/1" in _flat(summary_part)
