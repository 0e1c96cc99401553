"""`tuneforge worker` processes share a study with a budget counted in the storage;
`tuneforge replay` re-runs one trial outside the tuner."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tuneforge as tf
from tuneforge import TrialState
from tuneforge.cli import app
from tuneforge.execution.standalone import load_objective, slot_claimer

ROOT = Path(__file__).resolve().parents[2]
OBJECTIVE = """
import time
def objective(trial):
    x = trial.suggest_float("x", -2, 2)
    time.sleep(0.05)
    return (x - 0.5) ** 2
"""


def _env(folder):
    return {**os.environ, "COLUMNS": "200",
            "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT / "src"), str(ROOT)])}


def test_three_workers_run_exactly_n_trials_between_them(tmp_path):
    (tmp_path / "myobj.py").write_text(OBJECTIVE)
    url = f"sqlite:///{tmp_path / 'w.db'}"
    cmd = [sys.executable, "-m", "tuneforge.cli", "worker", "--storage", url, "--study", "w",
           "--objective", "myobj:objective", "--n-trials", "10"]
    procs = [subprocess.Popen(cmd, env=_env(tmp_path), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    trials = tf.load_study("w", storage=url).trials
    assert len(trials) == 10
    assert all(t.state is TrialState.COMPLETE for t in trials)
    ran = sum(int(out.split(" ran ")[1].split()[0]) for out, _ in outs)
    assert ran == 10


def test_slot_claims_stop_at_the_budget():
    study = tf.create_study()
    a = slot_claimer(study, "b", 3)
    b = slot_claimer(study, "b", 3)
    assert [a(), b(), a(), b()] == [True, True, True, False]
    assert slot_claimer(study, "other", 1)()  # another budget is separate


@pytest.mark.parametrize("spec, match", [
    ("nocolon", "module:function"), ("no_such_module_xyz:f", "cannot import"),
    ("os:no_such_attr", "has no"), ("os:sep", "not callable")])
def test_objective_spec_errors_name_the_problem(spec, match):
    with pytest.raises(tf.TuneforgeError, match=match):
        load_objective(spec)


def test_replay_reruns_a_trial_with_its_params(tmp_path, monkeypatch):
    (tmp_path / "myobj2.py").write_text(OBJECTIVE)
    monkeypatch.syspath_prepend(str(tmp_path))
    url = f"sqlite:///{tmp_path / 'r.db'}"
    from myobj2 import objective

    study = tf.create_study("r", storage=url, seed=4, sampler=tf.RandomSampler())
    study.optimize(objective, n_trials=3)
    out = CliRunner().invoke(app, ["replay", "r", "2", "--objective", "myobj2:objective",
                                   "--storage", url], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    recorded = study.trials[2].values[0]
    assert f"replayed: {recorded!r}" in out.output and "seed 4" in out.output
    out = CliRunner().invoke(app, ["replay", "r", "7", "--objective", "myobj2:objective",
                                   "--storage", url])
    assert out.exit_code != 0 and "no trial 7" in out.output


HANGS = """
import time
def objective(trial):
    x = trial.suggest_float("x", -2, 2)
    if trial.number == 1:
        time.sleep(120)  # hangs: the worker's trial_timeout must end it
    return (x - 0.5) ** 2
"""


@pytest.mark.slow
def test_worker_trial_timeout_kills_a_hung_trial_and_goes_on(tmp_path):
    (tmp_path / "hangobj.py").write_text(HANGS)
    url = f"sqlite:///{tmp_path / 'h.db'}"
    cmd = [sys.executable, "-m", "tuneforge.cli", "worker", "--storage", url, "--study", "h",
           "--objective", "hangobj:objective", "--n-trials", "3", "--trial-timeout", "2"]
    proc = subprocess.Popen(cmd, env=_env(tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    stdout, stderr = proc.communicate(timeout=100)
    assert proc.returncode == 0, stderr
    trials = tf.load_study("h", storage=url).trials
    assert [t.state for t in trials] == [TrialState.COMPLETE, TrialState.FAIL,
                                         TrialState.COMPLETE]
    reason = trials[1].system_attrs["fail_reason"]
    assert reason.startswith("timeout: the trial ran past trial_timeout=2 s")
    # run in a child process of the worker command (killable), not in the command itself
    workers = {t.system_attrs["worker"] for t in trials}
    assert len(workers) == 2 and not any(w.endswith(f":{proc.pid}") for w in workers)
    assert "ran 3 trial(s)" in stdout


def test_worker_refuses_a_bad_trial_timeout(tmp_path):
    (tmp_path / "okobj.py").write_text(OBJECTIVE)
    cmd = [sys.executable, "-m", "tuneforge.cli", "worker", "--storage",
           f"sqlite:///{tmp_path / 'b.db'}", "--study", "b", "--objective", "okobj:objective",
           "--trial-timeout", "-1"]
    proc = subprocess.run(cmd, env=_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "trial_timeout must be a positive number of seconds, got -1.0" in proc.stderr \
        + proc.stdout


TWO_D = """
import os
import time
def objective(trial):
    if trial.number == 0 and os.environ.get("WAIT_FOR_A_SECOND_WORKER"):
        end = time.monotonic() + 60  # until the other worker asks trial 1 (same batch)
        while time.monotonic() < end and len(trial.study.history().trials()) < 2:
            time.sleep(0.05)
    x = trial.suggest_float("x", -3, 3)
    y = trial.suggest_float("y", -3, 3)
    time.sleep(0.01 * (trial.number * 7 % 5))  # trials end in a varying order
    return (x - 1) ** 2 + (y + 0.5) ** 2
"""


@pytest.mark.slow
def test_reproducible_workers_give_the_trials_of_one_process(tmp_path, monkeypatch):
    (tmp_path / "twod.py").write_text(TWO_D)
    monkeypatch.syspath_prepend(str(tmp_path))
    from twod import objective

    url = f"sqlite:///{tmp_path / 'rep.db'}"
    one = tf.create_study("one", storage=url, seed=5, sampler=tf.TPESampler())
    one.optimize(objective, n_trials=16, reproducible=True)
    cmd = [sys.executable, "-m", "tuneforge.cli", "worker", "--storage", url, "--study",
           "two", "--objective", "twod:objective", "--n-trials", "16", "--sampler", "tpe",
           "--seed", "5", "--reproducible"]
    env = {**_env(tmp_path), "WAIT_FOR_A_SECOND_WORKER": "1"}
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    two = tf.load_study("two", storage=url).trials
    assert len({t.system_attrs["worker"] for t in two}) == 2  # both workers ran trials
    # 10 random start-up trials, then 6 TPE proposals from earlier batches only
    assert [dict(t.params) for t in two] == [dict(t.params) for t in one.trials]


def test_worker_names_the_samplers_it_knows(tmp_path):
    out = CliRunner().invoke(app, ["worker", "--storage", f"sqlite:///{tmp_path / 's.db'}",
                                   "--study", "s", "--objective", "os:getcwd",
                                   "--sampler", "bogus"], env={"COLUMNS": "200"})
    assert out.exit_code != 0
    assert "--sampler must be one of auto, tpe, gp, random, cmaes, ga, got 'bogus'" in out.output
