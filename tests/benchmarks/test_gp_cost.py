"""The GP cost benchmark: every sampler row is measured on the same history, and ours
split the time into fit and acquisition parts."""

import json

from benchmarks import gp_cost
from tests.benchmarks._peers import require_peers


def test_rows_for_each_sampler_and_a_table(tmp_path, capsys):
    require_peers("optuna")
    out = tmp_path / "gp.json"
    assert gp_cost.main(["--trials", "12", "--spaces", "2,2m", "--warmup", "1",
                         "--proposals", "2", "--samplers",
                         "tuneforge-full,tuneforge-minimal,optuna-tpe",
                         "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    rows = data["rows"]
    assert len(rows) == 6 and {r["mixed"] for r in rows} == {False, True}
    for r in rows:
        assert r["n"] == 12 and r["d"] == 2 and r["ms_median"] > 0
        if r["sampler"].startswith("tuneforge"):
            assert r["fit_ms"] >= 0 and r["maximize_ms"] >= r["refine_ms"] >= 0
        else:
            assert "fit_ms" not in r
    assert "| 12 | 2m |" in data["table_markdown"].replace("  ", " ")
    assert "tuneforge-minimal" in capsys.readouterr().out
