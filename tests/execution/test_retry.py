"""Retries: linked, limited to k, and created exactly once under races."""

import multiprocessing as mp

import pytest

import tuneforge as tf
from tuneforge import TrialState
from tuneforge.execution.retry import check_retry, retry_trial


def _failed(study, x=0.5):
    trial = study.ask({"x": x})
    return study.tell(trial, state=TrialState.FAIL, reason="worker died")


def test_retry_is_linked_and_limited_to_k():
    study = tf.create_study()
    failed = _failed(study)
    assert retry_trial(study, failed, 2)
    first = study.trials[1]
    assert first.state is TrialState.WAITING
    assert first.fixed_params == {"x": 0.5}
    assert first.system_attrs["retry_of"] == 0 and first.system_attrs["retry_count"] == 1
    trial = study.ask()  # the retry runs next; it fails again
    assert trial.number == 1
    again = study.tell(trial, state=TrialState.FAIL, reason="worker died")
    assert retry_trial(study, again, 2)
    third = study.trials[2]
    assert third.system_attrs["retry_count"] == 2 and third.system_attrs["retry_first"] == 0
    study.ask()
    last = study.tell(2, state=TrialState.FAIL, reason="worker died")
    assert not retry_trial(study, last, 2)  # k = 2 retries used up
    assert len(study.trials) == 3
    assert not retry_trial(study, failed, 0)


def _race(url):
    study = tf.load_study("r", storage=url)
    retry_trial(study, study.trials[0], 1)


def test_retry_is_created_exactly_once_when_processes_race(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    study = tf.create_study(study_name="r", storage=url)
    _failed(study)
    procs = [mp.get_context("spawn").Process(target=_race, args=(url,)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0] * 4
    assert len(study.trials) == 2


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
def test_retry_must_be_a_non_negative_int(bad):
    with pytest.raises(ValueError, match="retry must be"):
        check_retry(bad)
    with pytest.raises(ValueError, match="retry must be"):
        tf.create_study().optimize(lambda t: 1.0, n_trials=1, retry=bad)
