import math

import numpy as np
import pytest

from tuneforge import MedianPruner, PercentilePruner, TrialState
from tuneforge.exceptions import TuneforgeError
from tuneforge.trial.records import Direction

from ._curves import hist, rec, stops


def test_each_trial_stops_where_the_percentile_says():
    # 25th percentile of the finished trials' values at each step, from trial 2 on
    curves = [{0: 1.0, 1: 0.8, 2: 0.6},
              {0: 3.0, 1: 2.0, 2: 1.0},
              {0: 1.2, 1: 0.7, 2: 0.9},   # q25: 1.5, 1.1, 0.7; best so far 1.2, 0.7, 0.7
              {0: 1.4, 1: 1.3, 2: 0.1},   # step 0: q25 of 1, 3, 1.2 = 1.1 < 1.4: stop at 0
              {0: 0.5, 1: 0.5, 2: 0.5}]   # best everywhere
    p = PercentilePruner(25.0, n_startup_trials=2)
    assert stops(p, curves) == [None, None, None, 0, None]


def test_warmup_interval_and_min_trials():
    done = [rec(i, {0: float(i), 1: float(i), 2: float(i), 3: float(i)}) for i in range(4)]
    bad = {0: 9.0, 1: 9.0, 2: 9.0, 3: 9.0}
    run = rec(9, bad, TrialState.RUNNING)
    assert PercentilePruner(10.0, n_startup_trials=4).decide(run, hist(done)).prune
    assert not PercentilePruner(10.0, n_startup_trials=5).decide(run, hist(done)).prune
    assert not PercentilePruner(10.0, n_startup_trials=0,
                                n_min_trials=5).decide(run, hist(done)).prune
    warm = PercentilePruner(10.0, n_startup_trials=0, n_warmup_steps=4)
    assert not warm.decide(run, hist(done)).prune
    every2 = PercentilePruner(10.0, n_startup_trials=0, n_warmup_steps=0, interval_steps=2)
    assert not every2.decide(run, hist(done)).prune            # step 3: not checked
    at2 = rec(9, {0: 9.0, 1: 9.0, 2: 9.0}, TrialState.RUNNING)
    assert every2.decide(at2, hist(done)).prune                # step 2: checked


def test_attrs_and_maximize():
    done = [rec(i, {0: float(i)}) for i in range(5)]  # 0..4
    d = PercentilePruner(25.0, n_startup_trials=0).decide(rec(9, {0: 1.5}, TrialState.RUNNING),
                                                          hist(done))
    assert d.prune and dict(d.attrs) == {"prune_step": 0, "prune_percentile": 25.0,
                                         "prune_percentile_value": 1.0, "prune_value": 1.5,
                                         "prune_n_trials": 5}
    # maximizing, the 25th percentile of the best is the 75th of the values: 3.0
    up = hist(done, Direction.MAXIMIZE)
    p = PercentilePruner(25.0, n_startup_trials=0)
    assert p.decide(rec(9, {0: 2.9}, TrialState.RUNNING), up).prune
    assert not p.decide(rec(9, {0: 3.0}, TrialState.RUNNING), up).prune


def test_median_is_the_50th_percentile_with_the_same_decisions():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 9))
        done = [rec(i, {0: float(v)}) for i, v in enumerate(rng.normal(size=n))]
        mine = rec(99, {0: float(rng.normal())}, TrialState.RUNNING)
        for direction in Direction:
            h = hist(done, direction)
            a = MedianPruner(n_startup_trials=0).decide(mine, h)
            b = PercentilePruner(50.0, n_startup_trials=0).decide(mine, h)
            assert a.prune == b.prune
            if a.prune:
                assert a.attrs["prune_median"] == np.median([t.intermediate[0] for t in done])
                assert a.attrs["prune_median"] == b.attrs["prune_percentile_value"]


def test_bad_arguments_and_nan():
    with pytest.raises(ValueError, match="percentile"):
        PercentilePruner(101.0)
    with pytest.raises(ValueError, match="n_startup_trials"):
        PercentilePruner(10.0, n_startup_trials=-1)
    d = PercentilePruner(50.0, n_startup_trials=0).decide(
        rec(9, {0: math.nan}, TrialState.RUNNING), hist([rec(0, {0: 1.0})]))
    assert d.prune and "NaN" in d.reason
    two = hist([])
    two._directions = (Direction.MINIMIZE, Direction.MINIMIZE)
    with pytest.raises(TuneforgeError, match="ParetoPruner"):
        PercentilePruner(50.0).decide(rec(9, {0: 1.0}), two)
