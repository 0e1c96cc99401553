"""benchmarks.searchcv end to end on one cheap problem: the real meta-estimators run, each
in its own process, and the table and verdicts are written."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import require_module

require_module("sklearn", "sklearn")


def test_searchcv_runs_every_method_and_writes_verdicts(tmp_path: Path) -> None:
    from benchmarks import searchcv

    out = tmp_path / "searchcv.json"
    assert searchcv.main(["--problems", "ml-elasticnet-diabetes", "--seeds", "1",
                          "--n-iter", "4", "--grid-factor", "2", "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    runs = {r["method"]: r for r in doc["runs"]}
    assert set(runs) == set(searchcv.METHODS)
    assert runs["tuneforge-gp"]["candidates"] == 4 == runs["sklearn-random"]["candidates"]
    assert 4 < runs["sklearn-grid"]["candidates"] <= 8
    for r in runs.values():  # neg RMSE on diabetes: a negative number around -55
        assert -80 < r["best_score"] < -50
    for r in runs.values():  # the trajectory: one mean score per candidate, in fit order
        assert len(r["scores"]) == r["candidates"]
        assert searchcv.best_after(r, r["candidates"]) == r["best_score"]
        assert searchcv.best_after(r, 2) <= searchcv.best_after(r, 4)
    verdict = doc["verdicts"]["ml-elasticnet-diabetes"]
    assert verdict["beats_random"] in ("win", "tie", "loss")
    assert verdict["beats_random"] == verdict["at"]["4"]
    assert verdict["quarter"] == runs["sklearn-grid"]["candidates"] // 4
    assert verdict["matches_grid"] in (True, False)
    assert "TuneSearchCV(GP) vs RandomizedSearchCV" in doc["table_markdown"]
    # resumable: a second call with the same settings runs nothing new
    before = out.read_text()
    searchcv.main(["--problems", "ml-elasticnet-diabetes", "--seeds", "1", "--n-iter", "4",
                   "--grid-factor", "2", "--out", str(out)])
    assert json.loads(out.read_text())["runs"] == json.loads(before)["runs"]
