"""Storage under stress: many processes creating one study, a size-limited file system,
readers beside a writer, a result reported after its heartbeat expired."""

import logging
import multiprocessing as mp
import resource
import signal
import sqlite3
import time

import pytest

import tuneforge as tf
from tuneforge import TrialState
from tuneforge.execution.heartbeat import fail_stale_trials
from tuneforge.storage import events as ev


def _create(url, barrier, out):
    barrier.wait(30)
    study = tf.create_study("same", storage=url, load_if_exists=True)
    out.put((study.ref.study_id, study.seed))


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_eight_processes_creating_one_study_make_one(tmp_path, backend, request):
    url = (f"sqlite:///{tmp_path / 'same.db'}" if backend == "sqlite"
           else request.getfixturevalue("postgres_url"))
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(8), ctx.Queue()
    procs = [ctx.Process(target=_create, args=(url, barrier, out)) for _ in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * 8
    got = {out.get(timeout=5) for _ in range(8)}
    assert len(got) == 1  # one study id, one seed
    assert [s.name for s in tf.open_storage(url).list_studies()] == ["same"]


def _fill(url, limit, done):
    """Write trials with big attributes under a file-size limit (a nearly full disk)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    study = tf.load_study("full", storage=url)
    try:
        for i in range(10_000):
            trial = study.ask()
            trial.set_user_attr("blob", "x" * 20_000)
            study.tell(trial, float(i))
            done.put(trial.number)
    except tf.StorageError as exc:
        done.put(str(exc))


@pytest.mark.slow
def test_a_full_file_system_gives_a_clear_error_and_loses_no_complete_trial(tmp_path):
    url = f"sqlite:///{tmp_path / 'full.db'}"
    tf.create_study("full", storage=url)
    ctx = mp.get_context("spawn")
    done = ctx.Queue()
    p = ctx.Process(target=_fill, args=(url, 600_000, done))
    p.start()
    p.join(120)
    told = []
    while not done.empty():
        told.append(done.get())
    message = told.pop()
    assert isinstance(message, str), message
    assert "full" in message.lower() or "disk" in message.lower(), message
    assert told, "no trial was stored before the disk filled"
    trials = tf.load_study("full", storage=url).trials
    complete = {t.number for t in trials if t.state is TrialState.COMPLETE}
    assert set(told) <= complete  # every trial told COMPLETE is still there


def test_a_reader_holding_a_transaction_never_blocks_a_writer(tmp_path):
    url = f"sqlite:///{tmp_path / 'rw.db'}"
    study = tf.create_study("rw", storage=url)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    reader = sqlite3.connect(f"file:{tmp_path / 'rw.db'}?mode=ro", uri=True,
                             isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM events").fetchone()  # a snapshot held open
    try:
        t0 = time.monotonic()
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=20)
        assert time.monotonic() - t0 < 10  # the busy timeout is 30 s: no wait happened
        assert len(tf.load_study("rw", storage=url).trials) == 23
        ro = tf.open_storage(url, read_only=True)
        assert len(tf.load_study("rw", storage=ro).trials) == 23
    finally:
        reader.execute("COMMIT")
        reader.close()


def test_a_result_reported_after_its_heartbeat_expired_does_not_revive_the_trial(caplog):
    from tuneforge.execution.worker import run_trial

    caplog.set_level(logging.WARNING, logger="tuneforge")  # whatever earlier tests set
    study = tf.create_study()
    trial = study.ask()

    def slow(t):  # meanwhile another process judged its heartbeat stale
        t.suggest_float("x", 0, 1)
        study.storage.append(study.ref, [ev.heartbeat(t.key, t=time.time() - 120)])
        fail_stale_trials(study, stale_after=30)
        return 1.0

    final = run_trial(study, trial, slow, (Exception,))  # no error: the worker goes on
    assert final.state is TrialState.FAIL and "no heartbeat" in final.system_attrs["fail_reason"]
    assert "late result is not stored" in caplog.text
    study.optimize(lambda t: 2.0, n_trials=1)
    assert study.trials[1].state is TrialState.COMPLETE
