"""Provenance on every study and trial: environment, git state, objective hash, seed,
data fingerprint; shown by the CLI and kept in exports."""

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from typer.testing import CliRunner

import tuneforge as tf
from tuneforge.cli import app
from tuneforge.study import provenance as pv


def _git(folder, *args):
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


def _repo(tmp_path):
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "config", "user.email", "t@example.org")
    _git(tmp_path, "config", "user.name", "t")
    (tmp_path / "obj.py").write_text("def objective(trial):\n"
                                     "    return trial.suggest_float('x', 0, 1)\n")
    _git(tmp_path, "add", "obj.py")
    _git(tmp_path, "commit", "-qm", "first")
    return tmp_path


def test_git_state_gives_commit_and_dirty_flag(tmp_path):
    repo = _repo(tmp_path)
    state = pv.git_state(str(repo))
    assert len(state["commit"]) == 40 and state["dirty"] is False
    (repo / "obj.py").write_text("# changed\n")
    pv.git_state.cache_clear()
    assert pv.git_state(str(repo))["dirty"] is True
    assert pv.git_state(str(tmp_path.parent)) is None or tmp_path.parent != tmp_path


def test_objective_hash_follows_the_source():
    def a(trial):
        return 1.0

    def b(trial):
        return 2.0

    assert pv.objective_hash(a).startswith("source:")
    assert pv.objective_hash(a) != pv.objective_hash(b)
    assert pv.objective_hash(a) == pv.objective_hash(a)
    ns = {}
    exec("def c(trial):\n    return 3.0", ns)  # no source file, as with python -c
    assert pv.objective_hash(ns["c"]).startswith("bytecode:")


def test_data_fingerprint_tells_data_apart():
    X = np.arange(12.0).reshape(4, 3)
    y = np.array([0, 1, 0, 1])
    assert pv.data_fingerprint(X, y) == pv.data_fingerprint(X.copy(), y.copy())
    assert pv.data_fingerprint(X, y) != pv.data_fingerprint(X + 1e-9, y)
    assert pv.data_fingerprint(X, y) != pv.data_fingerprint(X.reshape(3, 4), y)


def objective(trial):
    time.sleep(0.1)  # long enough for both workers to take trials
    return trial.suggest_float("x", 0, 1)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_every_trial_records_its_provenance(tmp_path, n_jobs):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    study = tf.create_study(study_name="p", storage=url, seed=42, sampler=tf.RandomSampler())
    from tuneforge.execution import LocalPool

    # fork: quick to start even when earlier tests left threads behind
    study.optimize(objective, n_trials=4,
                   executor=LocalPool(2, start_method="fork") if n_jobs == 2 else None)
    info = study.system_attrs["provenance"]
    assert info["seed"] == 42 and info["environment"]["python"] == sys.version.split()[0]
    assert info["environment"]["packages"]["tuneforge"] == tf.__version__
    for t in study.trials:
        p = t.system_attrs["provenance"]
        assert p["objective"] == pv.objective_hash(objective)
        assert p["seed"] == 42
        assert t.system_attrs["worker"].endswith(f":{p['pid']}")
        assert f"environment:{p['env']}" in study.system_attrs
    assert len({t.system_attrs["provenance"]["pid"] for t in study.trials}) == n_jobs


def test_worker_processes_take_the_objective_s_code_state_from_the_driver(tmp_path,
                                                                         monkeypatch):
    # git runs once, in the driver: a started worker pays nothing for it on its first trial
    calls = tmp_path / "git-calls"
    fake = tmp_path / "bin" / "git"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\necho $PPID >> {calls}\necho 0123abc\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    from tuneforge.execution import LocalPool, processes

    processes.shutdown_workers()  # fresh interpreters, with no cached git state
    pv.git_state.cache_clear()
    monkeypatch.setattr(pv, "_objective_cache", {})
    study = tf.create_study(seed=1, sampler=tf.RandomSampler())
    study.optimize(objective, n_trials=4, executor=LocalPool(2, start_method="spawn"))
    processes.shutdown_workers()
    workers = {t.system_attrs["provenance"]["pid"] for t in study.trials}
    assert len(workers) >= 1 and os.getpid() not in workers
    assert {t.system_attrs["provenance"]["git"]["commit"] for t in study.trials} == {"0123abc"}
    assert set(calls.read_text().split()) == {str(os.getpid())}


def test_provenance_is_shown_by_the_cli_and_kept_in_exports(tmp_path):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    study = tf.create_study(study_name="p", storage=url, seed=7, sampler=tf.RandomSampler())
    study.optimize(objective, n_trials=2)
    runner = CliRunner()
    out = runner.invoke(app, ["provenance", "p", "--storage", url], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "seed" in out.output and "numpy" in out.output and "7" in out.output
    out = runner.invoke(app, ["provenance", "p", "--storage", url, "--trial", "1"],
                        env={"COLUMNS": "200"})
    assert out.exit_code == 0 and pv.objective_hash(objective) in out.output
    out = runner.invoke(app, ["provenance", "p", "--storage", url, "--trial", "9"])
    assert out.exit_code != 0 and "no trial 9" in out.output
    path = study.export(tmp_path / "p.json", format="json")
    doc = json.loads(path.read_text())
    assert doc["provenance"]["seed"] == 7 and doc["environments"]
    assert doc["trials"][0]["system_attrs"]["provenance"]["objective"].startswith("source:")
    csv_text = study.export(tmp_path / "p.csv").read_text()
    assert "system_attrs_provenance" in csv_text.splitlines()[0]


def test_cross_val_objective_records_the_data_fingerprint():
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_iris(return_X_y=True)
    from tuneforge.evaluate import cross_val_objective

    obj = cross_val_objective(
        DecisionTreeClassifier(random_state=0), X, y, cv=2,
        space={"max_depth": tf.Int(1, 3)})
    study = tf.create_study(direction=obj.direction, sampler=tf.RandomSampler(seed=0))
    study.optimize(obj, n_trials=2)
    assert {t.system_attrs["data_fingerprint"] for t in study.trials} == {
        pv.data_fingerprint(X, y)}
