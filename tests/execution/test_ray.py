"""RayExecutor on a local Ray cluster started here (127.0.0.1): trials, budget,
resources, a SIGKILLed Ray worker retried, and reproducible mode."""

import os
import signal
import time

import pytest
import ray

import tuneforge as tf
from tuneforge import TrialState
from tuneforge.execution import RayExecutor


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    ray.init(num_cpus=2, include_dashboard=False, _temp_dir=str(tmp_path_factory.mktemp("ray")),
             logging_level="WARNING", _node_ip_address="127.0.0.1")
    yield
    ray.shutdown()


def quick(trial):
    x = trial.suggest_float("x", -2, 2)
    time.sleep(0.05)
    return (x - 0.5) ** 2


def kill_first(trial):
    """The first attempt of trial 10 SIGKILLs its Ray worker process."""
    x = trial.suggest_float("x", 0, 1)
    if trial.number == 10 and "retry_of" not in trial.record.system_attrs:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.05)
    return x


@pytest.mark.slow
def test_ray_runs_n_trials_on_two_actors_and_retries_a_killed_one(cluster, tmp_path):
    url = f"sqlite:///{tmp_path / 'ray.db'}"
    study = tf.create_study(study_name="r", storage=url, sampler=tf.RandomSampler(seed=0))
    seen = []
    study.optimize(quick, n_trials=8, executor=RayExecutor(workers=2),
                   callbacks=[lambda s, t: seen.append(t.number)])
    assert len(study.trials) == 8 and sorted(seen) == list(range(8))
    assert all(t.state is TrialState.COMPLETE for t in study.trials)
    workers = {t.system_attrs["worker"] for t in study.trials}
    assert 1 <= len(workers) <= 2  # Ray actors, not this process
    assert not any(w.endswith(f":{os.getpid()}") for w in workers)
    study.optimize(kill_first, n_trials=6, executor=RayExecutor(workers=2), retry=1)
    trials = study.trials[8:]
    failed = [t for t in trials if t.state is TrialState.FAIL]
    assert len(failed) == 1 and "died" in failed[0].system_attrs["fail_reason"]
    (again,) = [t for t in trials if t.system_attrs.get("retry_of") == failed[0].number]
    assert again.state is TrialState.COMPLETE and again.params == failed[0].params
    assert sum(t.state is TrialState.COMPLETE for t in trials) == 6
    assert TrialState.RUNNING not in [t.state for t in study.trials]


@pytest.mark.slow
def test_ray_reproducible_matches_one_process(cluster):
    runs = []
    for executor in (None, RayExecutor(workers=2)):
        study = tf.create_study(seed=5, sampler=tf.TPESampler(n_startup_trials=4))
        study.optimize(quick, n_trials=10, executor=executor, reproducible=True)
        runs.append([dict(t.params) for t in study.trials])
    assert runs[0] == runs[1]


@pytest.mark.parametrize("kwargs, match", [
    ({"workers": 0}, "workers"), ({"resources_per_trial": {"gpu": -1}}, "non-negative"),
    ({"address": 3}, "address")])
def test_ray_executor_checks_its_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RayExecutor(**kwargs)
