"""TPESampler: contract, reproducibility, conditional spaces, constraints, resume, cost."""

from __future__ import annotations

import numpy as np
import pytest

import tuneforge as tf
from tests.samplers import _objectives as objectives
from tuneforge import Categorical, Float, Int, TrialState
from tuneforge.samplers.tpe import TPESampler
from tuneforge.space import encoding
from tuneforge.storage.cached import Snapshot
from tuneforge.testing import SamplerContract
from tuneforge.trial.records import Direction, TrialRecord


class TestTPEContract(SamplerContract):
    @pytest.fixture
    def sampler(self):
        return TPESampler(n_startup_trials=5)


class TestUnivariateTPEContract(SamplerContract):
    @pytest.fixture
    def sampler(self):
        return TPESampler(n_startup_trials=5, multivariate=False, group=False,
                          consider_endpoints=True)


def _params(study):
    return [dict(t.params) for t in study.trials]


def test_same_seed_same_params():
    a = tf.create_study(sampler=TPESampler(seed=3))
    a.optimize(objectives.mixed, n_trials=25)
    b = tf.create_study(sampler=TPESampler(seed=3))
    b.optimize(objectives.mixed, n_trials=25)
    assert _params(a) == _params(b)
    c = tf.create_study(sampler=TPESampler(seed=4))
    c.optimize(objectives.mixed, n_trials=25)
    assert _params(a) != _params(c)


def test_two_processes_same_seed(tmp_path):
    """With n_jobs=2 each trial's randomness is derived from (seed, number): the random
    start-up trials are identical to a serial run; later ones depend on what had finished
    when they were asked (timing), so they are checked to be valid and model-based."""
    url = f"sqlite:///{tmp_path / 'tpe.db'}"
    serial = tf.create_study(study_name="serial", storage=url,
                             sampler=TPESampler(seed=5, n_startup_trials=8))
    serial.optimize(objectives.sphere3_slow, n_trials=8)
    par = tf.create_study(study_name="par", storage=url,
                          sampler=TPESampler(seed=5, n_startup_trials=8))
    par.optimize(objectives.sphere3_slow, n_trials=16, n_jobs=2)
    trials = par.trials
    assert len(trials) == 16 and all(t.state is TrialState.COMPLETE for t in trials)
    first = {t.number: dict(t.params) for t in trials if t.number < 8}
    assert first == {t.number: dict(t.params) for t in serial.trials}
    assert len({t.system_attrs["worker"] for t in trials}) == 2
    assert all(t.system_attrs.get("sampler") == "TPESampler" for t in trials[8:])


def test_mixed_space_improves_on_random():
    values = []
    for seed in range(2):
        study = tf.create_study(sampler=TPESampler(seed=seed))
        study.optimize(objectives.mixed, n_trials=60)
        values.append(study.best_value)
        assert {t.params["kind"] for t in study.trials} == {"a", "b", "c"}
    assert np.mean(values) < 1.0  # random search averages ~2.5 at 60 trials


def test_conditional_space_samples_each_group_jointly():
    study = tf.create_study(sampler=TPESampler(seed=1))
    study.optimize(objectives.conditional, n_trials=60)
    trials = study.trials
    branches = {t.params["kind"] for t in trials}
    assert branches == {"linear", "tree"}
    for t in trials:
        if t.params["kind"] == "linear":
            assert set(t.params) == {"kind", "c", "w"}
        else:
            assert set(t.params) == {"kind", "depth", "rate"}
    assert study.best_value < 1.05
    # grouped parameters were handed out from one joint proposal: nothing is left over
    assert study.sampler._pending == {}


def _constrained(trial):
    x = trial.suggest_float("x", -2, 2)
    y = trial.suggest_float("y", -2, 2)
    trial.set_constraint([0.5 - x])  # feasible when x >= 0.5: 37.5 % of the box
    return (x - 1) ** 2 + (y - 1.2) ** 2


def _feasible(t):
    return all(c <= 0 for c in t.system_attrs["constraints"])


def test_constraints_make_late_trials_feasible():
    study = tf.create_study(sampler=TPESampler(seed=0))
    study.optimize(_constrained, n_trials=80)
    late = study.trials[-30:]
    assert sum(map(_feasible, late)) >= 0.6 * len(late)  # random: about 37 %
    assert min(t.value for t in study.trials if _feasible(t)) < 0.1


def test_infinite_values_and_maximize_and_several_objectives():
    def obj(trial):
        x = trial.suggest_float("x", 0, 1)
        return float("inf") if x > 0.8 else -x

    study = tf.create_study(direction="maximize", sampler=TPESampler(seed=0,
                                                                     n_startup_trials=5))
    study.optimize(obj, n_trials=30)
    assert study.best_value == float("inf")

    def two(trial):
        x = trial.suggest_float("x", 0, 1)
        return x, (1 - x) ** 2

    mo = tf.create_study(directions=["minimize", "minimize"],
                         sampler=TPESampler(seed=0, n_startup_trials=5))
    mo.optimize(two, n_trials=20)
    assert len(mo.best_trials) >= 2


def test_resume_after_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 'resume.db'}"
    study = tf.create_study(study_name="r", storage=url, sampler=TPESampler(seed=2))
    study.optimize(objectives.sphere5, n_trials=20)
    best_before = study.best_value
    again = tf.load_study("r", storage=url, sampler=TPESampler(seed=2))
    again.optimize(objectives.sphere5, n_trials=20)
    assert len(again.trials) == 40
    assert again.best_value <= best_before
    assert all(t.system_attrs.get("sampler") == "TPESampler" for t in again.trials[20:])


def test_converges_on_sphere_5d():
    hits = 0
    for seed in range(3):
        study = tf.create_study(sampler=TPESampler(seed=seed))
        study.optimize(objectives.sphere5, n_trials=150)
        hits += study.best_value < 1.0
    assert hits >= 2


def test_encodings_are_cached(monkeypatch):
    """A call encodes only the trials that finished since the last call."""
    space = {"a": Float(0, 1), "b": Int(0, 9), "c": Categorical(("x", "y"))}
    rng = np.random.default_rng(0)
    records = []
    for i in range(300):
        p = {"a": float(rng.random()), "b": int(rng.integers(10)),
             "c": ["x", "y"][int(rng.integers(2))]}
        records.append(TrialRecord(number=i, key=f"k{i}", state=TrialState.COMPLETE,
                                   params=p, distributions=space, values=(p["a"],)))
    sampler = TPESampler()
    cur = TrialRecord(number=400, key="cur", state=TrialState.RUNNING)
    sampler.sample(space, Snapshot((Direction.MINIMIZE,), records), rng, cur)
    calls = []
    real = encoding.to_unit
    monkeypatch.setattr(encoding, "to_unit", lambda d, v: calls.append(1) or real(d, v))
    records.append(TrialRecord(number=300, key="k300", state=TrialState.COMPLETE,
                               params={"a": 0.5, "b": 3, "c": "x"}, distributions=space,
                               values=(0.5,)))
    sampler.sample(space, Snapshot((Direction.MINIMIZE,), records), rng, cur)
    assert len(calls) == 2  # the two numeric parameters of the one new trial


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_startup_trials"):
        TPESampler(n_startup_trials=-1)
    with pytest.raises(ValueError, match="n_ei_candidates"):
        TPESampler(n_ei_candidates=0)
    with pytest.raises(ValueError, match="prior_weight"):
        TPESampler(prior_weight=0)


@pytest.mark.parametrize("multivariate", [True, False])
def test_changed_bounds_mid_study_do_not_break_the_estimator(multivariate):
    # after the change only one finished trial matches the new distribution: the "bad"
    # set is empty and the estimator must still build (it used to raise in reshape)
    study = tf.create_study(sampler=tf.TPESampler(seed=0, multivariate=multivariate))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=10)
    study.optimize(lambda t: t.suggest_float("x", 0, 2), n_trials=5, catch=())
    assert all(t.state is tf.TrialState.COMPLETE for t in study.trials)
    assert all(0 <= t.params["x"] <= 2 for t in study.trials[10:])


def _small_discrete(trial):
    k = trial.suggest_int("k", 0, 4)
    c = trial.suggest_categorical("c", ["a", "b", "c"])
    return (k - 3) ** 2 + (c != "b")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_discrete_space_does_not_repeat_configurations(seed):
    """15 configurations: after the start-up trials, TPE proposes ones not yet tried
    (a deterministic objective gains nothing from a repeat)."""
    study = tf.create_study(sampler=TPESampler(seed=seed, n_startup_trials=5))
    study.optimize(_small_discrete, n_trials=15)
    configs = [(t.params["k"], t.params["c"]) for t in study.trials]
    for i in range(5, 15):
        assert configs[i] not in configs[:i], (i, configs)
    assert study.best_value == 0.0  # so the optimum (3, "b") was found


def _curve_trial(number, x, state, last_step, last_value, value=None):
    dist = Float(0.0, 1.0)
    curve = {s: last_value + (last_step - s) for s in range(1, last_step + 1)}
    return TrialRecord(number=number, key=f"c{number}", state=state, params={"x": x},
                       distributions={"x": dist}, intermediate=curve,
                       values=None if value is None else (value,))


def _proposals(trials, n=40):
    sampler = TPESampler(seed=0, n_startup_trials=3)
    history = Snapshot((Direction.MINIMIZE,), trials)
    out = []
    for k in range(n):
        me = TrialRecord(number=100 + k, key=f"new{k}", state=TrialState.RUNNING)
        out.append(sampler.sample({"x": Float(0.0, 1.0)}, history,
                                  np.random.default_rng(k), me).params["x"])
    return np.array(out)


def test_pruned_trials_rank_by_the_step_they_reached_then_their_last_value():
    # good set of 21 trials: gamma = 3. One complete trial at 0.4; five pruned at step 3
    # near 0.1 (last values 2..6); fifteen pruned at step 1 near 0.8 with better last
    # values (0.5). Depth first: the good set is 0.4, 0.1, 0.11, never the 0.8 cluster
    trials = [_curve_trial(0, 0.4, TrialState.COMPLETE, 9, 5.0, value=5.0)]
    trials += [_curve_trial(1 + i, 0.1 + 0.01 * i, TrialState.PRUNED, 3, 2.0 + i)
               for i in range(5)]
    trials += [_curve_trial(6 + i, 0.8 + 0.005 * i, TrialState.PRUNED, 1, 0.5)
               for i in range(15)]
    x = _proposals(trials)
    assert np.median(np.abs(x - 0.8)) > 0.25 and np.mean(x < 0.5) > 0.8
    # all pruned at the same step: the last value decides, and the 0.8 cluster is good
    flat = trials[:1] + [_curve_trial(t.number, t.params["x"], TrialState.PRUNED, 1,
                                      t.intermediate[max(t.intermediate)])
                         for t in trials[1:]]
    assert np.mean(_proposals(flat) > 0.6) > 0.5


def test_pruned_trials_count_towards_the_start_up():
    trials = [_curve_trial(i, 0.05 * i, TrialState.PRUNED, 2, float(i)) for i in range(3)]
    sampler = TPESampler(seed=0, n_startup_trials=3)
    me = TrialRecord(number=50, key="me", state=TrialState.RUNNING)
    got = sampler.sample({"x": Float(0.0, 1.0)}, Snapshot((Direction.MINIMIZE,), trials),
                         np.random.default_rng(0), me)
    random = TPESampler(seed=0, n_startup_trials=4).sample(
        {"x": Float(0.0, 1.0)}, Snapshot((Direction.MINIMIZE,), trials),
        np.random.default_rng(0), me)
    assert got.params != random.params  # modelled, not the start-up draw
