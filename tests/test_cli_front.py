"""The command line on several objectives: `front` (and `best`) print the Pareto front
with the knee marked and the metric names; `trials` and exports show feasibility."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tuneforge as tf
from tuneforge.cli import app

ENV = {"COLUMNS": "200", "TUNEFORGE_STORAGE": None, "NO_COLOR": "1"}
POINTS = [(0.5, 1.0), (0.8, 2.0), (0.9, 10.0), (0.95, 100.0), (0.7, 5.0)]
LIMIT = 50.0  # size above it is infeasible: trial 3


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'mo.db'}"
    study = tf.create_study("mo", directions=["maximize", "minimize"], storage=url,
                            constraints_func=lambda t: [t.values[1] - LIMIT])
    study.set_metric_names(["accuracy", "size"])
    for a, s in POINTS:
        trial = study.ask()
        trial.report([a - 0.1, s], 0)
        study.tell(trial, [a, s])
    return url


def invoke(*args: str):
    result = CliRunner().invoke(app, list(args), env=ENV)
    assert result.exit_code == 0, result.output
    return result.stdout


def rows(stdout: str) -> dict[str, list[str]]:
    out = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip("│┃").split("│")]
        if len(cells) > 2 and cells[0].isdigit():
            out[cells[0]] = cells
    return out


@pytest.mark.parametrize("command", ["front", "best"])
def test_the_front_table_marks_the_knee(url: str, command: str) -> None:
    out = invoke(command, "mo", "--storage", url)
    assert "3 Pareto-optimal trials of mo" in out and "* = knee" in out
    assert "accuracy (maximize)" in out and "size (minimize)" in out
    table = rows(out)
    assert list(table) == ["2", "1", "0"]  # by accuracy, best first; 3 is infeasible
    assert [table[n][-1] for n in table] == ["", "*", ""]
    assert table["1"][1:3] == ["0.8", "2"]
    assert "knee: trial #1" in " ".join(out.split())


def test_trials_show_feasibility(url: str) -> None:
    table = rows(invoke("trials", "mo", "--storage", url))
    assert {n: c[5] for n, c in table.items()} == {"0": "yes", "1": "yes", "2": "yes",
                                                     "3": "no", "4": "yes"}


def test_exports_carry_feasibility_and_vector_reports(url: str, tmp_path: Path) -> None:
    out_csv, out_json = tmp_path / "mo.csv", tmp_path / "mo.json"
    invoke("export", "mo", "--storage", url, "--output", str(out_csv))
    invoke("export", "mo", "--storage", url, "--format", "json", "--output", str(out_json))
    with out_csv.open() as fh:
        table = list(csv.DictReader(fh))
    assert [r["feasible"] for r in table] == ["True", "True", "True", "False", "True"]
    assert json.loads(table[1]["intermediate_0"]) == [0.8 - 0.1, 2.0]  # stored exactly
    doc = json.loads(out_json.read_text())
    assert [t["feasible"] for t in doc["trials"]] == [True, True, True, False, True]
    assert doc["trials"][3]["system_attrs"]["constraints"] == [50.0]
    assert doc["trials"][0]["intermediate"] == {"0": [0.5 - 0.1, 1.0]}


def test_a_single_objective_export_keeps_its_columns(tmp_path: Path) -> None:
    study = tf.create_study()
    trial = study.ask()
    trial.report(0.5, 0)
    study.tell(trial, 1.0)
    path = study.export(tmp_path / "so.csv")
    header = path.read_text().splitlines()[0].split(",")
    assert "feasible" not in header and "intermediate_0" in header
