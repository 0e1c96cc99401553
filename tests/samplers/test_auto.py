"""AutoSampler: what it picks, why it says so, and the per-sampler report."""

from __future__ import annotations

import numpy as np
import pytest

import tuneforge as tf
from tests.samplers import _objectives as objectives
from tuneforge.samplers import auto
from tuneforge.samplers.auto import AutoSampler, sampler_report
from tuneforge.samplers.base import BaseSampler, Suggestion
from tuneforge.space.encoding import decode
from tuneforge.testing import SamplerContract


class TestAutoContract(SamplerContract):
    @pytest.fixture
    def sampler(self):
        return AutoSampler(seed=0)


class _StubGP(BaseSampler):
    """Stands in for the GP sampler so the choice is tested without fitting GPs."""

    def sample(self, space, history, rng, trial):
        return Suggestion(decode(space, rng.random(len(space))), {"sampler": "GPSampler"})


@pytest.fixture
def stub_gp(monkeypatch):
    monkeypatch.setattr(auto, "GPSampler", _StubGP)


def _joint(study):
    """Trials sampled jointly (the first has no joint space yet)."""
    return [t for t in study.trials if t.number > 0]


def test_small_numeric_budget_uses_the_gp_then_switches_to_tpe(stub_gp, monkeypatch):
    monkeypatch.setattr(auto, "GP_MAX_TRIALS", 12)
    study = tf.create_study(sampler=AutoSampler(seed=0))
    study.optimize(objectives.sphere5, n_trials=20)
    names = [t.system_attrs["sampler"] for t in _joint(study)]
    assert names[:11] == ["GPSampler"] * 11 and set(names[11:]) == {"TPESampler"}
    first, last = _joint(study)[0], _joint(study)[-1]
    assert "numeric space" in first.system_attrs["auto_reason"]
    assert "completed trials" in last.system_attrs["auto_reason"]
    report = sampler_report(study.trials)
    # the first trial has no joint space yet: its one-parameter draws came from the GP too
    assert report["GPSampler"] == 12 and report["TPESampler"] == 8
    assert sum(report.values()) == 20


def test_conditional_space_uses_tpe(stub_gp):
    study = tf.create_study(sampler=AutoSampler(seed=0))
    study.optimize(objectives.conditional, n_trials=25)
    later = [t for t in _joint(study) if "conditional" in t.system_attrs["auto_reason"]]
    assert later and all(t.system_attrs["sampler"] == "TPESampler" for t in later)


def test_categorical_heavy_space_uses_tpe(stub_gp):
    def obj(trial):
        a = trial.suggest_categorical("a", ["x", "y"])
        b = trial.suggest_categorical("b", [1, 2, 3])
        c = trial.suggest_float("c", 0, 1)
        return c + (a == "x") + b

    study = tf.create_study(sampler=AutoSampler(seed=0))
    study.optimize(obj, n_trials=8)
    assert {t.system_attrs["sampler"] for t in _joint(study)} == {"TPESampler"}
    assert "categorical-heavy" in _joint(study)[0].system_attrs["auto_reason"]


def test_many_running_trials_use_tpe(stub_gp):
    study = tf.create_study(sampler=AutoSampler(seed=0))
    study.optimize(objectives.sphere5, n_trials=3)
    pending = [study.ask() for _ in range(auto.GP_MAX_PARALLEL + 1)]
    for trial in pending:
        objectives.sphere5(trial)
    last = pending[-1].record
    assert last.system_attrs["sampler"] == "TPESampler"
    assert "running at once" in last.system_attrs["auto_reason"]


def test_several_objectives_use_multi_objective_tpe():
    def two(trial):
        x = trial.suggest_float("x", 0, 1)
        return x, (x - 1) ** 2 + trial.suggest_float("y", 0, 1)

    study = tf.create_study(directions=["minimize", "minimize"], sampler=AutoSampler(seed=0))
    study.optimize(two, n_trials=15, catch=())
    joint = _joint(study)
    assert joint and {t.system_attrs["sampler"] for t in joint} == {"TPESampler"}
    assert all("2 objectives" in t.system_attrs["auto_reason"] for t in joint)
    assert len(study.best_trials) >= 2  # a front, not a single winner


def test_auto_is_the_default_sampler():
    study = tf.create_study(seed=0)
    assert isinstance(study.sampler, AutoSampler)
    study.optimize(objectives.sphere5, n_trials=3)
    assert study.sampler_report()


def test_same_seed_same_choices_and_params(stub_gp):
    runs = []
    for _ in range(2):
        study = tf.create_study(sampler=AutoSampler(seed=4))
        study.optimize(objectives.mixed, n_trials=15)
        runs.append([(dict(t.params), t.system_attrs.get("sampler")) for t in study.trials])
    assert runs[0] == runs[1]


def test_real_gp_when_present():
    study = tf.create_study(sampler=AutoSampler(seed=0))
    study.optimize(objectives.sphere5, n_trials=8)
    assert {t.system_attrs["sampler"] for t in _joint(study)} == {"GPSampler"}
    assert np.isfinite(study.best_value)


def test_sampler_report_counts_enqueued_and_unknown():
    study = tf.create_study(sampler=tf.RandomSampler(seed=0))
    study.enqueue_trial({"x0": 0.0})
    study.optimize(lambda t: t.suggest_float("x0", -1, 1), n_trials=3)
    report = sampler_report(study.trials)
    # one-parameter draws record their sampler too
    assert report == {"RandomSampler": 2, "enqueued": 1}
