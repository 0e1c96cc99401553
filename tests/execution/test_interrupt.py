"""Ctrl-C (SIGINT to the process group) ends a run cleanly: running trials FAIL, the
finished ones are kept."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import tuneforge as tf
from tests.conftest import default_ctrl_c
from tuneforge import TrialState

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_sigint_marks_running_trials_fail_and_keeps_finished(tmp_path, n_jobs):
    url = f"sqlite:///{tmp_path / 'int.sqlite'}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.execution._interrupt_script", url, str(n_jobs)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
        preexec_fn=default_ctrl_c,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.2)
        try:
            states = [t.state for t in tf.load_study("int", storage=url).trials]
        except tf.TuneforgeError:
            continue
        # three finished, and one inside its minute-long objective (or being asked)
        if states.count(TrialState.COMPLETE) >= 3 and TrialState.RUNNING in states:
            break
    os.killpg(proc.pid, signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        # it ignored Ctrl-C: fail with every thread's stack (faulthandler, see the script)
        proc.send_signal(signal.SIGUSR1)
        time.sleep(1.0)
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"still running 60 s after SIGINT; stdout {out!r}; stacks:\n{err}")
    assert proc.returncode == 130, err
    assert "interrupted" in out
    trials = tf.load_study("int", storage=url).trials
    states = [t.state for t in trials]
    assert TrialState.RUNNING not in states, states
    assert states.count(TrialState.COMPLETE) >= 3
    fails = [t for t in trials if t.state is TrialState.FAIL]
    assert 1 <= len(fails) <= n_jobs
    assert all("KeyboardInterrupt" in t.system_attrs["fail_reason"] for t in fails)


class _InterruptingSampler(tf.samplers.RandomSampler):
    """Raises KeyboardInterrupt while sampling trial 2: Ctrl-C inside study.ask(),
    after the trial is created but before ask returns it."""

    def __init__(self) -> None:
        super().__init__(seed=0, qmc=True)  # qmc: the joint draw happens inside ask()

    def sample(self, space, history, rng, record):
        if record.number == 2 and len(space) == 2:
            raise KeyboardInterrupt
        return super().sample(space, history, rng, record)


@pytest.mark.parametrize("storage", ["memory", "sqlite"])
def test_interrupt_inside_ask_leaves_no_running_trial(tmp_path, storage):
    url = None if storage == "memory" else f"sqlite:///{tmp_path / 'ask.sqlite'}"
    study = tf.create_study(storage=url, sampler=_InterruptingSampler())
    held = study.ask()  # a trial asked by hand before the loop: not the loop's to fail
    started = []

    def objective(trial):
        started.append(trial.number)
        return trial.suggest_float("x", 0, 1) + trial.suggest_float("y", 0, 1)

    with pytest.raises(KeyboardInterrupt):
        study.optimize(objective, n_trials=5)
    assert started == [1]  # trial 2 was interrupted inside ask, before its objective
    states = {t.number: t.state for t in study.trials}
    assert states[held.number] is TrialState.RUNNING
    assert states[2] is TrialState.FAIL, states
    assert "KeyboardInterrupt" in study.trials[2].system_attrs["fail_reason"]
    assert [n for n, s in states.items() if s is TrialState.RUNNING] == [held.number]
