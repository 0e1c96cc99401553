import multiprocessing as mp

import pytest

import tuneforge as tf
from tests.study import _objectives as objectives
from tuneforge import TrialState
from tuneforge.execution import LocalPool


def test_n_jobs_2_gives_the_same_trials_as_n_jobs_1(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    # a sampler that ignores the history: its trials cannot depend on the timing
    one = tf.create_study(study_name="one", storage=url, seed=11, sampler=tf.RandomSampler())
    one.optimize(objectives.quadratic, n_trials=20, n_jobs=1)
    two = tf.create_study(study_name="two", storage=url, seed=11, sampler=tf.RandomSampler())
    two.optimize(objectives.quadratic_slow, n_trials=20, n_jobs=2)
    assert len(two.trials) == 20
    assert all(t.state is TrialState.COMPLETE for t in two.trials)
    by_number = {t.number: dict(t.params) for t in two.trials}
    assert by_number == {t.number: dict(t.params) for t in one.trials}
    workers = {t.system_attrs["worker"] for t in two.trials}
    assert len(workers) == 2  # both processes did work


def test_in_memory_study_stays_in_memory_with_processes():
    study = tf.create_study(seed=1)
    study.optimize(objectives.quadratic, n_trials=3)
    study.optimize(objectives.after_a_second_worker(objectives.quadratic, first=3),
                   n_trials=6, n_jobs=2)
    assert len(study.trials) == 9
    assert isinstance(study.storage, tf.InMemoryStorage)  # workers talk to the driver
    assert all(t.state is TrialState.COMPLETE for t in study.trials)
    assert len({t.system_attrs["worker"] for t in study.trials[3:]}) == 2


def test_grid_exhaustive_exactly_once_with_two_processes(tmp_path):
    url = f"sqlite:///{tmp_path / 'grid.sqlite'}"
    grid = {"a": [1, 2, 3], "b": ["u", "v", "w", "z"]}
    study = tf.create_study(study_name="g", storage=url, sampler=tf.GridSampler(grid))
    study.optimize(objectives.grid_objective, n_jobs=2)  # no n_trials: stops when exhausted
    combos = sorted((t.params["a"], t.params["b"]) for t in study.trials)
    assert combos == sorted((a, b) for a in grid["a"] for b in grid["b"])
    assert all(t.state is TrialState.COMPLETE for t in study.trials)


def test_killed_worker_fails_its_trial_and_is_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv("TUNEFORGE_TEST_MARKER", str(tmp_path / "killed"))
    url = f"sqlite:///{tmp_path / 'kill.sqlite'}"
    study = tf.create_study(study_name="k", storage=url, seed=0)
    study.optimize(objectives.kill_self_once, n_trials=12, n_jobs=2)
    trials = study.trials
    assert len(trials) == 12
    failed = [t for t in trials if t.state is TrialState.FAIL]
    assert len(failed) == 1 and failed[0].number == 2
    assert "died (killed by SIGKILL)" in failed[0].system_attrs["fail_reason"]
    assert sum(t.state is TrialState.COMPLETE for t in trials) == 11


def test_uncaught_exception_in_worker_stops_the_study(tmp_path):
    url = f"sqlite:///{tmp_path / 'err.sqlite'}"
    study = tf.create_study(study_name="e", storage=url)
    # the objective's own exception reaches the driver, as with n_jobs=1
    with pytest.raises(ZeroDivisionError, match="not caught") as info:
        study.optimize(objectives.fail_uncaught, n_trials=10, n_jobs=2, catch=())
    assert "worker process" in "".join(getattr(info.value, "__notes__", []))
    assert all(t.state is TrialState.FAIL for t in study.trials)
    assert len(study.trials) <= 4


def test_lambda_and_closure_objectives_run_in_processes():
    offset = 0.25
    study = tf.create_study(seed=3)
    study.optimize(lambda t: (t.suggest_float("x", -1, 1) - offset) ** 2, n_trials=6, n_jobs=2)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 6
    assert all(t.values[0] == (t.params["x"] - offset) ** 2 for t in study.trials)


def test_unpicklable_objective_is_a_clear_error():
    import threading

    lock = threading.Lock()
    study = tf.create_study()
    with pytest.raises(tf.TuneforgeError, match="by value"):
        study.optimize(lambda t: lock.locked() or 1.0, n_trials=2, n_jobs=2)


def test_callbacks_run_in_the_parent_for_every_trial(tmp_path):
    seen = []
    study = tf.create_study(study_name="cb", storage=f"sqlite:///{tmp_path / 'cb.sqlite'}")
    study.optimize(objectives.cpu_light, n_trials=8, n_jobs=2,
                   callbacks=[lambda s, r: seen.append(r.number)])
    assert sorted(seen) == list(range(8))


def _hammer(url: str, n: int) -> None:
    study = tf.load_study("shared", storage=url)
    study.optimize(objectives.cpu_light, n_trials=n)


def test_sqlite_shared_by_4_processes_no_lost_trial(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    tf.create_study(study_name="shared", storage=url, seed=0)
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_hammer, args=(url, 50)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    trials = tf.load_study("shared", storage=url).trials
    assert len(trials) == 200
    assert all(t.state is TrialState.COMPLETE for t in trials)
    assert sorted(t.number for t in trials) == list(range(200))


def test_processes_share_a_postgres_study(postgres_url):
    study = tf.create_study(study_name="pg", storage=postgres_url, seed=2)
    study.optimize(objectives.quadratic_slow, n_trials=12, n_jobs=2)
    again = tf.load_study("pg", storage=postgres_url)
    assert len(again.trials) == 12
    assert all(t.state is TrialState.COMPLETE for t in again.trials)
    assert len({t.system_attrs["worker"] for t in again.trials}) == 2


def test_local_pool_checks_its_size():
    with pytest.raises(ValueError, match="n_workers"):
        LocalPool(0)
    assert LocalPool(-1).n_workers >= 1
