"""tuneforge.samplers._branches: a conditional space's branches, shared by GP and TPE."""

from tuneforge.samplers._branches import (
    branch_of,
    has_space,
    in_joint_space,
    latest_distribution,
    opens_branches,
    param_groups,
)
from tuneforge.space.distributions import Categorical, Float
from tuneforge.trial.records import TrialRecord, TrialState

MODEL = Categorical(("svc", "rf"))
C, GAMMA, DEPTH = Float(1e-3, 1e3, log=True), Float(1e-4, 1.0, log=True), Float(1, 20)


def _t(number, params, dists, state=TrialState.COMPLETE):
    return TrialRecord(number=number, key=f"k{number}", state=state, params=params,
                       distributions=dists, values=(0.0,) if state is TrialState.COMPLETE
                       else None)


TRIALS = [
    _t(0, {"model": "svc", "C": 1.0, "gamma": 0.1}, {"model": MODEL, "C": C, "gamma": GAMMA}),
    _t(1, {"model": "rf", "depth": 5.0}, {"model": MODEL, "depth": DEPTH}),
    _t(2, {"model": "svc", "C": 2.0, "gamma": 0.2}, {"model": MODEL, "C": C, "gamma": GAMMA}),
    _t(3, {"model": "svc", "C": 3.0}, {"model": MODEL, "C": C}, TrialState.RUNNING),
]


def test_branch_of_a_trial_and_its_active_parameters():
    current = _t(9, {"model": "svc"}, {"model": MODEL}, TrialState.RUNNING)
    context, members, branch = branch_of("C", C, current, TRIALS)
    assert context == {"model": "svc"}
    assert [t.number for t in members] == [0, 2, 3]
    assert branch == {"C": C, "gamma": GAMMA}  # the finished members' shared space
    # a parameter no trial has yet: a branch of its own
    assert branch_of("new", DEPTH, current, TRIALS)[2] == {"new": DEPTH}


def test_joint_space_and_opened_branches():
    assert in_joint_space({"model": MODEL}, TRIALS)
    assert not in_joint_space({"C": C}, TRIALS)  # the rf trial lacks it
    assert not in_joint_space({"model": Categorical(("svc",))}, TRIALS)
    assert opens_branches({"model": MODEL}, TRIALS)
    assert not opens_branches({"model": MODEL}, TRIALS[3:])


def test_has_space_needs_the_same_distributions():
    t = TRIALS[0]
    assert has_space(t, [("C", C), ("model", MODEL)])
    assert not has_space(t, [("C", Float(0.0, 1.0))])
    assert not has_space(t, [("depth", DEPTH)])


def test_param_groups_partition_names_by_the_sets_they_occur_in():
    sets = frozenset(frozenset(t.params) for t in TRIALS[:3])
    assert sorted(param_groups(sets)) == [["C", "gamma"], ["depth"], ["model"]]
    assert param_groups(frozenset()) == []


def test_latest_distribution():
    assert latest_distribution(TRIALS, "gamma") == GAMMA
    assert latest_distribution(TRIALS, "missing") is None
