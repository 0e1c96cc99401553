import math

import numpy as np
import pytest
from scipy.stats import wilcoxon

from tuneforge import TrialState, WilcoxonPruner
from tuneforge.trial.records import Direction

from ._curves import hist, rec

BEST = {0: 0.90, 1: 0.80, 2: 0.85, 3: 0.95, 4: 0.70, 5: 0.88}  # fold scores, maximized


def _best(number=0):
    return rec(number, BEST, value=float(np.mean(list(BEST.values()))))


def test_stops_when_the_folds_so_far_are_significantly_worse():
    up = hist([_best(), rec(1, {0: 0.1, 1: 0.1}, value=0.1)], Direction.MAXIMIZE)
    p = WilcoxonPruner(p_threshold=0.1)
    worse = {s: v - 0.05 for s, v in BEST.items()}  # worse on every fold
    # exact one-sided p with all k differences of one sign: 1 / 2**k
    for k, expect in ((1, False), (2, False), (3, False), (4, True)):
        d = p.decide(rec(9, dict(list(worse.items())[:k]), TrialState.RUNNING), up)
        assert d.prune is expect, k
    d = p.decide(rec(9, dict(list(worse.items())[:4]), TrialState.RUNNING), up)
    assert d.attrs["prune_p_value"] == pytest.approx(1 / 16)
    assert d.attrs["prune_best_trial"] == 0 and d.attrs["prune_n_folds"] == 4
    assert d.attrs["prune_mean"] == pytest.approx(np.mean(list(worse.values())[:4]))


def test_mixed_or_better_folds_go_on():
    up = hist([_best()], Direction.MAXIMIZE)
    p = WilcoxonPruner(p_threshold=0.1)
    mixed = {0: 0.95, 1: 0.70, 2: 0.90, 3: 0.90, 4: 0.65, 5: 0.90}
    diff = np.array([mixed[s] - BEST[s] for s in range(6)])
    assert wilcoxon(-diff, alternative="greater").pvalue > 0.1
    assert not p.decide(rec(9, mixed, TrialState.RUNNING), up).prune
    better = {s: v + 0.01 for s, v in BEST.items()}
    assert not p.decide(rec(9, better, TrialState.RUNNING), up).prune
    assert not p.decide(rec(9, dict(BEST), TrialState.RUNNING), up).prune  # ties
    # minimizing, "better" folds are significantly worse
    down = hist([rec(0, BEST, value=0.5)], Direction.MINIMIZE)
    assert p.decide(rec(9, better, TrialState.RUNNING), down).prune


def test_no_best_trial_startup_steps_and_nan():
    p = WilcoxonPruner(p_threshold=0.5, n_startup_steps=3)
    worse = {s: v - 0.1 for s, v in BEST.items()}
    assert not p.decide(rec(9, worse, TrialState.RUNNING), hist([], Direction.MAXIMIZE)).prune
    up = hist([_best()], Direction.MAXIMIZE)
    assert not p.decide(rec(9, {0: 0.1, 1: 0.1}, TrialState.RUNNING), up).prune
    assert p.decide(rec(9, {0: 0.1, 1: 0.1, 2: 0.1}, TrialState.RUNNING), up).prune
    assert p.decide(rec(9, {0: math.nan}, TrialState.RUNNING), up).prune
    with pytest.raises(ValueError, match="p_threshold"):
        WilcoxonPruner(p_threshold=2.0)
