"""RefinedSampler: any sampler on a refined space, shown the old trials mapped into it."""

import pytest

import tuneforge as tf
from tuneforge import Categorical, Float, Int, SearchSpace
from tuneforge.samplers.base import BaseSampler, Suggestion
from tuneforge.samplers.refined import RefinedSampler
from tuneforge.storage.cached import Snapshot
from tuneforge.study.refine import continue_on
from tuneforge.trial.records import Direction, TrialRecord, TrialState


class Recorder(BaseSampler):
    """A sampler that keeps the history it was shown."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def sample(self, space, history, rng, trial):
        self.seen.append(history.trials())
        return Suggestion({n: d.low if not isinstance(d, Categorical) else d.choices[0]
                           for n, d in space.items()})


def test_refined_sampler_maps_old_values_into_the_new_space():
    old = SearchSpace({"x": Float(0.0, 10.0), "n": Int(1, 9), "k": ["a", "b", "c"]})
    study = tf.create_study(seed=0)
    points = [{"x": 9.5, "n": 1, "k": "c"}, {"x": 4.0, "n": 4, "k": "a"},
              {"x": 0.5, "n": 9, "k": "b"}]
    for p in points:
        study.enqueue_trial(p)
    study.optimize(lambda trial: sum(v for v in trial.suggest_space(old).values()
                                     if not isinstance(v, str)), n_trials=3)
    new = SearchSpace({"x": Float(2.0, 6.0), "n": Int(2, 8, step=3), "k": ["a", "b"]})
    inner = Recorder()
    continue_on(study, new)
    study.sampler = RefinedSampler(inner, new)
    study.optimize(lambda trial: trial.suggest_space(new)["x"], n_trials=1)

    seen = [t for t in inner.seen[0] if t.number < 3]
    assert [t.params for t in seen] == [{"x": 6.0, "n": 2}, {"x": 4.0, "n": 5, "k": "a"},
                                        {"x": 2.0, "n": 8, "k": "b"}]
    for t in seen:
        assert all(t.distributions[n] == new[n] for n in t.params)
        assert t.key != study.trials[t.number].key  # a mapped record has a key of its own
    assert [dict(t.params) for t in study.trials[:3]] == points  # storage untouched
    assert study.trials[3].params["x"] == 2.0


def test_refined_sampler_refuses_a_grid_and_an_unknown_outside_policy():
    with pytest.raises(TypeError, match="fixed set of points"):
        RefinedSampler(tf.GridSampler({"x": [0.0, 1.0]}), {"x": Float(0, 1)})
    with pytest.raises(ValueError, match="outside must be 'clip' or 'drop', got 'wrap'"):
        RefinedSampler(tf.RandomSampler(), {"x": Float(0, 1)}, outside="wrap")
    s = RefinedSampler(tf.RandomSampler(seed=4), {"x": Float(0, 1)})
    assert s.seed == 4 and s.relative == tf.RandomSampler().relative


def test_drop_leaves_out_values_outside_the_refined_bounds():
    old = {"x": Float(0.0, 10.0), "y": Float(0.0, 10.0)}
    trials = [TrialRecord(number=0, key="a", state=TrialState.COMPLETE, values=(1.0,),
                          params={"x": 9.0, "y": 5.0}, distributions=old)]
    history = Snapshot((Direction.MINIMIZE,), trials, seed=3)
    new = SearchSpace({"x": Float(2.0, 6.0), "y": Float(0.0, 10.0)})
    (clipped,) = RefinedSampler(tf.RandomSampler(), new).mapped_history(history).trials()
    (dropped,) = RefinedSampler(tf.RandomSampler(), new, outside="drop") \
        .mapped_history(history).trials()
    assert dict(clipped.params) == {"x": 6.0, "y": 5.0}
    assert dict(dropped.params) == {"y": 5.0} and set(dropped.distributions) == {"y"}
    assert RefinedSampler(tf.RandomSampler(), new).mapped_history(history).seed == 3
