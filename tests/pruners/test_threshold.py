import math

import pytest

from tuneforge import ThresholdPruner, TrialState

from ._curves import hist, rec, stops


def test_each_trial_stops_when_it_leaves_the_band():
    curves = [{0: 0.5, 1: 0.4, 2: 0.3},
              {0: 0.5, 1: 2.0, 2: 0.3},          # above 1.0 at step 1
              {0: 0.5, 1: -0.5},                 # below 0.0 at step 1
              {0: math.nan, 1: 0.5},             # NaN at step 0
              {0: 5.0, 1: 0.5, 2: 0.5}]          # above at step 0, but warm-up
    assert stops(ThresholdPruner(lower=0.0, upper=1.0), curves[:4]) == [None, 1, 1, 0]
    assert stops(ThresholdPruner(upper=1.0, n_warmup_steps=1), curves[4:]) == [None]
    assert stops(ThresholdPruner(upper=1.0, interval_steps=2), curves[1:2]) == [None]


def test_attrs_and_arguments():
    d = ThresholdPruner(upper=1.0).decide(rec(0, {3: 2.0}, TrialState.RUNNING), hist([]))
    assert d.prune and dict(d.attrs) == {"prune_step": 3, "prune_value": 2.0,
                                         "prune_lower": -math.inf, "prune_upper": 1.0}
    with pytest.raises(ValueError, match="lower, upper"):
        ThresholdPruner()
    with pytest.raises(ValueError, match="lower"):
        ThresholdPruner(lower=2.0, upper=1.0)
    with pytest.raises(ValueError, match="upper"):
        ThresholdPruner(upper=math.nan)
