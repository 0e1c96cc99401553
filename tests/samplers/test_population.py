"""tuneforge.samplers._population: the census of generations, members read once (and
again for another history), the operator share, the genome split."""

from __future__ import annotations

import numpy as np

from tuneforge.samplers._population import Genome, PopulationReader, operator_share
from tuneforge.space.distributions import Categorical, Float, Int
from tuneforge.storage.cached import Snapshot
from tuneforge.trial.records import Direction, TrialRecord, TrialState

X = Float(0.0, 1.0)
DIRS = (Direction.MINIMIZE, Direction.MAXIMIZE)


def _t(number, state, x=None, values=None, **attrs):
    params = {} if x is None else {"x": x}
    dists = {} if x is None else {"x": X}
    return TrialRecord(number=number, key=f"k{number}", state=state, params=params,
                       distributions=dists, values=values, system_attrs=attrs)


def test_census_counts_generations_and_reads_members():
    trials = [
        _t(0, TrialState.COMPLETE, 0.2, (1.0, 2.0), generation=0),
        _t(1, TrialState.COMPLETE, 0.4, (3.0, 1.0), generation=0, constraints=[0.5, -1]),
        _t(2, TrialState.FAIL, 0.1, None, generation=1),            # not counted
        _t(3, TrialState.RUNNING, 0.3, None, generation=1, subproblem=2),
        _t(4, TrialState.PRUNED, 0.5, None, generation=1),          # counted, no member
        _t(5, TrialState.RUNNING, None, None, generation=1),        # the one sampled
    ]
    reader = PopulationReader()
    census = reader.read({"x": X}, Snapshot(DIRS, trials), trials[5])
    assert census.counts == {0: 2, 1: 2}
    assert census.taken == {1: {2}}
    m = census.members
    assert m.numbers == [0, 1]
    assert m.losses.tolist() == [[1.0, -2.0], [3.0, -1.0]]  # maximized: negated
    assert m.violation.tolist() == [0.0, 0.5]
    assert m.genes.ravel().tolist() == [0.2, 0.4]
    # the running trial finishes: read once more, the finished ones are not re-read
    done = _t(3, TrialState.COMPLETE, 0.3, (0.5, 0.5), generation=1, subproblem=2)
    again = reader.read({"x": X}, Snapshot(DIRS, [*trials[:3], done, *trials[4:]]),
                        trials[5])
    assert again.members.numbers == [0, 1, 3]
    assert again.members.origin.tolist() == [-1, -1, 2]
    assert again.counts == {0: 2, 1: 2}


def test_members_come_in_trial_order_and_another_history_is_read_afresh():
    late_first = [_t(0, TrialState.RUNNING, 0.1), _t(1, TrialState.COMPLETE, 0.2, (1, 1))]
    reader = PopulationReader()
    current = _t(9, TrialState.RUNNING)
    reader.read({"x": X}, Snapshot(DIRS, late_first), current)
    both = [_t(0, TrialState.COMPLETE, 0.1, (2, 2)), late_first[1]]
    assert reader.read({"x": X}, Snapshot(DIRS, both), current).members.numbers == [0, 1]
    other = [_t(5, TrialState.COMPLETE, 0.7, (0, 0))]  # a sampler reused on another study
    assert reader.read({"x": X}, Snapshot(DIRS, other), current).members.numbers == [5]


def test_operator_share_follows_survival():
    operator = np.array([-1, -1, 0, 0, 1, 1])
    generation = np.array([0, 0, 1, 1, 1, 1])
    # both children with the long step survived, none of the short ones: (2+1)/(2+2) vs 1/4
    share = operator_share(operator, np.array([0, 4, 5]), generation, 2)
    assert share == 0.75
    assert operator_share(operator, np.array([0, 1]), generation, 1) == 0.5  # no children
    assert operator_share(operator, np.array([2, 3]), generation, 2) == 0.25


def test_genome_splits_and_rebuilds_params():
    space = {"a": Float(0.0, 10.0), "k": Categorical(("x", "y", "z")), "n": Int(1, 5)}
    genome = Genome(space)
    assert genome.is_cat.tolist() == [False, True, False]
    assert genome.n_choices.tolist() == [3]
    params = genome.params(np.array([0.5, 1.0]), np.array([2]))
    assert list(params) == ["a", "k", "n"] and params["k"] == "z"
    assert params["a"] == 5.0 and params["n"] == 5
    rng = np.random.default_rng(0)
    child = genome.mutate_categorical(rng, np.array([0.1, 0.0, 0.2]),
                                      np.array([0.3, 2.0, 0.4]), 0.0)
    assert child.tolist() in ([0], [2])
