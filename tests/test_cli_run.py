"""`tuneforge run config.yaml`: check-only, error reporting, and a real run of the example."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tuneforge as tf
from tests.conftest import require_module
from tests.test_cli import ENV, assert_one_line_error, invoke
from tuneforge.cli import app

require_module("sklearn", "sklearn")
require_module("pandas", "pandas")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "run" / "config.yaml"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the example config and its CSV; its default storage would land in tmp."""
    for name in ("config.yaml", "wine.csv"):
        shutil.copy(EXAMPLE.parent / name, tmp_path / name)
    return tmp_path / "config.yaml"


def test_help() -> None:
    result = invoke("run", "--help")
    assert result.exit_code == 0, result.output
    for option in ("--storage", "TUNEFORGE_STORAGE", "--trials", "--check", "--quiet"):
        assert option in result.stdout


def test_check_only_validates(example: Path, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("run", "--check", str(example))
    assert result.exit_code == 0, result.output
    assert f"{example}: OK" in result.stdout
    assert "models: logreg, rf, hgb; 30 trials" in result.stdout
    assert not (tmp_path / "tuneforge.db").exists()  # nothing ran, nothing stored


def test_every_config_error_is_a_red_line_and_nothing_runs(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(textwrap.dedent("""\
        study: bad
        data: {path: missing.csv, target: y}
        models: [logreg, svm]
        budget: {trials: -3}
        """))
    db = tmp_path / "s.db"
    for args in (["run", str(config)], ["run", "--check", str(config)]):
        result = invoke(*args, "--storage", f"sqlite:///{db}")
        assert result.exit_code == 1, result.output
        assert result.stderr.splitlines() == [
            f"error: {config}:2: data.path: no such file: {tmp_path}/missing.csv (a relative "
            "path starts from the config's folder)",
            f"error: {config}:3: models[1]: unknown model 'svm' (did you mean 'svc'?); known: "
            "extra_trees, hgb, knn, lightgbm, logreg, mlp, rf, svc, tree, xgboost",
            f"error: {config}:4: budget.trials: must be a positive integer, got -3",
        ]
        assert result.stdout == ""
    assert not db.exists()


def test_yaml_syntax_error(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("study: x\ndata: [oops\n")
    assert_one_line_error(invoke("run", str(config)), f"{config}:3: invalid YAML")


def test_an_alias_bomb_is_one_red_line_at_once(tmp_path: Path) -> None:
    """A 400-byte "billion laughs" used to run a minute and end in a MemoryError traceback."""
    import time

    from tests.runspec.test_runspec import BOMB

    config = tmp_path / "config.yaml"
    config.write_text(BOMB)
    start = time.perf_counter()
    result = invoke("run", "--check", str(config))
    assert time.perf_counter() - start < 1.0
    assert_one_line_error(result, f"{config}:5: the config expands to more than 20000 values")


def test_a_missing_value_in_the_holdout_passes_check(example: Path, tmp_path: Path) -> None:
    """`n/a` in a hold-out row is a gap that select imputes inside the folds (it used to
    fail the run at the end): --check accepts it."""
    import pandas as pd

    from tuneforge.evaluate.holdout import holdout_split

    data = example.parent / "wine.csv"
    frame = pd.read_csv(data)
    row = int(holdout_split(frame, frame["cultivar"], test_size=0.2, seed=0).holdout_index[0])
    lines = data.read_text().splitlines()
    cells = lines[row + 1].split(",")
    cells[2] = "n/a"  # ash
    lines[row + 1] = ",".join(cells)
    data.write_text("\n".join(lines) + "\n")
    db = tmp_path / "s.db"
    result = invoke("run", "--check", str(example), "--storage", f"sqlite:///{db}")
    assert result.exit_code == 0, result.output  # a gap is data: imputed inside the folds
    assert not db.exists()  # --check runs nothing


def test_trials_must_be_positive(example: Path) -> None:
    assert invoke("run", str(example), "--trials", "0").exit_code == 2


def test_a_problem_select_finds_is_one_red_line(example: Path, tmp_path: Path) -> None:
    text = example.read_text().replace("task: classification", "").replace(
        "metric: accuracy", "metric: rmse")     # the wine target is inferred: classes
    example.write_text(text)
    db = tmp_path / "s.db"
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("metric:"))
    for args in (["run"], ["run", "--check"]):  # found before anything runs
        result = invoke(*args, str(example), "--storage", f"sqlite:///{db}")
        assert_one_line_error(result, f"{example}:{line}: metric: scoring 'rmse' is a "
                              "regression metric but the task is classification")
    assert not db.exists()


def test_run_the_example_end_to_end(example: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    result = CliRunner().invoke(app, ["run", str(example), "--trials", "3", "--storage", url],
                                env=ENV)
    assert "Traceback" not in result.output, result.output
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "hold-out accuracy" in out and "CV accuracy" in out
    for family in ("logreg", "rf", "hgb"):  # 3 trials: each family's defaults once
        cells = _row_of_family(out, family)
        assert cells[2] == "1"
        cv = float(cells[3].split("±")[0])
        holdout = float(cells[4])
        assert 0.5 < cv <= 1 and 0.5 < holdout <= 1
    assert "hold-out check: accuracy: CV" in out
    blend = next(t for t in out.splitlines() if t.startswith("blend "))  # always weighed
    stored_blend = tf.load_study("wine-models", storage=url).user_attrs["blend"]
    if stored_blend["chosen"]:  # its members, weighted, and the winner's row on top
        assert blend.startswith("blend of ") and ": chosen," in blend
        assert _row_of_family(out, "blend")[0] == "1"
    else:  # the candidates it was weighed over (the defaults of hgb among them)
        assert blend.startswith("blend weighed over ") and "not chosen," in blend
        assert "hgb (trial" in blend
    assert all(f"{m['model']} (trial {m['trial']})" in blend
               for m in stored_blend["members" if stored_blend["chosen"] else "candidates"])
    assert f"study 'wine-models' stored in {url}" in out
    stored = tf.load_study("wine-models", storage=url)
    assert len(stored.trials) == 3
    assert {t.params["model"] for t in stored.trials} == {"logreg", "rf", "hgb"}
    assert all(t.state is tf.TrialState.COMPLETE for t in stored.trials)


def test_stopping_rule_and_nested_cv(example: Path, tmp_path: Path) -> None:
    """`stopping` ends the search once its gains are within the CV noise; `nested_cv`
    then estimates the whole selection in outer folds, each a study of its own."""
    text = example.read_text().replace("  - name: rf", "  - name: rf_unused").split(
        "  - name: rf_unused")[0]  # logreg only: fast
    text += textwrap.dedent("""\
        metric: accuracy
        cv: 3
        budget: {trials: 40}
        stopping: {patience: 3, min_trials: 4, threshold: 1000}
        nested_cv: 2
        """)
    example.write_text(text)
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    result = CliRunner().invoke(app, ["run", str(example), "--storage", url, "--quiet"],
                                env=ENV)
    assert "Traceback" not in result.output, result.output
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "stopped early: the last 3 complete trials improved on trial" in out
    assert len(tf.load_study("wine-models", storage=url).trials) == 4  # not 40
    assert "nested CV accuracy:" in out and "winner per fold: logreg, logreg" in out
    for i in range(2):
        fold = tf.load_study(f"wine-models-outer{i}", storage=url)
        assert 4 <= len(fold.trials) < 40  # the stopping rule runs in each fold too


def _row_of_family(output: str, family: str) -> list[str]:
    """The leaderboard row of `family` (its second cell), whatever its rank."""
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if len(cells) > 2 and cells[1] == family:
            return cells
    raise AssertionError(f"no row for {family!r} in:\n{output}")
