"""The Executor seam: optimize(executor=...), n_jobs as sugar, the shared worker loop."""

import pytest

import tuneforge as tf
from tests.study import _objectives as objectives
from tuneforge import TrialState
from tuneforge.execution import (
    Executor,
    LocalPool,
    Run,
    SerialExecutor,
    resolve_executor,
)
from tuneforge.execution.worker import work


class CountingExecutor:
    """A third-party executor: the serial loop, counting the runs it was handed."""

    def __init__(self) -> None:
        self.runs: list[Run] = []

    def run(self, study, run):
        self.runs.append(run)
        SerialExecutor().run(study, run)


def test_optimize_hands_the_run_to_the_given_executor():
    executor = CountingExecutor()
    study = tf.create_study(seed=0)
    seen = []
    study.optimize(objectives.quadratic, n_trials=5, executor=executor, timeout=60,
                   callbacks=[lambda s, t: seen.append(t.number)])
    assert isinstance(executor, Executor)
    (run,) = executor.runs
    assert (run.n_trials, run.timeout, run.objective) == (5, 60, objectives.quadratic)
    assert seen == [0, 1, 2, 3, 4]
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 5


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


@pytest.mark.parametrize("kwargs, match", [
    ({"n_trials": -1}, "n_trials"), ({"n_trials": 1.5}, "n_trials"),
    ({"timeout": 0}, "timeout"), ({"timeout": "5"}, "timeout"),
])
def test_run_checks_its_budget(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Run(objective=objectives.quadratic, **kwargs)


def test_run_checks_objective_and_catch():
    with pytest.raises(TypeError, match="callable"):
        Run(objective=3)
    with pytest.raises(TypeError, match="catch"):
        Run(objective=objectives.quadratic, catch=ValueError)


def test_local_pool_checks_its_size():
    with pytest.raises(ValueError, match="n_workers"):
        LocalPool(0)
    assert LocalPool(-1).n_workers >= 1


def test_worker_loop_stops_on_claim_stop_or_exhaustion():
    study = tf.create_study(sampler=tf.GridSampler({"a": [1, 2, 3]}))
    run = Run(objective=lambda t: t.suggest_categorical("a", [1, 2, 3]))
    grants = iter([True, False])
    assert work(study, run, claim=lambda: next(grants), stopped=lambda: False) is False
    assert len(study.trials) == 3  # the grid enqueued all, one ran
    assert work(study, run, claim=lambda: True, stopped=lambda: True) is False
    assert sum(t.state is TrialState.COMPLETE for t in study.trials) == 1
    finished = []
    assert work(study, run, claim=lambda: True, stopped=lambda: False,
                on_finished=finished.append) is True  # the grid ran out
    assert [t.params["a"] for t in finished] == [2, 3]


def test_worker_loop_reports_an_uncaught_error_with_its_trial():
    study = tf.create_study()
    seen = []

    def boom(trial):
        raise ZeroDivisionError("no")

    with pytest.raises(ZeroDivisionError):
        work(study, Run(objective=boom, catch=()), claim=lambda: True, stopped=lambda: False,
             on_error=lambda trial, exc: seen.append((trial.number, type(exc))))
    assert seen == [(0, ZeroDivisionError)]
    assert study.trials[0].state is TrialState.FAIL


def test_optuna_spellings_are_accepted(capsys):
    study = tf.create_study(seed=0)
    study.optimize(objectives.quadratic, n_trials=3, show_progress_bar=False,
                   gc_after_trial=True)
    assert len(study.trials) == 3
    study.enqueue_trial({"x": 1.0, "y": 2})
    study.enqueue_trial({"x": 1.0, "y": 2}, skip_if_exists=True)  # waiting: skipped
    first = study.trials[0].params
    study.enqueue_trial(dict(first), skip_if_exists=True)        # finished: skipped
    assert len(study.get_trials((TrialState.WAITING,))) == 1


def test_move_to_continues_the_study_in_another_storage(tmp_path):
    study = tf.create_study(study_name="m", seed=3)
    study.optimize(objectives.quadratic, n_trials=4)
    before = [(t.params, t.values) for t in study.trials]
    target = tf.SQLiteStorage(tmp_path / "moved.db")
    study.move_to(target)
    assert study.storage is target and study.storage.url.endswith("moved.db")
    assert [(t.params, t.values) for t in study.trials] == before
    study.optimize(objectives.quadratic, n_trials=2)
    reopened = tf.load_study("m", storage=target.url)
    assert len(reopened.trials) == 6


def test_points_left_counts_a_grid():
    study = tf.create_study(sampler=tf.GridSampler({"a": [1, 2, 3], "b": [0, 1]}))
    assert study.points_left() == 6
    study.optimize(lambda t: t.suggest_categorical("a", [1, 2, 3])
                   + t.suggest_categorical("b", [0, 1]), n_trials=2)
    assert study.points_left() == 4
    assert tf.create_study().points_left() is None
