"""GP proposal effort: the levels, the rule that picks one from measured times, and the
sampler's use of them (refit cadence, search size, the trial's `gp_effort`)."""

import numpy as np
import pytest

import tuneforge as tf
from tuneforge.math.gp import Prior
from tuneforge.samplers.gp import GPSampler
from tuneforge.samplers.gp_effort import (
    EFFORTS,
    EffortLog,
    check_effort,
    choose_effort,
    objective_seconds,
)
from tuneforge.samplers.gp_model import State, fit
from tuneforge.trial.records import TrialRecord, TrialState


def _finished(number, seconds, state=TrialState.COMPLETE):
    return TrialRecord(number=number, key=f"t{number}", state=state, params={},
                       values=(1.0,) if state is TrialState.COMPLETE else None,
                       datetime_start=100.0, datetime_complete=100.0 + seconds)


def test_full_effort_until_both_times_are_known():
    assert choose_effort(None, {"full": 0.1}, 0.25) == "full"
    assert choose_effort(0.001, {}, 0.25) == "full"


def test_the_most_thorough_level_within_the_fraction_of_a_trial():
    costs = {"full": 0.2, "reduced": 0.06, "minimal": 0.03}
    assert choose_effort(1.0, costs, 0.25) == "full"          # 0.2 <= 0.25
    assert choose_effort(0.5, costs, 0.25) == "reduced"       # 0.06 <= 0.125 < 0.2
    assert choose_effort(0.2, costs, 0.25) == "minimal"       # 0.03 <= 0.05 < 0.06
    assert choose_effort(0.01, costs, 0.25) == "minimal"      # none fits: the cheapest
    assert choose_effort(0.5, costs, 1.0) == "full"           # a larger share allowed


def test_unmeasured_levels_are_guessed_from_the_full_level():
    # reduced guessed at 0.4 x full = 0.08 <= 0.25 x 0.4 = 0.1
    assert choose_effort(0.4, {"full": 0.2}, 0.25) == "reduced"
    # once measured as slower than that, the measurement wins
    assert choose_effort(0.4, {"full": 0.2, "reduced": 0.15}, 0.25) == "minimal"


def test_objective_seconds_take_the_proposal_out_of_finished_trials():
    trials = [_finished(0, 1.0), _finished(1, 3.0, TrialState.PRUNED),
              TrialRecord(number=2, key="t2", state=TrialState.RUNNING, params={},
                          datetime_start=100.0),
              _finished(3, 2.0, TrialState.FAIL), _finished(4, 5.0)]
    # complete and pruned only: 1.0, 3.0 - 0.5, 5.0 - 1.0 -> median 2.5
    assert objective_seconds(trials, {"t1": 0.5, "t4": 1.0}) == pytest.approx(2.5)
    assert objective_seconds(trials[2:4], {}) is None
    many = [_finished(i, 10.0 if i < 30 else 1.0) for i in range(50)]
    assert objective_seconds(many, {}) == pytest.approx(1.0)  # only the latest 20


def test_the_log_smooths_each_level_and_forgets_old_trials():
    log = EffortLog()
    log.record("a", "full", 1.0)
    log.record("b", "full", 0.0)
    assert log.level_s["full"] == pytest.approx(0.7)
    for i in range(200):
        log.record(f"k{i}", "minimal", 0.01)
    assert "a" not in log.trial_s and len(log.trial_s) == 80


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="effort must be"):
        GPSampler(effort="fast")
    with pytest.raises(ValueError, match="effort_fraction"):
        GPSampler(effort="auto", effort_fraction=0.0)
    check_effort("auto", 0.5)  # fine


def test_levels_shrink_the_search_and_double_candidates_above_ten_dims():
    full, reduced, minimal = EFFORTS["full"], EFFORTS["reduced"], EFFORTS["minimal"]
    assert full.search(3) == {"n_candidates": 1024, "n_starts": 5, "n_local_starts": 2,
                              "maxiter": 100, "max_rounds": 3}
    assert full.search(11)["n_candidates"] == 2048
    for key in ("n_candidates", "n_starts", "maxiter", "max_rounds"):
        assert full.search(3)[key] > reduced.search(3)[key] >= minimal.search(3)[key]
    assert full.refit_every == 1 < reduced.refit_every < minimal.refit_every


def test_a_cheaper_level_keeps_the_hyperparameters_between_refits():
    rng = np.random.default_rng(0)
    x, z = rng.random((12, 2)), rng.normal(size=12)
    state, is_cat, prior = State(), np.zeros(2, bool), Prior.default(2)
    first = fit(state, "objective", x[:10], z[:10], is_cat, prior)
    state.effort = EFFORTS["reduced"]
    state.n_fits = 1                                   # not a multiple of 3: kept
    kept = fit(state, "objective", x[:11], z[:11], is_cat, prior)
    assert np.array_equal(kept.theta, first.theta) and kept.x.shape[0] == 11
    state.n_fits = 3                                   # a multiple of 3: refitted
    refit = fit(state, "objective", x, z, is_cat, prior)
    assert not np.array_equal(refit.theta, first.theta)


def _quadratic(trial):
    x = trial.suggest_float("x", -3, 3)
    y = trial.suggest_float("y", -3, 3)
    return (x - 1.0) ** 2 + (y + 0.5) ** 2


def test_full_effort_proposes_what_the_default_sampler_proposes():
    a = tf.create_study(sampler=GPSampler(seed=3))
    b = tf.create_study(sampler=GPSampler(seed=3, effort="full"))
    a.optimize(_quadratic, n_trials=12)
    b.optimize(_quadratic, n_trials=12)
    assert [t.params for t in a.trials] == [t.params for t in b.trials]
    model = [t for t in b.trials if t.system_attrs.get("gp_phase") == "model"]
    assert model and all(t.system_attrs["gp_effort"] == "full" for t in model)
    assert all("gp_propose_s" not in t.system_attrs for t in model)  # reproducible


def test_auto_scales_down_on_a_cheap_objective_and_says_so():
    study = tf.create_study(sampler=GPSampler(seed=0, effort="auto"))
    study.optimize(_quadratic, n_trials=16)
    model = [t for t in study.trials if t.system_attrs.get("gp_phase") == "model"]
    levels = [t.system_attrs["gp_effort"] for t in model]
    assert levels[0] == "full"                  # nothing measured yet
    assert levels[-1] in ("reduced", "minimal")  # microseconds per trial: the model costs more
    assert all(t.system_attrs["gp_propose_s"] > 0 for t in model)
    assert study.best_value < 0.5                # still optimizes


def test_auto_keeps_full_effort_when_trials_cost_more_than_proposals():
    sampler = GPSampler(seed=0, effort="auto", effort_fraction=1e9)
    study = tf.create_study(sampler=sampler)
    study.optimize(_quadratic, n_trials=10)
    model = [t for t in study.trials if t.system_attrs.get("gp_phase") == "model"]
    assert model and {t.system_attrs["gp_effort"] for t in model} == {"full"}
