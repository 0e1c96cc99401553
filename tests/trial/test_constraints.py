"""tuneforge.trial.constraints: a trial's constraints and violation, read from its record."""

from tuneforge.trial.constraints import constraints_of, violation
from tuneforge.trial.records import TrialRecord, TrialState


def _record(**system_attrs):
    return TrialRecord(number=0, key="k", state=TrialState.COMPLETE, values=(1.0,),
                       system_attrs=system_attrs)


def test_unconstrained_and_feasible_trials_violate_nothing():
    assert constraints_of(_record()) is None and violation(_record()) == 0.0
    assert violation(_record(constraints=[])) == 0.0
    assert violation(_record(constraints=[-1.0, 0.0])) == 0.0


def test_violation_is_the_sum_of_positive_constraints():
    r = _record(constraints=[0.5, -2.0, 1.5])
    assert constraints_of(r) == [0.5, -2.0, 1.5]
    assert violation(r) == 2.0
