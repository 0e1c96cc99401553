import numpy as np
import pytest

import tuneforge as tf
from tuneforge import BOHBSampler, Float, HyperbandPruner, TrialState
from tuneforge.samplers.bohb import FINAL, good_size, model_split, observations
from tuneforge.storage.cached import Snapshot
from tuneforge.trial.records import Direction, TrialRecord


def _t(number, x, curve, state=TrialState.PRUNED, value=None):
    return TrialRecord(number=number, key=f"t{number}", state=state, params={"x": x},
                       distributions={"x": Float(0.0, 1.0)}, intermediate=curve,
                       values=None if value is None else (value,))


def test_the_model_budget_is_the_highest_with_enough_observations():
    trials = [_t(i, i / 10, {1: 1.0, 3: 1.0}) for i in range(4)]
    trials += [_t(4, 0.5, {1: 1.0, 3: 1.0, 9: 1.0}), _t(5, 0.6, {}, TrialState.COMPLETE, 2.0)]
    obs = observations(trials, 1.0)
    assert {b: len(v) for b, v in obs.items()} == {1.0: 5, 3.0: 5, 9.0: 1, FINAL: 1}
    # 5 observations split into 2 good + 3 bad (n_min=2); at n_min=3, 3 good leave 2 bad
    assert model_split(obs, 2, 15.0) == (3.0, 2)
    assert model_split(obs, 3, 15.0) is None
    assert observations([_t(0, 0.1, {1: 2.0})], -1.0)[1.0][0][1] == -2.0  # maximize


def test_the_good_and_bad_sets_are_disjoint_so_a_thin_budget_is_skipped():
    # step 9 has 7 observations: with n_min=5 the good set (5) would leave 2 bad ones,
    # so the model falls back to step 3 (12 observations: 5 good, 7 bad)
    trials = [_t(i, i / 20, {3: float(i), 9: float(i)} if i < 7 else {3: float(i)})
              for i in range(12)]
    obs = observations(trials, 1.0)
    assert good_size(7, 5, 15.0) == 5 and good_size(40, 5, 15.0) == 6
    assert model_split(obs, 5, 15.0) == (3.0, 5)
    _, attrs = _propose(trials, n=1, min_points_in_model=5)
    assert attrs["bohb_budget"] == 3.0


def _propose(trials, n=30, **kw):
    sampler = BOHBSampler(random_fraction=0.0, **kw)
    history = Snapshot((Direction.MINIMIZE,), trials)
    out = []
    for k in range(n):
        me = TrialRecord(number=100 + k, key=f"n{k}", state=TrialState.RUNNING)
        s = sampler.sample({"x": Float(0.0, 1.0)}, history, np.random.default_rng(k), me)
        out.append(s.params["x"])
    return np.array(out), s.attrs


def test_it_models_the_highest_budget_not_the_lowest():
    # at step 1 the trials near 0.9 look best; at step 4, which enough trials reached,
    # those near 0.2 are. BOHB follows step 4
    trials = []
    for i in range(20):
        x = 0.2 + 0.01 * i if i < 10 else 0.9 - 0.01 * (i - 10)
        good_late = i < 10
        curve = {1: (2.0 if good_late else 1.0) + 0.01 * i}
        if i % 2 == 0 or i < 10:
            curve[4] = (0.1 if good_late and i < 3 else 0.5 + 0.01 * i)
        trials.append(_t(i, x, curve))
    x, attrs = _propose(trials)
    assert attrs["bohb_budget"] == 4.0
    assert np.median(np.abs(x - 0.21)) < 0.1


def test_random_until_a_budget_has_enough_and_at_random_fraction():
    few = [_t(i, 0.5, {1: 1.0}) for i in range(2)]
    _, attrs = _propose(few)
    assert attrs["bohb_budget"] is None
    s = BOHBSampler(random_fraction=1.0)
    me = TrialRecord(number=1, key="me", state=TrialState.RUNNING)
    many = [_t(i, 0.5, {1: float(i)}) for i in range(30)]
    a = s.sample({"x": Float(0.0, 1.0)}, Snapshot((Direction.MINIMIZE,), many),
                 np.random.default_rng(0), me)
    assert a.attrs["bohb_budget"] is None


def test_with_hyperband_in_a_study():
    def objective(trial):
        x = trial.suggest_float("x", -2, 2)
        c = trial.suggest_categorical("c", ["a", "b"])
        for step in range(1, 10):
            trial.report((x - 0.5) ** 2 + (c == "b") + 1.0 / step, step)
            if trial.should_prune():
                raise tf.TrialPruned()
        return (x - 0.5) ** 2 + (c == "b")

    study = tf.create_study(sampler=BOHBSampler(seed=0), seed=0,
                            pruner=HyperbandPruner(min_resource=1, max_resource=9))
    study.optimize(objective, n_trials=60)
    assert study.best_value < 0.05 and study.best_params["c"] == "a"
    assert any(t.system_attrs.get("bohb_budget") for t in study.trials)
    assert any(t.state is TrialState.PRUNED for t in study.trials)


def test_bad_arguments_and_several_objectives():
    with pytest.raises(ValueError, match="top_n_percent"):
        BOHBSampler(top_n_percent=0)
    with pytest.raises(ValueError, match="random_fraction"):
        BOHBSampler(random_fraction=1.5)
    me = TrialRecord(number=1, key="me", state=TrialState.RUNNING)
    with pytest.raises(ValueError, match="single-objective"):
        BOHBSampler().sample({"x": Float(0, 1)}, Snapshot(
            (Direction.MINIMIZE, Direction.MINIMIZE), []), np.random.default_rng(0), me)
