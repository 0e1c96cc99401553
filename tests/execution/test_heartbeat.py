"""Heartbeats: a running trial's process beats; an optimize loop fails the RUNNING trials
whose beats stopped, and leaves trials without beats (ask/tell by hand) alone."""

import multiprocessing as mp
import time

import pytest

import tuneforge as tf
from tests.study import _objectives as objectives
from tuneforge import TrialState
from tuneforge.execution.heartbeat import (
    Heartbeat,
    fail_stale_trials,
    fail_worker_trials,
    running_trials_of,
)
from tuneforge.storage import events as ev


def test_stale_heartbeat_marks_a_trial_fail(tmp_path):
    url = f"sqlite:///{tmp_path / 'stale.sqlite'}"
    study = tf.create_study(study_name="stale", storage=url)
    orphan = study.ask()  # as if a worker on another host took it and died
    study.storage.append(study.ref, [ev.heartbeat(orphan.key, t=time.time() - 3600)])
    study.optimize(objectives.cpu_light, n_trials=4, n_jobs=2)
    record = study.trials[orphan.number]
    assert record.state is TrialState.FAIL
    assert "no heartbeat" in record.system_attrs["fail_reason"]
    assert sum(t.state is TrialState.COMPLETE for t in study.trials) == 4


def test_killed_single_process_run_is_reaped_by_the_next_run(tmp_path, monkeypatch):
    import os
    import signal

    from tuneforge.execution import heartbeat as _heartbeat

    url = f"sqlite:///{tmp_path / 'hb.sqlite'}"
    study = tf.create_study(study_name="hb", storage=url)
    proc = mp.get_context("spawn").Process(target=objectives.run_very_slow, args=(url,))
    proc.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        running = study.get_trials([TrialState.RUNNING])
        if running and running[0].last_heartbeat is not None:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the other process never started its trial")
    os.kill(proc.pid, signal.SIGKILL)
    proc.join()
    monkeypatch.setattr(_heartbeat, "STALE_AFTER", 0.5)
    # as if it ran on another host: only its heartbeat can tell that it died
    monkeypatch.setattr(_heartbeat, "process_is_dead", lambda worker: False)
    time.sleep(1.0)
    study.optimize(objectives.cpu_light, n_trials=1)
    first = study.trials[0]
    assert first.state is TrialState.FAIL
    assert "no heartbeat" in first.system_attrs["fail_reason"]
    assert study.trials[1].state is TrialState.COMPLETE


def _running(study, worker):
    trial = study.ask()
    study.storage.append(study.ref, [ev.attr_set(trial.key, "worker", worker, scope="system")])
    return trial


def test_fail_stale_trials_fails_only_silent_trials_with_a_beat():
    study = tf.create_study()
    silent, alive, by_hand = (_running(study, "w") for _ in range(3))
    study.storage.append(study.ref, [ev.heartbeat(silent.key, t=time.time() - 120),
                                     ev.heartbeat(alive.key)])
    fail_stale_trials(study, stale_after=60)
    states = [t.state for t in study.trials]
    assert states == [TrialState.FAIL, TrialState.RUNNING, TrialState.RUNNING]
    assert "no heartbeat from worker w" in study.trials[0].system_attrs["fail_reason"]


def test_fail_worker_trials_keeps_the_held_ones_and_finished_results():
    study = tf.create_study()
    mine, held, other = _running(study, "me"), _running(study, "me"), _running(study, "you")
    done = _running(study, "me")
    study.tell(done, 0.5)
    assert running_trials_of(study, "me") == frozenset({mine.key, held.key})
    fail_worker_trials(study, "me", "gone", keep=frozenset({held.key}))
    states = [t.state for t in study.trials]
    assert states == [TrialState.FAIL, TrialState.RUNNING, TrialState.RUNNING,
                      TrialState.COMPLETE]
    assert study.trials[0].system_attrs["fail_reason"] == "gone"
    assert running_trials_of(study, "me") == frozenset({held.key})
    assert other.key not in running_trials_of(study, "me")


def test_heartbeat_beats_for_the_current_trial_until_closed():
    study = tf.create_study()
    trial = study.ask()
    beat = Heartbeat(study, interval=0.05)
    try:
        assert study.trials[0].last_heartbeat is None
        beat.set(trial.key)  # a first beat at once
        first = study.trials[0].last_heartbeat
        assert first is not None
        deadline = time.monotonic() + 10
        while study.trials[0].last_heartbeat == first and time.monotonic() < deadline:
            time.sleep(0.02)
        assert study.trials[0].last_heartbeat > first  # and then every interval
        beat.set(None)
    finally:
        beat.close()
