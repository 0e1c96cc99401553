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
    assert not any("auto_member" in t.system_attrs for t in study.trials)


def test_conditional_space_uses_tpe_by_default(stub_gp):
    study = tf.create_study(sampler=AutoSampler(seed=0))
    study.optimize(objectives.conditional, n_trials=25)
    later = [t for t in _joint(study) if "conditional" in t.system_attrs["auto_reason"]]
    assert later and all(t.system_attrs["sampler"] == "TPESampler" for t in later)


def test_small_numeric_budget_starts_with_the_gp_then_a_portfolio_then_tpe(stub_gp,
                                                                          monkeypatch):
    monkeypatch.setattr(auto, "GP_MAX_TRIALS", 14)
    study = tf.create_study(sampler=AutoSampler(seed=0, portfolio=True))
    study.optimize(objectives.sphere5, n_trials=20)
    by_number = {t.number: t.system_attrs for t in study.trials}
    # the GP's space-filling start (6 trials for 5 parameters), then GP until TPE's own
    # random start is over
    assert all(by_number[i]["sampler"] == "GPSampler" for i in range(1, 10))
    assert "space-filling start" in by_number[1]["auto_reason"]
    assert "TPE joins the portfolio at 10" in by_number[7]["auto_reason"]
    assert not any("auto_member" in by_number[i] for i in range(10))
    for i in range(10, 14):  # the portfolio: the member is recorded for its credit
        attrs = by_number[i]
        assert "numeric space" in attrs["auto_reason"] and "portfolio" in attrs["auto_reason"]
        assert "recent proposals in the best fifth: GP" in attrs["auto_reason"]
        assert attrs["auto_member"] == attrs["sampler"]
    assert {by_number[i]["sampler"] for i in range(14, 20)} == {"TPESampler"}
    assert "completed trials" in by_number[19]["auto_reason"]
    report = sampler_report(study.trials)
    assert sum(report.values()) == 20 and report["TPESampler"] >= 6


class _QualityGP(_StubGP):
    """A stub GP whose fit quality (leave-one-out rank correlation) is set by the test."""

    rho: float | None = 0.9

    def fit_quality(self, space, history):
        return None if self.rho is None else (self.rho, 10)


def _tagged_history(gp_wins: int, tpe_wins: int, n: int = 6) -> Snapshot:
    """10 startup trials, then n proposals per member, the first `*_wins` of each in the
    best values so far, the rest far worse."""
    from tuneforge.trial.records import TrialRecord, TrialState

    trials, k = [], 0

    def add(value, member=None):
        nonlocal k
        params = {"x": 0.5}
        trials.append(TrialRecord(number=k, key=f"k{k}", state=TrialState.COMPLETE,
                                  params=params, distributions={"x": tf.Float(0, 1)},
                                  values=(value,),
                                  system_attrs={"auto_member": member} if member else {}))
        k += 1

    for i in range(10):
        add(10.0 + i)
    for i in range(n):
        add(-1.0 - k if i < gp_wins else 100.0, "GPSampler")
        add(-1.0 - k if i < tpe_wins else 100.0, "TPESampler")
    return Snapshot((Direction.MINIMIZE,), trials)


def test_the_portfolio_follows_each_members_recent_successes(monkeypatch):
    monkeypatch.setitem(auto._SAMPLERS, "GPSampler", _QualityGP)
    space = {"x": tf.Float(0, 1)}
    sampler = AutoSampler(seed=0, portfolio=True)
    name, reason = sampler.choose(space, _tagged_history(gp_wins=0, tpe_wins=6))
    assert name == "TPESampler"
    assert "GP 0/6, TPE 6/6" in reason and "rank correlation) 0.90 on 10 trials" in reason
    assert sampler.choose(space, _tagged_history(gp_wins=6, tpe_wins=0))[0] == "GPSampler"
    # close evidence: the GP's fit quality decides (its prior credit)
    assert sampler.choose(space, _tagged_history(gp_wins=2, tpe_wins=3))[0] == "GPSampler"
    monkeypatch.setattr(_QualityGP, "rho", -0.2)   # the GP cannot rank this landscape
    assert sampler.choose(space, _tagged_history(gp_wins=2, tpe_wins=3))[0] == "TPESampler"
    monkeypatch.setattr(_QualityGP, "rho", None)
    assert "not yet measured" in sampler.choose(space, _tagged_history(1, 1))[1]
    # Thompson draws: mostly the winner, never only it
    history = _tagged_history(gp_wins=1, tpe_wins=5)
    picks = [sampler.choose(space, history, np.random.default_rng(s))[0] for s in range(60)]
    assert picks.count("TPESampler") > 40 and "GPSampler" in picks


def test_portfolio_routes_a_conditional_space_by_evidence(stub_gp):
    study = tf.create_study(sampler=AutoSampler(seed=0, portfolio=True))
    study.optimize(objectives.conditional, n_trials=30)
    later = [t for t in _joint(study) if "conditional" in t.system_attrs["auto_reason"]]
    assert later
    members = [t for t in later if ": portfolio;" in t.system_attrs["auto_reason"]]
    assert members and all(t.system_attrs["auto_member"] == t.system_attrs["sampler"]
                           for t in members)
    assert {t.system_attrs["sampler"] for t in members} <= {"GPSampler", "TPESampler"}
    assert np.isfinite(study.best_value)


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


def test_real_gp_fit_quality_is_high_on_a_smooth_function():
    study = tf.create_study(sampler=AutoSampler(seed=0, portfolio=True))
    study.optimize(objectives.sphere5, n_trials=12)
    reasons = [t.system_attrs["auto_reason"] for t in study.trials[10:]]
    assert all("portfolio" in r for r in reasons)
    gp = study.sampler._get("GPSampler")
    rho, n = gp.fit_quality({f"x{i}": tf.Float(-5, 5) for i in range(5)}, study.history())
    assert n == 12 and rho > 0.5


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


def test_the_default_sampler_under_asha_models_from_pruned_trials():
    def objective(trial):
        x = trial.suggest_float("x", 0.0, 1.0)
        for step in range(1, 10):
            trial.report((x - 0.3) ** 2 + 1.0 / step, step)
            if trial.should_prune():
                raise tf.TrialPruned()
        return (x - 0.3) ** 2

    study = tf.create_study(pruner=tf.SuccessiveHalvingPruner(min_resource=1,
                                                              reduction_factor=3), seed=0)
    study.optimize(objective, n_trials=10)
    first = next(t for t in study.trials if t.system_attrs.get("gp_phase") == "model")
    before = study.trials[:first.number]
    assert first.system_attrs["sampler"] == "GPSampler"
    # the GP's start-up (5 trials for one parameter) was filled partly by pruned trials
    assert sum(t.state is tf.TrialState.COMPLETE for t in before) < 5 <= len(before)
