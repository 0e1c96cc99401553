"""resolve_executor (the package's own function): n_jobs is sugar for the local pool, a
given executor is used as is, and bad arguments are named before any trial starts."""

import pytest

import tuneforge as tf
from tests.study import _objectives as objectives
from tuneforge.execution import LocalPool, SerialExecutor, resolve_executor


def test_n_jobs_is_sugar_for_the_local_pool():
    assert isinstance(resolve_executor(), SerialExecutor)
    assert isinstance(resolve_executor(n_jobs=1), SerialExecutor)
    pool = resolve_executor(n_jobs=3)
    assert isinstance(pool, LocalPool) and pool.n_workers == 3
    mine = SerialExecutor()
    assert resolve_executor(executor=mine) is mine


@pytest.mark.parametrize("kwargs, error, match", [
    ({"n_jobs": 2, "executor": SerialExecutor()}, ValueError, "not both"),
    ({"executor": object()}, TypeError, "run\\(study, run\\)"),
    ({"n_jobs": 0}, ValueError, "n_jobs must be"),
    ({"n_jobs": True}, ValueError, "n_jobs must be"),
])
def test_bad_executor_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        resolve_executor(**kwargs)
    study = tf.create_study()
    with pytest.raises(error, match=match):
        study.optimize(objectives.quadratic, n_trials=1, **kwargs)
    assert study.trials == []
