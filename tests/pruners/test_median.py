import math

import pytest

import tuneforge as tf
from tuneforge import MedianPruner, TrialState
from tuneforge.pruners import NopPruner
from tuneforge.storage.cached import Snapshot
from tuneforge.trial.records import Direction, TrialRecord


def rec(number, curve, state=TrialState.COMPLETE):
    return TrialRecord(number=number, key=str(number), state=state,
                       intermediate=dict(enumerate(curve)))


def hist(trials, direction=Direction.MINIMIZE):
    return Snapshot((direction,), trials)


def test_prunes_worse_than_median_and_keeps_better():
    done = [rec(i, [1.0 + i, 0.5 + i]) for i in range(5)]  # medians 3.0, 2.5
    p = MedianPruner(n_startup_trials=5)
    assert p.decide(rec(9, [4.0], TrialState.RUNNING), hist(done)).prune
    assert p.decide(rec(9, [2.0], TrialState.RUNNING), hist(done)).prune is False
    # best value so far counts: a bad step 1 after a good step 0 survives
    assert p.decide(rec(9, [2.0, 9.0], TrialState.RUNNING), hist(done)).prune is False


def test_maximize_flips_the_comparison():
    done = [rec(i, [float(i)]) for i in range(5)]  # median 2.0
    p = MedianPruner(n_startup_trials=1)
    h = hist(done, Direction.MAXIMIZE)
    assert p.decide(rec(9, [1.0], TrialState.RUNNING), h).prune
    assert p.decide(rec(9, [3.0], TrialState.RUNNING), h).prune is False


def test_startup_warmup_and_min_trials():
    done = [rec(i, [float(i), float(i)]) for i in range(3)]
    bad = rec(9, [100.0, 100.0], TrialState.RUNNING)
    assert MedianPruner(n_startup_trials=5).decide(bad, hist(done)).prune is False
    assert MedianPruner(n_startup_trials=0, n_warmup_steps=2).decide(bad, hist(done)).prune is False
    assert MedianPruner(n_startup_trials=0, n_min_trials=4).decide(bad, hist(done)).prune is False
    assert MedianPruner(n_startup_trials=0).decide(bad, hist(done)).prune
    assert NopPruner().decide(bad, hist(done)).prune is False


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_warmup_steps"):
        MedianPruner(n_warmup_steps=-1)
    with pytest.raises(ValueError, match="interval_steps"):
        MedianPruner(interval_steps=0)


def test_median_pruner_in_a_study_prunes_bad_curves():
    def objective(trial):
        level = trial.suggest_float("level", 0, 10)
        for step in range(5):
            trial.report(level + 1.0 / (step + 1), step)
            if trial.should_prune():
                raise tf.TrialPruned()
        return level

    # random levels: a spread of good and bad curves whatever the default sampler finds
    study = tf.create_study(seed=0, sampler=tf.RandomSampler(seed=0),
                            pruner=MedianPruner(n_startup_trials=3))
    study.optimize(objective, n_trials=30)
    pruned = [t for t in study.trials if t.state is TrialState.PRUNED]
    complete = [t for t in study.trials if t.state is TrialState.COMPLETE]
    assert len(pruned) >= 5 and len(complete) >= 3
    # every pruned trial was worse than the best completed one
    assert min(t.params["level"] for t in pruned) > study.best_value


def test_a_median_prune_says_why_on_the_trial():
    done = [rec(i, [1.0 + i, 0.5 + i]) for i in range(5)]  # medians 3.0, 2.5
    d = MedianPruner(n_startup_trials=5).decide(rec(9, [4.0], TrialState.RUNNING), hist(done))
    assert d.prune and "median" in d.reason
    assert dict(d.attrs) == {"prune_step": 0, "prune_median": 3.0, "prune_value": 4.0,
                             "prune_n_trials": 5}
    nan = MedianPruner(n_startup_trials=5).decide(rec(9, [math.nan], TrialState.RUNNING),
                                                  hist(done))
    assert nan.prune and math.isnan(nan.attrs["prune_value"]) and "NaN" in nan.reason

    def objective(trial):
        level = trial.suggest_float("level", 0, 10)
        for step in range(3):
            trial.report(level, step)
            if trial.should_prune():
                raise tf.TrialPruned()
        return level

    study = tf.create_study(seed=0, sampler=tf.RandomSampler(seed=0),
                            pruner=MedianPruner(n_startup_trials=3))
    study.optimize(objective, n_trials=15)
    pruned = [t for t in study.trials if t.state is TrialState.PRUNED]
    assert pruned
    for t in pruned:
        a = t.system_attrs
        assert a["prune_value"] == t.params["level"] > a["prune_median"]
        assert a["prune_step"] in range(3) and a["prune_n_trials"] >= 3
        assert a["fail_reason"] == a["prune_reason"] and "median" in a["fail_reason"]
