"""Refining a study's space, recording its versions, and continuing on the refined space."""

import pytest

import tuneforge as tf
from tuneforge import Float, SearchSpace, TrialState
from tuneforge.storage import events as ev
from tuneforge.study.refine import (
    continue_on,
    record_space,
    refine,
    refine_report,
    space_versions,
    top_trials,
)

SPACE = SearchSpace({"x": Float(-5.0, 5.0), "y": Float(-5.0, 5.0)})


def quadratic_on(space):
    """A 2-d quadratic whose optimum (x = 6) lies beyond the high bound of x."""
    def objective(trial):
        p = trial.suggest_space(space)
        return (p["x"] - 6.0) ** 2 + (p["y"] - 0.5) ** 2
    return objective


def base_study():
    """30 TPE trials on SPACE, its first version recorded."""
    study = tf.create_study(sampler=tf.TPESampler(seed=0))
    record_space(study, SPACE, "initial")
    study.optimize(quadratic_on(SPACE), n_trials=30)
    return study


def test_refine_widens_the_bound_at_the_optimum_and_narrows_the_rest():
    study = base_study()
    refined, changes = refine_report(study, SPACE)
    assert changes["x"].action == "widened-high" and refined["x"].high > 5.0
    assert refined["x"].low > -5.0  # the low side of x is narrowed
    assert changes["y"].action == "narrowed"
    assert -5.0 < refined["y"].low < 0.5 < refined["y"].high < 5.0
    top = top_trials(study, 0.2)
    assert len(top) == 6
    assert all(refined.validate(t.params) is None for t in top if t.params["x"] <= 5.0)


@pytest.mark.parametrize("make_sampler", [
    lambda: tf.TPESampler(seed=1), lambda: tf.GPSampler(seed=1), lambda: tf.RandomSampler(seed=1),
    lambda: tf.AutoSampler(seed=1),
], ids=["tpe", "gp", "random", "auto"])
def test_continue_on_refined_space(make_sampler):
    study = base_study()
    before = [(dict(t.params), dict(t.distributions)) for t in study.trials]
    refined = refine(study, SPACE)
    study.sampler = make_sampler()
    continue_on(study, refined, note="around the best 20%")
    study.optimize(quadratic_on(refined), n_trials=10)

    trials = study.trials
    assert len(trials) == 40
    assert all(t.state is TrialState.COMPLETE for t in trials)
    for t in trials[30:]:
        assert dict(t.distributions) == dict(refined)
        refined.validate(t.params)
        # the refined parameters were sampled together, never one by one as a fallback
        if study.sampler.relative:
            assert "independent_params" not in t.system_attrs, t.system_attrs
        if isinstance(study.sampler.inner, tf.GPSampler):
            assert t.system_attrs.get("gp_phase") == "model"
    # the stored old trials are untouched
    assert [(dict(t.params), dict(t.distributions)) for t in trials[:30]] == before

    versions = space_versions(study)
    assert [v.version for v in versions] == [1, 2]
    assert [v.trial_number_from for v in versions] == [0, 30]
    assert versions[0].space == SPACE and versions[1].space == refined
    assert versions[1].note == "around the best 20%"
    continue_on(study, refined)  # the same space again: no new version
    assert len(space_versions(study)) == 2


def test_continue_on_records_the_space_the_old_trials_used():
    """Without a recorded version, continue_on first records the trials' own space, so
    that every trial has one."""
    study = tf.create_study(sampler=tf.TPESampler(seed=0))
    study.optimize(quadratic_on(SPACE), n_trials=12)
    refined = refine(study, SPACE)
    continue_on(study, refined)
    versions = space_versions(study)
    assert [(v.version, v.trial_number_from) for v in versions] == [(1, 0), (2, 12)]
    assert versions[0].space == SPACE and versions[0].note.startswith("initial")
    assert versions[1].space == refined
    fresh = tf.create_study()
    continue_on(fresh, refined)  # no trials yet: only the new space
    assert [v.trial_number_from for v in space_versions(fresh)] == [0]


def test_refine_needs_enough_complete_trials():
    study = tf.create_study(seed=0)
    study.optimize(quadratic_on(SPACE), n_trials=3)
    with pytest.raises(tf.TuneforgeError, match="3 COMPLETE trial.*min_trials=5"):
        refine(study, SPACE)
    assert refine(study, SPACE, min_trials=3) != SPACE


def test_top_trials_is_direction_aware():
    for direction, best in (("minimize", [0.0, 1.0]), ("maximize", [4.0, 3.0])):
        study = tf.create_study(direction=direction, seed=0)
        for v in (2.0, 0.0, 4.0, 1.0, 3.0):
            study.enqueue_trial({"x": v})
        study.optimize(lambda trial: trial.suggest_float("x", 0, 4), n_trials=5)
        assert [t.value for t in top_trials(study, 0.2)] == best  # at least two
        assert [t.value for t in top_trials(study, 1)] == best[:1]
    with pytest.raises(ValueError, match="fraction"):
        top_trials(study, 1.5)


def test_refine_rejects_several_objectives():
    study = tf.create_study(directions=["minimize", "minimize"])
    with pytest.raises(tf.TuneforgeError, match="single objective"):
        top_trials(study)


def test_continue_on_rejects_a_grid():
    study = tf.create_study(sampler=tf.GridSampler({"x": [0.0, 1.0]}))
    with pytest.raises(TypeError, match="fixed set of points"):
        continue_on(study, SPACE)


def test_two_handles_recording_at_once_keep_both_versions(tmp_path):
    """Each version is its own attribute: a second process's record never overwrites
    the first's (the old single-list attribute lost one of two concurrent versions)."""
    url = f"sqlite:///{tmp_path / 'v.db'}"
    a = tf.create_study(study_name="v", storage=url)
    b = tf.load_study("v", storage=url)
    s1 = SearchSpace({"x": Float(0.0, 1.0)})
    s2 = SearchSpace({"x": Float(0.0, 0.5)})
    assert a.system_attrs == b.system_attrs  # both handles have read the study
    v1 = record_space(a, s1, "a")
    v2 = record_space(b, s2, "b")
    assert (v1.version, v2.version) == (1, 2)
    versions = space_versions(tf.load_study("v", storage=url))
    assert [(v.version, v.space, v.note) for v in versions] == [(1, s1, "a"), (2, s2, "b")]


def test_versions_written_as_one_list_are_still_read_first():
    study = tf.create_study()
    old = SearchSpace({"x": Float(0.0, 1.0)})
    study.storage.append(study.ref, [ev.attr_set(
        None, "space_versions", [{"version": 1, "space": old.to_json(), "note": "v0.1",
                                  "trial_number_from": 0}], scope="system")])
    new = record_space(study, SearchSpace({"x": Float(0.2, 0.8)}), "next")
    assert new.version == 2
    assert [v.note for v in space_versions(study)] == ["v0.1", "next"]
