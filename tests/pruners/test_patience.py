import math

import pytest

from tuneforge import PatiencePruner, PatientPruner, ThresholdPruner, TrialState
from tuneforge.pruners import Decision

from ._curves import hist, rec, stops


def test_each_trial_stops_after_patience_reports_without_improvement():
    curves = [{0: 5.0, 1: 4.0, 2: 4.0, 3: 4.0, 4: 1.0},   # 2 flat reports: stop at 3
              {0: 5.0, 1: 4.0, 2: 3.0, 3: 2.0, 4: 1.0},   # always improving
              {0: 5.0, 1: 4.95, 2: 4.9, 3: 4.85},         # improves by < min_delta 0.1
              {0: 5.0, 1: 6.0, 2: 4.0, 3: 7.0, 4: 8.0},   # 4.0 at step 2, then 2 worse: 4
              {0: 1.0, 1: math.nan, 2: math.nan, 3: 0.5}]  # NaN: no improvement
    assert stops(PatiencePruner(patience=2), curves[:2] + curves[3:]) == [3, None, 4, 2]
    assert stops(PatiencePruner(patience=2, min_delta=0.1), curves[2:3]) == [2]
    assert stops(PatiencePruner(patience=2), curves[2:3]) == [None]


def test_maximize_and_attrs():
    run = rec(0, {0: 1.0, 1: 2.0, 2: 1.5, 3: 1.9}, TrialState.RUNNING)
    from tuneforge.trial.records import Direction

    d = PatiencePruner(patience=2).decide(run, hist([], Direction.MAXIMIZE))
    assert d.prune and dict(d.attrs) == {"prune_step": 3, "prune_best_before": 2.0,
                                         "prune_best_recent": 1.9, "prune_patience": 2}
    assert not PatiencePruner(patience=3).decide(run, hist([], Direction.MAXIMIZE)).prune


class _Says:
    def __init__(self, prune):
        self.prune = prune
        self.calls = 0

    def decide(self, trial, history):
        self.calls += 1
        return Decision.to_prune("inner", attrs={"inner": 1}) if self.prune \
            else Decision.to_continue()


def test_a_wrapped_pruner_decides_only_once_patience_ran_out():
    flat = rec(0, {0: 1.0, 1: 1.0, 2: 1.0}, TrialState.RUNNING)
    improving = rec(0, {0: 3.0, 1: 2.0, 2: 1.0}, TrialState.RUNNING)
    yes, no = _Says(True), _Says(False)
    assert not PatiencePruner(yes, patience=2).decide(improving, hist([])).prune
    assert yes.calls == 0
    d = PatiencePruner(yes, patience=2).decide(flat, hist([]))
    assert d.prune and d.attrs["inner"] == 1 and "inner" in d.reason and yes.calls == 1
    assert not PatiencePruner(no, patience=2).decide(flat, hist([])).prune
    assert PatientPruner is PatiencePruner
    wrapped = PatiencePruner(ThresholdPruner(upper=0.5), patience=1)
    assert wrapped.decide(flat, hist([])).prune


def test_bad_arguments():
    with pytest.raises(ValueError, match="patience"):
        PatiencePruner(patience=0)
    with pytest.raises(ValueError, match="min_delta"):
        PatiencePruner(patience=1, min_delta=-1.0)
    with pytest.raises(TypeError, match="pruner"):
        PatiencePruner(object(), patience=1)
