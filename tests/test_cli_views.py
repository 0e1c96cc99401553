"""`tuneforge importance` and `tuneforge report` from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import tuneforge as tf
from tests.conftest import require_module
from tuneforge.cli import app
from tuneforge.samplers import RandomSampler

runner = CliRunner()


@pytest.fixture
def url(tmp_path: Path) -> str:
    u = f"sqlite:///{tmp_path / 's.db'}"
    study = tf.create_study("s", storage=u, sampler=RandomSampler(seed=0))
    study.optimize(lambda t: 5 * t.suggest_float("big", 0, 1)
                   + 0.01 * t.suggest_float("small", 0, 1), n_trials=40)
    return u


def test_importance_table_ranks_the_influential_parameter_first(url):
    require_module("sklearn", "sklearn")
    res = runner.invoke(app, ["importance", "s", "--storage", url, "--repeats", "2"])
    assert res.exit_code == 0, res.output
    assert "fanova, 40 trials, 2 repeats" in res.output
    assert res.output.index("big") < res.output.index("small")
    res = runner.invoke(app, ["importance", "s", "--storage", url, "-m", "permutation"])
    assert res.exit_code == 0 and "held-out R2" in res.output


def test_importance_bad_input_is_one_clear_line(url):
    res = runner.invoke(app, ["importance", "s", "--storage", url, "-m", "shap"])
    assert res.exit_code == 1 and "--method must be one of fanova, permutation" in res.output
    res = runner.invoke(app, ["importance", "nope", "--storage", url])
    assert res.exit_code == 1 and "no study named 'nope'" in res.output
    res = runner.invoke(app, ["importance", "s", "--storage", url, "--objective", "3"])
    assert res.exit_code == 1 and "objective=3" in res.output
