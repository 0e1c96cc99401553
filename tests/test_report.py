"""`tuneforge report`: one HTML file with plotly.js inside, the best trials, importance,
the hold-out check and the environment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tuneforge as tf
from tests.conftest import require_module
from tuneforge.cli import app
from tuneforge.samplers import RandomSampler

require_module("plotly", "dashboard")


@pytest.fixture
def url(tmp_path: Path) -> str:
    u = f"sqlite:///{tmp_path / 'r.db'}"
    study = tf.create_study("r", storage=u, sampler=RandomSampler(seed=0))
    study.optimize(lambda t: (t.suggest_float("a", 0, 1) - 0.3) ** 2
                   + 0.01 * t.suggest_int("b", 0, 3), n_trials=15)
    study.set_user_attr("holdout_check", {
        "message": "CV accuracy 0.95 vs hold-out 0.80 — the hold-out is worse", "overtuned": True,
        "families": [{"family": "svc", "trial": 3, "cv_score": 0.95, "holdout_score": 0.8}]})
    return u


def test_report_is_one_offline_file_with_every_section(url, tmp_path):
    require_module("sklearn", "sklearn")
    out = tmp_path / "report.html"
    res = CliRunner().invoke(app, ["report", "r", "--storage", url, "--out", str(out)])
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    import plotly.offline

    assert plotly.offline.get_plotlyjs()[:2000] in text        # plotly.js inlined
    assert not re.search(r"<script[^>]+src=", text)              # nothing fetched
    best = re.search(r"<table id='best'>.*?</table>", text, re.S).group(0)
    study = tf.load_study("r", storage=url)
    assert f"<td class='num'>{study.best_trial.number}</td>" in best.split("</tr>")[1]
    assert "id='importance'" in text and "id='holdout'" in text
    assert "the hold-out is worse" in text and "class='warn'" in text
    for kind in ("history", "parallel", "slice", "contour", "importance", "edf", "timeline"):
        assert f'id="fig-{kind}"' in text, kind
    assert "id='env'" in text and "python" in text
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)


def test_report_escapes_user_text_and_names_bad_targets(tmp_path):
    from tuneforge.report import build_report, write_report
    from tuneforge.storage.memory import InMemoryStorage

    storage = InMemoryStorage()
    study = tf.create_study("<b>x</b>", storage=storage)
    bad = "</script><b>k"
    study.enqueue_trial({"k": bad})
    study.optimize(lambda t: float(t.suggest_categorical("k", [bad, "ok"]) == "ok"),
                   n_trials=4)
    text = build_report(list(study.trials), study.directions, study_name="<b>x</b>",
                        importance=False)
    assert "<b>x</b>" not in text and "&lt;b&gt;x&lt;/b&gt;" in text
    assert "<td>&lt;/script&gt;&lt;b&gt;k</td>" in text      # the best trial's parameter
    assert text.count("</script>") == text.count("<script")  # no value closes a script
    from tuneforge.exceptions import StudyNotFoundError, TuneforgeError

    with pytest.raises(TuneforgeError, match="does not exist"):
        write_report(storage, "<b>x</b>", tmp_path / "nope" / "r.html", importance=False)
    with pytest.raises(StudyNotFoundError):
        write_report(storage, "missing", tmp_path / "r.html")
