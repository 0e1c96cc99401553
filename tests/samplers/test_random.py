import numpy as np
import pytest

import tuneforge as tf
from tuneforge import Categorical, Float, Int
from tuneforge.samplers import RandomSampler, Suggestion
from tuneforge.storage.cached import Snapshot
from tuneforge.trial.records import Direction, TrialRecord, TrialState

SPACE = {"f": Float(-1, 1), "lf": Float(1e-4, 1, log=True), "i": Int(0, 9),
         "c": Categorical(("a", "b", "c"))}


def _sample(sampler, number, rng=None):
    rec = TrialRecord(number=number, key=f"k{number}", state=TrialState.RUNNING)
    hist = Snapshot((Direction.MINIMIZE,), [])
    return sampler.sample(SPACE, hist, rng or np.random.default_rng(number), rec)


def test_random_samples_inside_the_space_and_covers_it():
    s = RandomSampler()
    draws = [_sample(s, n).params for n in range(400)]
    assert all(SPACE[k].contains(v) for d in draws for k, v in d.items())
    assert {d["i"] for d in draws} == set(range(10))
    assert {d["c"] for d in draws} == {"a", "b", "c"}
    logs = np.log10([d["lf"] for d in draws])
    assert abs(np.median(logs) - (-2)) < 0.4  # uniform in log space
    assert isinstance(_sample(s, 0), Suggestion)


def test_qmc_is_more_even_than_random_and_deterministic():
    q = RandomSampler(seed=0, qmc=True)
    pts = np.array([[_sample(q, n).params["f"]] for n in range(64)])
    again = np.array([[_sample(q, n).params["f"]] for n in range(64)])
    assert np.array_equal(pts, again)
    # Sobol: every one of 16 equal bins of [-1, 1] gets exactly 4 of the 64 points
    counts = np.histogram(pts[:, 0], bins=16, range=(-1, 1))[0]
    assert counts.min() >= 3 and counts.max() <= 5


def test_qmc_study_runs_and_is_reproducible():
    def run():
        s = tf.create_study(sampler=RandomSampler(seed=4, qmc=True))
        s.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1),
                   n_trials=16)
        return [dict(t.params) for t in s.trials]

    assert run() == run()


def test_sampler_seed_becomes_study_seed():
    s = tf.create_study(sampler=RandomSampler(seed=123))
    assert s.seed == 123
    assert tf.create_study(seed=123, sampler=RandomSampler(seed=123)).seed == 123


@pytest.mark.parametrize("value", [float("inf"), -float("inf")])
def test_random_survives_infinite_values(value):
    s = tf.create_study(seed=0, sampler=RandomSampler(qmc=True))
    s.optimize(lambda t: value if t.number % 2 else t.suggest_float("x", 0, 1), n_trials=8)
    assert all(t.state is TrialState.COMPLETE for t in s.trials)
