"""Worker processes: fork when safe, spawn otherwise, kept for the next run."""

import os
import sys
import threading
import time

import pytest

import tuneforge as tf
from tests.study import _objectives as objectives
from tuneforge.execution import processes
from tuneforge.execution.base import Run
from tuneforge.execution.local import _context, job_payload
from tuneforge.execution.processes import fork_is_safe, start_worker
from tuneforge.study.study import worker_name


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_started_worker_says_ready_and_quits_when_told(method):
    w = start_worker(method)
    try:
        assert w.conn.poll(60)
        assert w.conn.recv() == ("ready", w.pid)
        assert os.getpgid(w.pid) == w.pid  # its own process group: Ctrl-C is the driver's
        w.conn.send(("quit",))
        assert w.wait(10) == 0
    finally:
        w.close()


def test_kill_ends_the_worker_and_reports_the_signal():
    w = start_worker("fork")
    assert w.conn.poll(30)
    w.kill()
    assert w.wait(10) == -9
    w.close()


def test_fork_is_not_used_with_other_threads_running():
    # (earlier tests may leave a queue feeder thread, or import torch)
    if threading.active_count() == 1 and not any(m in sys.modules
                                                 for m in processes._FORK_UNSAFE):
        assert fork_is_safe()
    done = threading.Event()
    t = threading.Thread(target=done.wait)
    t.start()
    try:
        assert not fork_is_safe()
    finally:
        done.set()
        t.join()


def test_registry_hands_back_the_same_live_workers():
    processes.shutdown_workers()  # none kept from earlier tests
    taken = processes.REGISTRY.acquire(2, "auto")
    pids = {w.pid for w in taken}
    for w in taken:
        assert w.conn.poll(60) and w.conn.recv()[0] == "ready"
        w.ready = True
    processes.REGISTRY.release(taken)
    again = processes.REGISTRY.acquire(2, "auto")
    assert {w.pid for w in again} == pids
    again[0].kill()
    again[0].wait(10)
    processes.REGISTRY.release(again)
    third = processes.REGISTRY.acquire(2, "auto")
    assert again[0].pid not in {w.pid for w in third}  # a dead one is replaced
    processes.REGISTRY.release(third)


def test_a_worker_kept_while_its_storage_call_waits_joins_the_next_run(tmp_path):
    # regression: an in-memory run ended while a worker still loaded its job (its storage
    # call unanswered in the pipe); the next run's job order was taken for the reply and
    # lost, so that worker never joined the run (all trials in one worker)
    processes.shutdown_workers()
    memory = tf.create_study(seed=0)
    taken = processes.REGISTRY.acquire(2, "auto")
    for w in taken:
        assert w.conn.poll(60) and w.conn.recv()[0] == "ready"
        w.ready = True
    payload = job_payload(memory, Run(objective=objectives.quadratic, n_trials=1))
    taken[1].conn.send(("job", -1, payload, None, memory.study_name, _context()))
    assert taken[1].conn.poll(30)  # its first storage call waits, never answered
    processes.REGISTRY.release(taken)
    study = tf.create_study(study_name="next", storage=f"sqlite:///{tmp_path / 'n.db'}",
                            seed=0)
    study.optimize(objectives.after_a_second_worker(objectives.quadratic), n_trials=6,
                   n_jobs=2)
    assert {t.state for t in study.trials} == {tf.TrialState.COMPLETE}
    assert {t.system_attrs["worker"] for t in study.trials} == {worker_name(w.pid)
                                                                for w in taken}


def test_shutdown_stops_kept_workers():
    taken = processes.REGISTRY.acquire(1, "auto")
    processes.REGISTRY.release(taken)
    processes.shutdown_workers()
    time.sleep(0.1)
    assert taken[0].exitcode() is not None


def test_bad_start_method_is_named():
    with pytest.raises(ValueError, match="start_method"):
        start_worker("thread")
