"""The demo end to end (fast budgets): real searches into a real SQLite file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import default_ctrl_c, require_module, unavailable

require_module("sklearn", "sklearn")

import tuneforge as tf  # noqa: E402
from tuneforge.cli import app  # noqa: E402
from tuneforge.demo import FAST, run_demo, searches  # noqa: E402

STUDIES = ["demo-rf-grid", "demo-rf-random", "demo-logreg-random", "demo-logreg-grid"]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[dict], float]:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    start = time.perf_counter()
    rows = run_demo(url, fast=True)
    return url, rows, time.perf_counter() - start


def test_fast_demo_rows(demo_run: tuple[str, list[dict], float]) -> None:
    _, rows, seconds = demo_run
    assert seconds < 20, f"the fast demo took {seconds:.1f}s"
    assert [r["study"] for r in rows] == STUDIES
    assert [r["method"] for r in rows] == ["grid", "random", "random", "grid"]
    for row, search in zip(rows, searches(FAST), strict=True):
        expected = search.n_trials if search.n_trials is not None else len(search.sampler)
        assert row["trials"] == expected
        assert 0.85 < row["test_accuracy"] <= 1.0, row
        assert 0.85 < row["best_cv_accuracy"] <= 1.0, row
        assert set(row["best_params"]) == ({"C", "penalty"} if "logreg" in row["study"]
                                           else {"max_depth", "n_estimators",
                                                 "min_samples_split", "criterion"})


def test_fast_demo_studies_are_in_the_sqlite_file(
        demo_run: tuple[str, list[dict], float]) -> None:
    url, rows, _ = demo_run
    store = tf.open_storage(url, read_only=True)
    assert [s.name for s in store.list_studies()] == STUDIES
    for row in rows:
        study = tf.load_study(row["study"], storage=url)
        assert study.direction is tf.Direction.MAXIMIZE
        assert len(study.trials) == row["trials"]
        assert study.best_value == row["best_cv_accuracy"]
        assert study.best_params == row["best_params"]
        assert all("cv_std" in t.user_attrs for t in study.trials)


def test_grid_searches_cover_their_grid(demo_run: tuple[str, list[dict], float]) -> None:
    url, _, _ = demo_run
    grid = FAST.rf_grid
    seen = {tuple(t.params[k] for k in grid)
            for t in tf.load_study("demo-rf-grid", storage=url).trials}
    assert len(seen) == len(tf.GridSampler(grid))


def test_rerun_recreates_the_studies(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    tf.create_study("keep-me", storage=url)
    first = run_demo(url, fast=True)
    second = run_demo(url, fast=True)
    assert [r["trials"] for r in first] == [r["trials"] for r in second]
    assert [r["best_params"] for r in first] == [r["best_params"] for r in second]
    names = sorted(s.name for s in tf.open_storage(url).list_studies())
    assert names == sorted(STUDIES + ["keep-me"])
    for r in second:
        assert len(tf.load_study(r["study"], storage=url).trials) == r["trials"]


def test_cli_demo_fast_prints_the_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = CliRunner().invoke(app, ["demo", "--fast", "--storage", url],
                                env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert "the best configuration of each study" in result.stdout
    for name in STUDIES:
        assert name in result.stdout
    assert "test acc." in result.stdout and "CV acc." in result.stdout


def test_console_script_demo_interrupted_by_ctrl_c(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("tuneforge")
    if not script.exists():
        unavailable("the tuneforge console script is not installed (pip install -e .)")
    env = dict(os.environ, PYTHONUNBUFFERED="1", COLUMNS="200", NO_COLOR="1")
    proc = subprocess.Popen([str(script), "demo", "--fast", "--storage",
                             f"sqlite:///{tmp_path / 'demo.db'}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=default_ctrl_c)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # wait until the first search has started
            if "demo-rf-grid" in line:
                break
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
