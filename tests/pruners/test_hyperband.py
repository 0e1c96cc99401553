import collections

import pytest

import tuneforge as tf
from tuneforge import HyperbandPruner, TrialState
from tuneforge.pruners.hyperband import bracket_sizes, n_brackets
from tuneforge.samplers import BaseSampler, Suggestion

from ._curves import hist, rec


def test_bracket_arithmetic():
    assert n_brackets(1, 81, 3) == 5 and n_brackets(1, 80, 3) == 4
    assert n_brackets(1, 1, 3) == 1 and n_brackets(2, 50, 3) == 3  # 2, 6, 18 (54 > 50)
    # Li et al. 2018, table 1 (R = 81, eta = 3): n_s = 81, 34, 15, 8, 5 for s = 4..0
    assert bracket_sizes(5, 3) == [81, 34, 15, 8, 5]
    p = HyperbandPruner(min_resource=1, max_resource=81, reduction_factor=3)
    assert p.n_brackets == 5
    counts = collections.Counter(p.bracket(n, seed=7) for n in range(14300))
    total = sum(bracket_sizes(5, 3))
    for b, size in enumerate(bracket_sizes(5, 3)):  # drawn in proportion to the sizes
        assert abs(counts[b] / 14300 - size / total) < 0.02
    # deterministic from the seed and the number; another seed, other brackets
    assert [p.bracket(n, 7) for n in range(50)] == [p.bracket(n, 7) for n in range(50)]
    assert [p.bracket(n, 7) for n in range(50)] != [p.bracket(n, 8) for n in range(50)]


def test_each_bracket_prunes_from_its_own_rung_against_its_own_trials():
    p = HyperbandPruner(min_resource=1, max_resource=9, reduction_factor=3)  # rungs 1, 3, 9
    seed = 0
    by_bracket = collections.defaultdict(list)
    for n in range(60):
        by_bracket[p.bracket(n, seed)].append(n)
    b0, b1 = by_bracket[0], by_bracket[1]
    # a good trial in bracket 1 does not count against bracket 0 at step 1
    done = [rec(b1[0], {1: 0.0, 3: 0.0, 9: 0.0}), rec(b0[0], {1: 5.0, 3: 5.0, 9: 5.0})]
    d = p.decide(rec(b0[1], {1: 4.0}, TrialState.RUNNING), hist(done, seed=seed))
    assert not d.prune  # best in bracket 0
    d = p.decide(rec(b0[1], {1: 6.0}, TrialState.RUNNING), hist(done, seed=seed))
    assert d.prune and d.attrs["prune_bracket"] == 0 and d.attrs["prune_rung"] == 0
    assert d.attrs["prune_n_trials"] == 2
    # bracket 1 starts at step 3: a bad step 1 is never judged there
    assert not p.decide(rec(b1[1], {1: 9.0}, TrialState.RUNNING), hist(done, seed=seed)).prune
    d = p.decide(rec(b1[1], {1: 9.0, 3: 9.0}, TrialState.RUNNING), hist(done, seed=seed))
    assert d.prune and d.attrs["prune_bracket"] == 1 and d.attrs["prune_rung_step"] == 3


class _Recorder(BaseSampler):
    """Uniform, and remembers which trial numbers each call saw."""

    def __init__(self):
        super().__init__()
        self.seen = {}

    def sample(self, space, history, rng, trial):
        self.seen[trial.number] = [t.number for t in history.trials()]
        return Suggestion({n: d.low for n, d in space.items()})


def test_samplers_see_only_their_bracket_unless_multi_fidelity():
    pruner = HyperbandPruner(min_resource=1, max_resource=9, reduction_factor=3)
    sampler = _Recorder()
    study = tf.create_study(sampler=sampler, pruner=pruner, seed=3)

    def objective(trial):
        return trial.suggest_float("x", 0, 1) + trial.suggest_float("y", 0, 1)

    study.optimize(objective, n_trials=30)
    assert len(sampler.seen) >= 25
    for number, seen in sampler.seen.items():
        mine = pruner.bracket(number, study.seed)
        assert all(pruner.bracket(n, study.seed) == mine for n in seen)
        assert number in seen
    assert any(len(s) > 1 for s in sampler.seen.values())
    sampler.multi_fidelity = True  # BOHB's declaration: the whole history
    sampler.seen.clear()
    study.optimize(objective, n_trials=1)
    (seen,) = sampler.seen.values()
    assert len(seen) == 31


def test_bad_arguments():
    with pytest.raises(ValueError, match="max_resource"):
        HyperbandPruner(min_resource=10, max_resource=5)
    with pytest.raises(ValueError, match="'auto'"):
        HyperbandPruner(max_resource="big")
    with pytest.raises(ValueError, match="pass max_resource"):
        HyperbandPruner().bracket(0, seed=0)  # "auto" needs the resolved value
    with pytest.raises(ValueError, match="reduction_factor"):
        HyperbandPruner(max_resource=9, reduction_factor=1)


def test_auto_max_resource_follows_the_completed_trials():
    auto = HyperbandPruner(min_resource=1, reduction_factor=3)  # max_resource="auto"
    fixed = HyperbandPruner(min_resource=1, max_resource=9, reduction_factor=3)
    assert auto.max_resource == "auto" and auto.n_brackets is None
    running = rec(5, {1: 9.0}, TrialState.RUNNING)
    # before any trial completed: no bracket, no prune, samplers see everything
    only_running = hist([rec(1, {1: 0.0}, TrialState.RUNNING)], seed=0)
    assert auto.resolved_max_resource(only_running) is None
    d = auto.decide(running, only_running)
    assert not d.prune and "auto" in d.reason
    assert auto.restrict_history(only_running, running) is only_running
    # once trials completed, the largest last step is max_resource and the decisions are
    # those of the fixed pruner with that value
    done = [rec(n, {s: float(n) for s in range(1, 10)}) for n in range(40)]
    assert auto.resolved_max_resource(hist(done, seed=0)) == 9
    for number in range(40, 80):
        for value in (0.5, 20.0, 39.5):
            trial = rec(number, {1: value, 3: value}, TrialState.RUNNING)
            assert (auto.decide(trial, hist(done, seed=0))
                    == fixed.decide(trial, hist(done, seed=0)))
            assert fixed.bracket(number, 0) == auto.bracket(number, 0, max_resource=9)


def test_auto_hyperband_prunes_in_a_study():
    study = tf.create_study(pruner=HyperbandPruner(min_resource=1), seed=1)

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        for step in range(1, 10):
            trial.report(x * step, step)
            if trial.should_prune():
                raise tf.TrialPruned()
        return x * 9

    study.optimize(objective, n_trials=40)
    states = collections.Counter(t.state for t in study.trials)
    assert states[TrialState.PRUNED] >= 5 and states[TrialState.COMPLETE] >= 5
    pruned = [t for t in study.trials if t.state == TrialState.PRUNED]
    assert all("prune_bracket" in t.system_attrs for t in pruned)
