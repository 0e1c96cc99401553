"""End-to-end tests of the `tuneforge` command on a real SQLite file.

Most run the Typer app in-process (CliRunner); a few run the installed console script
in a subprocess, exactly as a user would.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tuneforge as tf
from tests.conftest import unavailable
from tuneforge.cli import app

ENV = {"COLUMNS": "200", "TUNEFORGE_STORAGE": None, "NO_COLOR": "1"}
XS = [0.0, 1.5, 2.0, 3.0, 5.0]          # trial n has x = XS[n]; trial 5 fails


def objective(trial: tf.Trial) -> float:
    x = trial.suggest_float("x", -10, 10)
    kind = trial.suggest_categorical("kind", ["good", "bad"])
    if kind == "bad":
        raise ValueError("boom")
    return (x - 2) ** 2


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A database with a single-objective study 'quad' (5 COMPLETE + 1 FAIL) and a
    two-objective study 'multi' (4 COMPLETE)."""
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    study = tf.create_study("quad", storage=url, seed=1)
    for x in XS:
        study.enqueue_trial({"x": x, "kind": "good"})
    study.enqueue_trial({"x": 1.0, "kind": "bad"})
    study.optimize(objective, n_trials=6)
    multi = tf.create_study("multi", directions=["minimize", "minimize"], storage=url)
    for a, b in [(1.0, 4.0), (2.0, 2.0), (3.0, 3.0), (4.0, 1.0)]:  # (3, 3) is dominated
        trial = multi.ask()
        trial.suggest_float("a", 0, 10)
        multi.tell(trial, [a, b])
    return url


def invoke(*args: str, input: str | None = None):
    result = CliRunner().invoke(app, list(args), env=ENV, input=input)
    assert "Traceback" not in result.output, result.output
    return result


def row_of(output: str, first_cell: str) -> list[str]:
    """The cells of the table row whose first cell is `first_cell`."""
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r} in:\n{output}")


def assert_one_line_error(result, *needles: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for needle in needles:
        assert needle in lines[0]


# -- help ----------------------------------------------------------------------------
@pytest.mark.parametrize("command", [[], ["studies"], ["trials"], ["best"], ["export"],
                                     ["delete"], ["demo"]])
def test_help_on_every_command(command: list[str]) -> None:
    result = invoke(*command, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage" in result.stdout
    assert "--help" in result.stdout
    if command:
        assert "--storage" in result.stdout
        assert "TUNEFORGE_STORAGE" in result.stdout


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert tf.__version__ in result.stdout


# -- reading ---------------------------------------------------------------------------
def test_studies_lists_counts_and_best(url: str) -> None:
    result = invoke("studies", "--storage", url)
    assert result.exit_code == 0, result.output
    assert row_of(result.stdout, "quad") == ["quad", "minimize", "6", "5", "0"]
    assert row_of(result.stdout, "multi") == ["multi", "minimize, minimize", "4", "4",
                                              "3 Pareto"]


def test_storage_from_environment_variable(url: str) -> None:
    result = CliRunner().invoke(app, ["studies"], env=dict(ENV, TUNEFORGE_STORAGE=url))
    assert result.exit_code == 0, result.output
    assert "quad" in result.stdout


def test_trials_table(url: str) -> None:
    result = invoke("trials", "quad", "--storage", url)
    assert result.exit_code == 0, result.output
    for n, x in enumerate(XS):
        cells = row_of(result.stdout, str(n))
        assert cells[1] == "COMPLETE"
        assert float(cells[2]) == pytest.approx((x - 2) ** 2)
        assert f"x={x}" in cells[3] and 'kind="good"' in cells[3]
        assert cells[4].endswith("s")
    failed = row_of(result.stdout, "5")
    assert failed[1] == "FAIL" and failed[2] == "-"
    assert failed[5] == "ValueError: boom"


def test_trials_limit_shows_the_most_recent(url: str) -> None:
    result = invoke("trials", "quad", "--limit", "2", "--storage", url)
    assert result.exit_code == 0, result.output
    assert "2 of 6 trials" in result.stdout
    row_of(result.stdout, "4")
    row_of(result.stdout, "5")
    with pytest.raises(AssertionError):
        row_of(result.stdout, "3")


def test_trials_multi_objective_values(url: str) -> None:
    result = invoke("trials", "multi", "--storage", url)
    assert result.exit_code == 0, result.output
    assert row_of(result.stdout, "1")[2] == "2, 2"


def test_best_single_objective(url: str) -> None:
    result = invoke("best", "quad", "--storage", url)
    assert result.exit_code == 0, result.output
    assert "#2, value 0 (minimize)" in result.stdout
    assert row_of(result.stdout, "x") == ["x", "2.0"]
    assert row_of(result.stdout, "kind") == ["kind", '"good"']


def test_best_multi_objective_shows_the_pareto_front(url: str) -> None:
    result = invoke("best", "multi", "--storage", url)
    assert result.exit_code == 0, result.output
    assert "3 Pareto-optimal trials" in result.stdout
    for number, a, b in [("0", "1", "4"), ("1", "2", "2"), ("3", "4", "1")]:
        assert row_of(result.stdout, number)[1:3] == [a, b]
    with pytest.raises(AssertionError):
        row_of(result.stdout, "2")


# -- export ----------------------------------------------------------------------------
def test_export_csv(url: str, tmp_path: Path) -> None:
    out = tmp_path / "quad.csv"
    result = invoke("export", "quad", "--format", "csv", "--output", str(out),
                    "--storage", url)
    assert result.exit_code == 0, result.output
    assert str(out) in result.stdout
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["number"]) for r in rows] == list(range(6))
    assert [r["state"] for r in rows] == ["COMPLETE"] * 5 + ["FAIL"]
    for r, x in zip(rows[:5], XS, strict=True):
        assert float(r["params_x"]) == x
        assert float(r["value"]) == pytest.approx((x - 2) ** 2)
        assert r["params_kind"] == "good"
    assert rows[5]["value"] == "" and rows[5]["fail_reason"] == "ValueError: boom"


def test_export_json_to_the_default_path(url: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("export", "multi", "--format", "json", "--storage", url)
    assert result.exit_code == 0, result.output
    assert "multi.json" in result.stdout
    doc = json.loads((tmp_path / "multi.json").read_text())
    assert doc["study"] == "multi"
    assert doc["directions"] == ["minimize", "minimize"]
    assert [t["values"] for t in doc["trials"]] == [[1.0, 4.0], [2.0, 2.0], [3.0, 3.0],
                                                    [4.0, 1.0]]
    assert all(t["state"] == "COMPLETE" and "a" in t["params"] for t in doc["trials"])


def test_export_default_format_is_csv(url: str, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke("export", "quad", "--storage", url).exit_code == 0
    assert (tmp_path / "quad.csv").read_text().startswith("number,state,value")


def test_export_rejects_unknown_format(url: str) -> None:
    result = invoke("export", "quad", "--format", "xml", "--storage", url)
    assert result.exit_code == 2


def test_export_to_a_missing_folder_is_a_clean_error(url: str, tmp_path: Path) -> None:
    result = invoke("export", "quad", "-o", str(tmp_path / "no" / "such" / "x.csv"),
                    "--storage", url)
    assert_one_line_error(result, "x.csv")


# -- delete ----------------------------------------------------------------------------
def test_delete_with_yes(url: str) -> None:
    result = invoke("delete", "quad", "--yes", "--storage", url)
    assert result.exit_code == 0, result.output
    assert "deleted study 'quad'" in result.stdout
    listing = invoke("studies", "--storage", url).stdout
    assert "quad" not in listing and "multi" in listing
    assert [s.name for s in tf.open_storage(url).list_studies()] == ["multi"]


def test_delete_asks_for_confirmation(url: str) -> None:
    result = invoke("delete", "quad", "--storage", url, input="n\n")
    assert result.exit_code == 1
    assert "quad" in invoke("studies", "--storage", url).stdout
    result = invoke("delete", "quad", "--storage", url, input="y\n")
    assert result.exit_code == 0, result.output
    assert "quad" not in invoke("studies", "--storage", url).stdout


# -- errors ----------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["trials"], ["best"], ["export"], ["delete", "--yes"]])
def test_unknown_study(url: str, command: list[str]) -> None:
    result = invoke(command[0], "nosuch", *command[1:], "--storage", url)
    assert_one_line_error(result, "'nosuch'", "quad")  # names the study and what exists


@pytest.mark.parametrize("command", [["studies"], ["trials", "quad"], ["best", "quad"],
                                     ["export", "quad"], ["delete", "quad", "--yes"]])
def test_missing_database_file(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "missing.db"
    result = invoke(*command, "--storage", f"sqlite:///{missing}")
    assert_one_line_error(result, "no tuneforge database", str(missing))
    assert not missing.exists()  # read-only: nothing created


def test_not_a_tuneforge_database(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    result = invoke("studies", "--storage", f"sqlite:///{junk}")
    assert_one_line_error(result, str(junk))


def test_unsupported_url() -> None:
    assert_one_line_error(invoke("studies", "--storage", "mysql://x"), "mysql://x")


def test_best_without_complete_trial(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'e.db'}"
    tf.create_study("empty", storage=url)
    assert_one_line_error(invoke("best", "empty", "--storage", url), "'empty'", "COMPLETE")
    assert row_of(invoke("studies", "--storage", url).stdout, "empty")[2:] == ["0", "0", "-"]


def test_demo_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import tuneforge.demo

    def interrupted(storage: str, fast: bool, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(tuneforge.demo, "run_demo", interrupted)
    result = invoke("demo", "--fast", "--storage", f"sqlite:///{tmp_path / 'd.db'}")
    assert result.exit_code == 130
    assert result.stderr.strip() == "interrupted"


def test_demo_without_sklearn_names_the_extra(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)  # `import sklearn` -> ImportError
    result = invoke("demo", "--fast", "--storage", f"sqlite:///{tmp_path / 'd.db'}")
    assert_one_line_error(result, "pip install 'tuneforge[sklearn]'")


# -- the installed console script --------------------------------------------------------
def console_script() -> str:
    script = Path(sys.executable).with_name("tuneforge")
    if not script.exists():
        unavailable(f"the tuneforge console script is not installed next to {sys.executable}")
    return str(script)


def run_script(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TUNEFORGE_STORAGE"}
    env.update(COLUMNS="200", NO_COLOR="1")
    return subprocess.run([console_script(), *args], capture_output=True, text=True,
                          env=env, timeout=120, **kwargs)


def test_console_script_end_to_end(url: str, tmp_path: Path) -> None:
    help_ = run_script("--help")
    assert help_.returncode == 0 and "studies" in help_.stdout

    listing = run_script("studies", "--storage", url)
    assert listing.returncode == 0, listing.stderr
    assert row_of(listing.stdout, "quad") == ["quad", "minimize", "6", "5", "0"]

    best = run_script("best", "quad", "--storage", url)
    assert best.returncode == 0 and "#2, value 0" in best.stdout

    out = tmp_path / "q.json"
    exported = run_script("export", "quad", "-f", "json", "-o", str(out), "--storage", url)
    assert exported.returncode == 0, exported.stderr
    assert len(json.loads(out.read_text())["trials"]) == 6

    deleted = run_script("delete", "quad", "--yes", "--storage", url)
    assert deleted.returncode == 0, deleted.stderr
    assert "quad" not in run_script("studies", "--storage", url).stdout


def test_console_script_errors_are_one_red_line(url: str, tmp_path: Path) -> None:
    unknown = run_script("trials", "nosuch", "--storage", url)
    assert unknown.returncode == 1
    assert "Traceback" not in unknown.stderr
    assert unknown.stderr.strip().splitlines() == [unknown.stderr.strip()]
    assert "'nosuch'" in unknown.stderr

    missing = run_script("studies", "--storage", f"sqlite:///{tmp_path / 'none.db'}")
    assert missing.returncode == 1
    assert "Traceback" not in missing.stderr and "no tuneforge database" in missing.stderr

    stdin_closed = run_script("delete", "quad", "--storage", url, stdin=subprocess.DEVNULL)
    assert stdin_closed.returncode == 1  # no --yes and nobody to answer: nothing deleted
    assert "quad" in run_script("studies", "--storage", url).stdout


def test_errors_are_red_on_a_color_terminal(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("TUNEFORGE_STORAGE", "NO_COLOR")}
    result = subprocess.run([console_script(), "studies", "--storage",
                             f"sqlite:///{tmp_path / 'none.db'}"], capture_output=True,
                            text=True, env=dict(env, FORCE_COLOR="1"), timeout=120)
    assert result.returncode == 1
    assert "\x1b[1;31merror: no tuneforge database" in result.stderr
    assert result.stdout == ""


def test_backup_copies_a_database_and_refuses_what_it_cannot(url, tmp_path):
    target = tmp_path / "copy.db"
    result = invoke("backup", str(target), "--storage", url)
    assert result.exit_code == 0, result.output
    assert "copied" in result.output
    assert len(tf.load_study("quad", storage=f"sqlite:///{target}").trials) == 6
    assert_one_line_error(invoke("backup", str(target), "--storage", url), "exists")
    assert_one_line_error(invoke("backup", str(tmp_path / "x.db"), "--storage",
                                 "postgresql://u@localhost/db"), "pg_dump")
    assert_one_line_error(invoke("backup", str(tmp_path / "y.db"), "--storage",
                                 f"sqlite:///{tmp_path / 'missing.db'}"), "no tuneforge database")


def test_trials_table_marks_abandoned_running_trials_without_changing_them(
        tmp_path: Path) -> None:
    import time

    from tuneforge.storage import events as ev
    from tuneforge.study.study import worker_name

    url = f"sqlite:///{tmp_path / 'run.db'}"
    study = tf.create_study("live", storage=url)
    silent, gone, alive = (study.ask() for _ in range(3))
    ended = subprocess.Popen(["true"])  # a process of this host that has ended
    ended.wait()
    dead = worker_name(ended.pid)
    study.storage.append(study.ref, [
        ev.heartbeat(silent.key, t=time.time() - 93),
        ev.attr_set(gone.key, "worker", dead, scope="system"),
        ev.heartbeat(alive.key)])
    result = invoke("trials", "live", "--storage", url)
    assert result.exit_code == 0, result.output
    silent_state = re.fullmatch(r"RUNNING \(stale, no heartbeat for (\d+) s\)",
                                row_of(result.stdout, "0")[1])
    assert silent_state and 93 <= int(silent_state[1]) < 150
    assert row_of(result.stdout, "1")[1] == f"RUNNING (stale: its process {dead} is gone)"
    assert row_of(result.stdout, "2")[1] == "RUNNING"
    again = tf.load_study("live", storage=url).trials
    assert [t.state for t in again] == [tf.TrialState.RUNNING] * 3  # shown, not changed
