"""The worker loop every executor shares: claim, ask, run the objective, tell."""

import pytest

import tuneforge as tf
from tuneforge import TrialState
from tuneforge.execution import Run
from tuneforge.execution.worker import run_trial, work


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


def test_run_trial_tells_how_the_objective_ended():
    study = tf.create_study()

    def pruned(trial):
        trial.report(0.75, 2)
        raise tf.TrialPruned("rung 1")

    record = run_trial(study, study.ask(), pruned, (Exception,))
    assert (record.state, record.values) == (TrialState.PRUNED, (0.75,))
    assert record.system_attrs["fail_reason"] == "rung 1"

    def caught(trial):
        raise ValueError("bad fold")

    record = run_trial(study, study.ask(), caught, (ValueError,))
    assert record.state is TrialState.FAIL
    assert record.system_attrs["fail_reason"] == "ValueError: bad fold"
    assert "raise ValueError" in record.system_attrs["traceback"]

    def leaves(trial):
        raise SystemExit(3)

    with pytest.raises(SystemExit):
        run_trial(study, study.ask(), leaves, (Exception,))
    assert study.trials[2].state is TrialState.FAIL
    assert study.trials[2].system_attrs["fail_reason"] == "SystemExit(3)"
    assert run_trial(study, study.ask(), lambda t: 1.5, ()).values == (1.5,)
