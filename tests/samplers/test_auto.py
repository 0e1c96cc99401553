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
from tuneforge.storage.cached import Snapshot
from tuneforge.testing import SamplerContract
from tuneforge.trial.records import Direction


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


class _StubMOBO(BaseSampler):
    """Stands in for the multi-objective BO sampler (no GP fits)."""

    def sample(self, space, history, rng, trial):
        return Suggestion(decode(space, rng.random(len(space))), {"sampler": "MOBOSampler"})


def _two(trial):
    x = trial.suggest_float("x", 0, 1)
    return x, (x - 1) ** 2 + trial.suggest_float("y", 0, 1)


def test_several_objectives_small_budget_uses_multi_objective_bo(monkeypatch):
    monkeypatch.setitem(auto._SAMPLERS, "MOBOSampler", _StubMOBO)
    monkeypatch.setattr(auto, "MOBO_MAX_TRIALS", 8)
    study = tf.create_study(directions=["minimize", "minimize"], sampler=AutoSampler(seed=0))
    study.optimize(_two, n_trials=15, catch=())
    names = [t.system_attrs["sampler"] for t in _joint(study)]
    assert names[:7] == ["MOBOSampler"] * 7 and set(names[7:]) == {"MOEADSampler"}
    first, last = _joint(study)[0], _joint(study)[-1]
    assert "2 objectives" in first.system_attrs["auto_reason"]
    assert "multi-objective BO" in first.system_attrs["auto_reason"]
    assert "MOEA/D" in last.system_attrs["auto_reason"]
    assert "completed trials" in last.system_attrs["auto_reason"]
    assert len(study.best_trials) >= 2  # a front, not a single winner


def test_several_objectives_conditional_or_categorical_space_uses_tpe(monkeypatch):
    monkeypatch.setitem(auto._SAMPLERS, "MOBOSampler", _StubMOBO)

    def cats(trial):
        a = trial.suggest_categorical("a", ["x", "y"])
        b = trial.suggest_categorical("b", [1, 2, 3])
        c = trial.suggest_float("c", 0, 1)
        return c + (a == "x"), b - c

    study = tf.create_study(directions=["minimize", "minimize"], sampler=AutoSampler(seed=0))
    study.optimize(cats, n_trials=6, catch=())
    assert {t.system_attrs["sampler"] for t in _joint(study)} == {"TPESampler"}
    assert "categorical-heavy" in _joint(study)[0].system_attrs["auto_reason"]

    def cond(trial):
        return objectives.conditional(trial), trial.suggest_float("z", 0, 1)

    study = tf.create_study(directions=["minimize", "minimize"], sampler=AutoSampler(seed=0))
    study.optimize(cond, n_trials=20, catch=())
    later = [t for t in _joint(study) if "conditional" in t.system_attrs["auto_reason"]]
    assert later and all(t.system_attrs["sampler"] == "TPESampler" for t in later)


def test_choose_multi_objective_many_parameters_use_moead_or_tpe():
    space = {f"x{i}": tf.Float(0, 1) for i in range(auto.MOBO_MAX_DIMS + 1)}
    history = Snapshot((Direction.MINIMIZE, Direction.MINIMIZE), [])
    name, reason = auto.choose_multi_objective(space, history)
    assert name == "MOEADSampler" and f"{auto.MOBO_MAX_DIMS + 1} parameters" in reason
    space["kind"] = tf.Categorical(["a", "b"])  # a category left: TPE models it directly
    name, reason = auto.choose_multi_objective(space, history)
    assert name == "TPESampler" and f"{auto.MOBO_MAX_DIMS + 2} parameters" in reason


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


def test_real_multi_objective_bo_when_present():
    study = tf.create_study(directions=["minimize", "minimize"], sampler=AutoSampler(seed=0))
    study.optimize(_two, n_trials=8, catch=())
    assert {t.system_attrs["sampler"] for t in _joint(study)} == {"MOBOSampler"}
    assert study.trials[-1].system_attrs["mobo_phase"] == "model"
