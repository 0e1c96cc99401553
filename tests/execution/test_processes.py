"""Worker processes: fork when safe, spawn otherwise, kept for the next run."""

import os
import sys
import threading
import time

import pytest

from tuneforge.execution import processes
from tuneforge.execution.processes import fork_is_safe, start_worker


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


def test_shutdown_stops_kept_workers():
    taken = processes.REGISTRY.acquire(1, "auto")
    processes.REGISTRY.release(taken)
    processes.shutdown_workers()
    time.sleep(0.1)
    assert taken[0].exitcode() is not None


def test_bad_start_method_is_named():
    with pytest.raises(ValueError, match="start_method"):
        start_worker("thread")
