"""reproducible=True: the same trials for one process and for worker processes."""

import time

import pytest

import tuneforge as tf
from tuneforge.study.reproducible import DEFAULT_BATCH, batch_start, check_reproducible


def jittery(trial):
    """Trials end in a different order from run to run (and from n_jobs to n_jobs)."""
    x = trial.suggest_float("x", -3, 3)
    y = trial.suggest_float("y", -3, 3)
    time.sleep(0.002 * (trial.number * 7 % 5))
    return (x - 1) ** 2 + (y + 0.5) ** 2


SAMPLERS = {
    "gp": lambda: tf.GPSampler(n_startup_trials=4),
    "tpe": lambda: tf.TPESampler(n_startup_trials=4),
    "ga": lambda: tf.GeneticSampler(population_size=4),
    "cmaes": lambda: tf.CmaEsSampler(popsize=4),
}


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_same_trials_for_one_and_two_processes(name):
    runs = []
    for n_jobs in (1, 2):
        study = tf.create_study(seed=7, sampler=SAMPLERS[name]())
        study.optimize(jittery, n_trials=14, n_jobs=n_jobs, reproducible=True)
        runs.append([dict(t.params) for t in study.trials])
    assert len(runs[0]) == 14
    assert runs[0] == runs[1]


def test_free_running_and_reproducible_agree_for_one_process_only_in_the_first_batch():
    free = tf.create_study(seed=3, sampler=tf.TPESampler(n_startup_trials=2))
    free.optimize(jittery, n_trials=8)
    rep = tf.create_study(seed=3, sampler=tf.TPESampler(n_startup_trials=2))
    rep.optimize(jittery, n_trials=8, reproducible=True)
    # the start-up draws depend on the seed and trial number only
    assert [t.params for t in free.trials[:2]] == [t.params for t in rep.trials[:2]]
    assert rep.reproducible_batch is None  # only for the run


def test_batch_arithmetic_and_bad_values():
    assert check_reproducible(True) == DEFAULT_BATCH
    assert check_reproducible(False) is None and check_reproducible(8) == 8
    assert [batch_start(n, 4) for n in (0, 3, 4, 9)] == [0, 0, 4, 8]
    for bad in (0, -2, 1.5, "yes"):
        with pytest.raises(ValueError, match="reproducible must be"):
            check_reproducible(bad)
