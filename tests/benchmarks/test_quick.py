"""Smoke test: the runner end to end on a reduced `quick` suite, then the report.

The full suite is `python -m benchmarks run --suite quick` (about a minute here, the
limit is 3); this test runs one seed, 12 evaluations, one BBOB problem and the ml
problem, every tuneforge sampler next to Optuna's and Hyperopt's TPE, on two workers.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.benchmarks._peers import require_peers

ROOT = Path(__file__).resolve().parents[2]
OURS = ["tuneforge-random", "tuneforge-qmc", "tuneforge-tpe", "tuneforge-gp", "tuneforge-ga",
        "tuneforge-cmaes", "tuneforge-auto"]
PEERS = ["optuna-tpe", "hyperopt-tpe", "numpy-random"]
PROBLEMS = ["bbob-f8-d2", "ml-elasticnet-diabetes"]


def _bench(*args: str, timeout: float = 400) -> str:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), *[p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]]))
    proc = subprocess.run([sys.executable, "-m", "benchmarks", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def _table_rows(md: str, first_header: str) -> dict[str, list[str]]:
    """The first markdown table whose header starts with `first_header`: {row: cells}."""
    lines = md.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(f"| {first_header}"))
    rows = {}
    for ln in lines[start + 2:]:
        if not ln.startswith("|"):
            break
        cells = [c.strip() for c in ln.strip("|").split("|")]
        rows[cells[0].strip("*")] = cells[1:]
    return rows


@pytest.mark.slow
def test_quick_suite_end_to_end(tmp_path: Path) -> None:
    require_peers("optuna", "hyperopt", "cocoex", "sklearn", "matplotlib", "cmaes")
    out = tmp_path / "quick.json"
    run_args = ["run", "--suite", "quick", "--seeds", "1", "--budget", "12",
                "--problems", ",".join(PROBLEMS), "--workers", "2", "--time-cap", "120",
                "--out", str(out)]
    log = _bench(*run_args)
    doc = json.loads(out.read_text())
    runs = {r["key"]: r for r in doc["runs"]}
    assert len(runs) == len(OURS + PEERS) * len(PROBLEMS), log
    unavailable = {r["optimizer"] for r in runs.values() if r["status"] == "unavailable"}
    # tuneforge-gp is new: if its module cannot be imported the report says so, no more
    assert unavailable <= {"tuneforge-gp"}, log
    for r in runs.values():
        if r["optimizer"] in unavailable:
            continue
        assert r["status"] == "ok", (r["key"], r.get("error"))
        assert r["n_evals"] == 12 and len(r["best"]) == 12 and len(r["gap_s"]) == 12
        assert all(a >= b for a, b in zip(r["best"], r["best"][1:], strict=False))
        assert r["wall_s"] >= r["objective_s"] > 0 and r["overhead_s"] >= 0
        assert r["overhead_per_trial_s"]["median"] is not None
    assert doc["meta"]["machine"]["nproc"] >= 1 and doc["meta"]["invocations"]

    # resumable: everything is found in the file, nothing runs again
    again = _bench(*run_args)
    assert re.search(r"\b0 to run\b", again), again

    report = tmp_path / "RESULTS.md"
    _bench("report", str(out), "--output", str(report))
    md = report.read_text()
    assert re.search(r"nproc \d+", md) and "Versions: " in md
    assert "optuna" in md and "hyperopt" in md and "tuneforge" in md
    rows = _table_rows(md, "optimizer")
    for name in OURS + PEERS:
        if name in unavailable:
            continue
        assert name in rows, f"{name} missing from the report table:\n{md[:3000]}"
        numbers = [float(c) for c in rows[name][:len(PROBLEMS) + 1]]  # problems + mean rank
        assert all(math.isfinite(v) for v in numbers), (name, rows[name])
    wtl = _table_rows(md, "tuneforge sampler")
    assert set(wtl) >= {n for n in OURS if n not in unavailable}
    pngs = list((tmp_path / "plots").glob("quick-*.png"))
    assert len(pngs) == 2 and all(p.stat().st_size > 5000 for p in pngs)
