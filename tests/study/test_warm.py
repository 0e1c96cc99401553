"""create_study(warm_start=...): the prior is built from past studies, stored on the new
study as JSON, handed to its sampler (again after load_study), and seeds are evaluated
only when asked."""

import json

import pytest

import tuneforge as tf
from tuneforge.exceptions import StudyNotFoundError, TuneforgeError
from tuneforge.study.warm import SOURCE_ATTR, WARM_ATTR, WarmSource, WarmStart


def _past(storage, name="past", n=12, direction="minimize", shift=0.0):
    study = tf.create_study(name, storage=storage, direction=direction,
                            sampler=tf.RandomSampler(seed=0))
    sign = 1 if direction == "minimize" else -1
    study.optimize(lambda t: sign * (t.suggest_float("x", 0, 10) - 4 - shift) ** 2,
                   n_trials=n)
    return study


def test_the_prior_is_stored_as_json_ranked_in_the_past_study(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    past = _past(url)
    new = tf.create_study("new", storage=url, sampler=tf.TPESampler(seed=0),
                          warm_start=["past"])
    stored = new.system_attrs[WARM_ATTR]
    json.dumps(stored)  # plain JSON, never pickle
    best = min(stored["points"], key=lambda p: p["rank"])
    assert best["params"] == dict(past.best_params) and best["rank"] == 0.0
    assert len(stored["points"]) == len(past.trials)
    assert new.trials == []  # nothing evaluated again
    again = tf.load_study("new", storage=url, sampler=tf.TPESampler(seed=0))
    assert again.sampler.prior is not None and len(again.sampler.prior) == len(past.trials)


def test_maximized_past_studies_rank_their_largest_values_first():
    storage = tf.InMemoryStorage()
    past = _past(storage, direction="maximize")
    new = tf.create_study(storage=storage, warm_start=[WarmSource("past", similarity=0.5)])
    best = min(new.sampler.prior.points, key=lambda p: p.rank)
    assert best.params == dict(past.best_params) and best.weight == 0.5


def test_evaluate_enqueues_the_best_configurations_mapped_into_the_new_space():
    storage = tf.InMemoryStorage()
    past = _past(storage)
    ranked = sorted(past.trials, key=lambda t: t.value)
    space = {"x": tf.Float(0, 10)}
    new = tf.create_study(storage=storage, warm_start=WarmStart(["past"], evaluate=3,
                                                                  space=space))
    queued = new.trials
    assert [dict(t.params) or dict(t.fixed_params) for t in queued] == \
        [dict(t.params) for t in ranked[:3]]
    assert all(t.user_attrs[SOURCE_ATTR] == "past" for t in queued)
    # a narrower space drops the configurations outside it
    narrow = {"x": tf.Float(0, ranked[0].params["x"] - 1e-9)}
    other = tf.create_study(storage=storage, warm_start=WarmStart(["past"], evaluate=50,
                                                                    space=narrow))
    vals = [t.fixed_params["x"] for t in other.trials]
    assert vals and all(v < ranked[0].params["x"] for v in vals)


def test_bad_warm_starts_say_what_is_wrong():
    storage = tf.InMemoryStorage()
    _past(storage)
    with pytest.raises(StudyNotFoundError):
        tf.create_study(storage=storage, warm_start=["nope"])
    with pytest.raises(ValueError, match="needs the new `space`"):
        WarmStart(["past"], evaluate=2)
    with pytest.raises(ValueError, match="similarity"):
        WarmSource("past", similarity=0.0)
    tf.create_study("empty", storage=storage)
    with pytest.raises(TuneforgeError, match="no complete trial"):
        tf.create_study(storage=storage, warm_start=["empty"])
    with pytest.raises(TuneforgeError, match="itself"):
        tf.create_study("past", storage=storage, load_if_exists=True, warm_start=["past"])
    with pytest.raises(TypeError, match="not a study name"):
        tf.create_study(storage=storage, warm_start=[3])


def test_a_study_object_is_a_source_and_reopening_keeps_the_first_prior():
    storage = tf.InMemoryStorage()
    past = _past(storage)
    other = _past(storage, "other", shift=3)
    tf.create_study("new", storage=storage, warm_start=[past])
    again = tf.create_study("new", storage=storage, load_if_exists=True, warm_start=[other])
    assert {p.source for p in again.sampler.prior.points} == {"past"}
