"""GPSampler: Bayesian optimization with a Gaussian process."""

import math

import numpy as np
import pytest

import tuneforge as tf
from tests.samplers import _objectives as objectives
from tuneforge import Categorical, Float, Int
from tuneforge.samplers.gp import GPSampler
from tuneforge.storage.cached import Snapshot
from tuneforge.testing import SamplerContract
from tuneforge.trial.records import Direction, TrialRecord, TrialState


class TestGPSampler(SamplerContract):
    @pytest.fixture
    def sampler(self):
        return GPSampler(seed=0)


class TestGPSamplerShortStartup(SamplerContract):
    @pytest.fixture
    def sampler(self):
        return GPSampler(seed=1, n_startup_trials=2, acquisition="ucb", noisy=True)


def _study(sampler, **kw):
    return tf.create_study(sampler=sampler, **kw)


def _sphere(d, shift=0.37):
    def objective(trial):
        x = np.array([trial.suggest_float(f"x{i}", -5, 5) for i in range(d)])
        return float(((x - shift * np.arange(1, d + 1)) ** 2).sum())
    return objective


def _branin(trial):
    x = trial.suggest_float("x", -5, 10)
    y = trial.suggest_float("y", 0, 15)
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (y - b * x**2 + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10


BRANIN_MIN = 0.397887


# -- behaviour in a study --------------------------------------------------------------
def test_startup_then_model_and_attrs():
    s = _study(GPSampler(seed=0, n_startup_trials=4), seed=0)
    s.optimize(_sphere(2), n_trials=8)
    phases = [t.system_attrs.get("gp_phase") for t in s.trials]
    # trial 0 has an empty joint space (sampled by the fallback), then Sobol until 4
    # trials are complete, then the model
    assert phases == [None] + ["startup"] * 3 + ["model"] * 4
    last = s.trials[-1].system_attrs
    assert last["sampler"] == "GPSampler" and last["acquisition_function"] == "logei"
    assert isinstance(last["acquisition"], float)


def test_every_other_model_trial_minimizes_the_model_mean():
    s = _study(GPSampler(seed=0, n_startup_trials=4, greedy_every=2), seed=0)
    s.optimize(_sphere(2), n_trials=12)
    kinds = {t.number: t.system_attrs["acquisition_function"] for t in s.trials
             if t.system_attrs.get("gp_phase") == "model"}
    assert len(kinds) == 8
    assert kinds == {n: "mean" if n % 2 == 0 else "logei" for n in kinds}
    off = _study(GPSampler(seed=0, n_startup_trials=4, greedy_every=0), seed=0)
    off.optimize(_sphere(2), n_trials=8)
    assert {t.system_attrs.get("acquisition_function") for t in off.trials} == {None, "logei"}


def test_greedy_proposals_exploit_the_model_without_repeating_a_point():
    s = _study(GPSampler(seed=1, n_startup_trials=5, greedy_every=1), seed=1)
    s.optimize(_sphere(2), n_trials=14)
    points = [tuple(t.params.values()) for t in s.trials]
    assert len(set(points)) == len(points)
    assert all(t.system_attrs["acquisition_function"] == "mean" for t in s.trials[5:])
    # a convex bowl: following the model's mean homes in on the minimum
    assert s.best_value < 1e-2 < min(t.value for t in s.trials[:5])


def test_same_seed_same_study():
    def run():
        s = _study(GPSampler(seed=3, n_startup_trials=3))
        s.optimize(_sphere(2), n_trials=10)
        return [dict(t.params) for t in s.trials]

    assert run() == run()


def test_beats_random_search_on_branin_and_a_5d_sphere():
    wins = {"branin": 0, "sphere5": 0}
    for seed in range(3):
        for name, objective, n, f_min in (("branin", _branin, 30, BRANIN_MIN),
                                          ("sphere5", _sphere(5), 45, 0.0)):
            regret = {}
            for sampler in (GPSampler(seed=seed), tf.RandomSampler(seed=seed)):
                s = _study(sampler, seed=seed)
                s.optimize(objective, n_trials=n)
                regret[type(sampler).__name__] = s.best_value - f_min
            if regret["GPSampler"] < 0.1 * regret["RandomSampler"]:
                wins[name] += 1
    assert wins["branin"] >= 2 and wins["sphere5"] >= 2, wins


def test_maximization():
    s = _study(GPSampler(seed=0), direction="maximize", seed=0)
    s.optimize(lambda t: -_sphere(2)(t), n_trials=25)
    assert s.best_value > -0.05


def test_mixed_space_float_log_int_step_categorical():
    def objective(trial):
        x = trial.suggest_float("x", -3, 3)
        lr = trial.suggest_float("lr", 1e-5, 1, log=True)
        n = trial.suggest_int("n", 1, 100)
        nl = trial.suggest_int("nl", 1, 1024, log=True)
        st = trial.suggest_float("st", 0, 1, step=0.1)
        c = trial.suggest_categorical("c", ["a", "b", "c", None])
        return ((x - 1) ** 2 + (math.log10(lr) + 3) ** 2 + ((n - 42) / 10) ** 2
                + (math.log2(nl) - 5) ** 2 / 4 + (st - 0.7) ** 2 + (0 if c == "b" else 1))

    s = _study(GPSampler(seed=1), seed=1)
    s.optimize(objective, n_trials=40)
    r = _study(tf.RandomSampler(seed=1), seed=1)
    r.optimize(objective, n_trials=40)
    assert s.best_value < 0.2 < r.best_value
    assert s.best_params["c"] == "b"
    for t in s.trials:
        assert isinstance(t.params["n"], int) and t.params["c"] in ("a", "b", "c", None)
        assert abs(t.params["st"] * 10 - round(t.params["st"] * 10)) < 1e-9


def test_constraints_steer_to_the_feasible_optimum():
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        y = trial.suggest_float("y", 0, 1)
        trial.set_constraint([1.0 - x - y])      # feasible when x + y >= 1
        return x * x + y * y

    s = _study(GPSampler(seed=0, n_startup_trials=5), seed=0)
    s.optimize(objective, n_trials=30)
    feasible = [t for t in s.trials if t.system_attrs["constraints"][0] <= 0]
    best = min(t.value for t in feasible)
    assert best < 0.52                           # optimum 0.5 at (0.5, 0.5)
    model = [t for t in s.trials if t.system_attrs.get("gp_phase") == "model"]
    ok = sum(t.system_attrs["constraints"][0] <= 1e-3 for t in model)
    assert ok >= 0.7 * len(model)
    # the unconstrained optimum (0, 0) is not where it went
    assert all(t.value > 0.3 for t in model[-5:])


def test_constraints_with_no_feasible_point_yet():
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        trial.set_constraint([0.95 - x])        # feasible only for x >= 0.95
        return x

    s = _study(GPSampler(seed=0, n_startup_trials=3, constraints=True), seed=0)
    s.optimize(objective, n_trials=10)
    assert any(t.params["x"] >= 0.95 for t in s.trials)


def test_pending_trials_are_not_proposed_again():
    s = _study(GPSampler(seed=0, n_startup_trials=4), seed=0)
    s.optimize(_sphere(2), n_trials=10)
    # parameters already set on a RUNNING trial
    a = s.ask()
    pa = {k: a.suggest_float(k, -5, 5) for k in ("x0", "x1")}
    b = s.ask()
    pb = {k: b.suggest_float(k, -5, 5) for k in ("x0", "x1")}
    assert pa != pb
    assert math.dist(pa.values(), pb.values()) > 1e-3
    # a batch of asks before any suggest: the sampler remembers its own proposals
    batch = [s.ask() for _ in range(3)]
    points = [tuple(t.suggest_float(k, -5, 5) for k in ("x0", "x1")) for t in batch]
    assert len(set(points)) == 3
    for t in (a, b, *batch):
        s.tell(t, 1.0)


def test_failed_trials_and_failing_half_the_time():
    calls = {"n": 0}

    def objective(trial):
        x = trial.suggest_float("x", -2, 2)
        y = trial.suggest_float("y", -2, 2)
        calls["n"] += 1
        if calls["n"] % 2 == 0:
            raise RuntimeError("flaky")
        return (x - 0.5) ** 2 + (y + 0.3) ** 2

    s = _study(GPSampler(seed=2, n_startup_trials=4), seed=2)
    s.optimize(objective, n_trials=30)
    states = [t.state for t in s.trials]
    assert states.count(TrialState.FAIL) == 15
    assert s.best_value < 0.05
    failed = {tuple(t.params.values()) for t in s.trials if t.state is TrialState.FAIL}
    tried = [tuple(t.params.values()) for t in s.trials]
    assert len(set(tried)) == len(tried) and len(failed) == 15


def test_pruned_trials_are_skipped_by_the_model_and_not_repeated():
    def objective(trial):
        x = trial.suggest_float("x", -1, 1)
        trial.report(x * x, 0)
        if x < 0:
            raise tf.TrialPruned()
        return (x - 0.3) ** 2

    s = _study(GPSampler(seed=0, n_startup_trials=3), seed=0)
    s.optimize(objective, n_trials=20)
    xs = [t.params["x"] for t in s.trials]
    assert len(set(xs)) == len(xs)
    assert s.best_value < 1e-3


@pytest.mark.parametrize("bad", [math.inf, -math.inf])
def test_infinite_values(bad):
    def objective(trial):
        x = trial.suggest_float("x", -1, 1)
        if trial.number % 3 == 1:
            return bad
        return (x - 0.2) ** 2

    s = _study(GPSampler(seed=0, n_startup_trials=3), seed=0)
    s.optimize(objective, n_trials=15)
    assert len([t for t in s.trials if t.state is TrialState.COMPLETE]) == 15


def test_constant_objective_and_duplicated_points():
    s = _study(GPSampler(seed=0, n_startup_trials=2), seed=0)
    for _ in range(4):
        s.enqueue_trial({"x": 0.5, "k": 3})
    s.optimize(lambda t: t.suggest_float("x", 0, 1) * 0 + t.suggest_int("k", 0, 5) * 0 + 1.0,
               n_trials=12)
    assert len(s.trials) == 12
    assert all(t.state is TrialState.COMPLETE for t in s.trials)
    model = [t for t in s.trials if t.system_attrs.get("gp_phase") == "model"]
    assert model


def test_one_and_twenty_dimensions():
    s = _study(GPSampler(seed=0), seed=0)
    s.optimize(_sphere(1), n_trials=15)
    assert s.best_value < 1e-3
    s20 = _study(GPSampler(seed=0, n_startup_trials=10), seed=0)
    s20.optimize(_sphere(20, shift=0.1), n_trials=24)
    assert s20.trials[-1].system_attrs["gp_phase"] == "model"
    first = min(t.value for t in s20.trials[:11])
    assert s20.best_value < first


def test_parameters_outside_the_joint_space_are_sampled_at_random():
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if x > 0.5:
            trial.suggest_int("extra", 0, 10)
        return x

    s = _study(GPSampler(seed=0, n_startup_trials=2), seed=0)
    s.optimize(objective, n_trials=12)
    extra = [t for t in s.trials if "extra" in t.params]
    assert extra and all("extra" in t.system_attrs["independent_params"] for t in extra)


def test_subset_fit_beyond_max_fit_trials_is_reported():
    s = _study(GPSampler(seed=0, n_startup_trials=3, max_fit_trials=10), seed=0)
    s.optimize(_sphere(2), n_trials=14)
    assert s.trials[-1].system_attrs["gp_n_train"] == 10


def test_model_failure_falls_back_to_sobol(monkeypatch):
    import tuneforge.math.gp as gp_module

    def broken(*args, **kwargs):
        raise np.linalg.LinAlgError("not positive definite")

    monkeypatch.setattr(gp_module, "GP", broken)
    s = _study(GPSampler(seed=0, n_startup_trials=2), seed=0)
    s.optimize(_sphere(2), n_trials=5)
    attrs = s.trials[-1].system_attrs
    assert attrs["gp_phase"] == "fallback" and "positive definite" in attrs["gp_error"]


# -- direct calls ------------------------------------------------------------------------
def _record(number, params=None, value=None, state=TrialState.COMPLETE, space=None):
    return TrialRecord(number=number, key=f"k{number}", state=state, params=params or {},
                       distributions=dict(space or {}),
                       values=None if value is None else (value,))


def test_several_objectives_are_handed_to_multi_objective_bo():
    def two(trial):
        x = trial.suggest_float("x", 0, 1)
        y = trial.suggest_float("y", 0, 1)
        return x, (1 - x) ** 2 + y

    s = _study(GPSampler(seed=0, n_startup_trials=4), seed=0,
               directions=["minimize", "minimize"])
    s.optimize(two, n_trials=10, catch=())
    model = [t for t in s.trials if t.system_attrs.get("mobo_phase") == "model"]
    assert len(model) == 6
    assert all(t.system_attrs["sampler"] == "GPSampler" and
               t.system_attrs["gp_model"] == "MOBOSampler" for t in model)
    assert len(s.best_trials) >= 2
    # the sampler's settings travel to the model
    assert s.sampler._mobo.n_startup_trials == 4 and s.sampler._mobo.seed == 0


def test_arguments_are_validated():
    with pytest.raises(ValueError, match="acquisition"):
        GPSampler(acquisition="pi")
    with pytest.raises(ValueError, match="n_startup_trials"):
        GPSampler(n_startup_trials=0)
    for bad in (-1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="greedy_every must be an int >= 0"):
            GPSampler(greedy_every=bad)


def test_integer_and_categorical_proposals_are_valid_values():
    space = {"i": Int(0, 4), "c": Categorical(("u", "v", "w")), "s": Float(0, 1, step=0.25)}
    rng = np.random.default_rng(0)
    trials = []
    for n in range(12):
        params = {"i": int(rng.integers(0, 5)), "c": ["u", "v", "w"][n % 3],
                  "s": float(rng.integers(0, 5)) / 4}
        v = (params["i"] - 3) ** 2 + (params["c"] != "w") + params["s"]
        trials.append(_record(n, params, float(v), space=space))
    hist = Snapshot((Direction.MINIMIZE,), trials)
    for n in range(12, 16):
        out = GPSampler(seed=0).sample(space, hist, np.random.default_rng(n),
                                       _record(n, state=TrialState.RUNNING)).params
        assert all(space[k].contains(v) for k, v in out.items())




@pytest.mark.slow
def test_trust_region_on_continuous_spaces_by_default():
    def ten(trial):
        return sum((trial.suggest_float(f"x{i}", -5, 5) - 1) ** 2 for i in range(10))

    study = tf.create_study(sampler=GPSampler(seed=0, n_startup_trials=5))
    study.optimize(ten, n_trials=7)
    model = [t for t in study.trials if t.system_attrs.get("gp_phase") == "model"]
    assert model and all(0 < t.system_attrs["gp_trust_region"] <= 1.6 for t in model)
    off = tf.create_study(sampler=GPSampler(seed=0, trust_region=False, n_startup_trials=5))
    off.optimize(ten, n_trials=6)
    assert off.trials[-1].system_attrs["gp_phase"] == "model"
    assert not any("gp_trust_region" in t.system_attrs for t in off.trials)
    small = tf.create_study(sampler=GPSampler(seed=0))   # five continuous parameters
    small.optimize(objectives.sphere5, n_trials=7)
    assert small.trials[-1].system_attrs["gp_trust_region"] > 0

    def with_int(trial):   # an integer grid: the global search
        return trial.suggest_float("x", -5, 5) ** 2 + (trial.suggest_int("n", 0, 9) - 4) ** 2

    mixed = tf.create_study(sampler=GPSampler(seed=0))
    mixed.optimize(with_int, n_trials=7)
    assert mixed.trials[-1].system_attrs["gp_phase"] == "model"
    assert not any("gp_trust_region" in t.system_attrs for t in mixed.trials)


def test_a_proposal_made_while_trials_run_says_how_many_it_fantasized():
    s = _study(GPSampler(seed=0, n_startup_trials=5), seed=0)
    s.optimize(_sphere(2), n_trials=12)
    assert not any("gp_pending" in t.system_attrs for t in s.trials)  # one at a time
    batch = [s.ask() for _ in range(4)]   # four in flight, none told yet
    points = [tuple(t.suggest_float(k, -5, 5) for k in ("x0", "x1")) for t in batch]
    assert len(set(points)) == 4
    assert [s.trials[t.number].system_attrs.get("gp_pending") for t in batch] == \
        [None, 1, 2, 3]
    for t in batch:
        s.tell(t, 1.0)


def test_one_greedy_trial_runs_at_a_time():
    # fantasies leave the model's mean unchanged, so a second greedy trial in flight
    # would propose next to the first: the others maximize log EI
    s = _study(GPSampler(seed=0, n_startup_trials=5, greedy_every=2), seed=0)
    s.optimize(_sphere(2), n_trials=12)
    batch = [s.ask() for _ in range(4)]
    for t in batch:
        t.suggest_float("x0", -5, 5), t.suggest_float("x1", -5, 5)
    kinds = [s.trials[t.number].system_attrs.get("acquisition_function") for t in batch]
    assert [t.number for t in batch] == [12, 13, 14, 15]
    assert kinds == ["mean", "logei", "logei", "logei"]
    for t in batch:
        s.tell(t, 1.0)
    s.optimize(_sphere(2), n_trials=1)
    assert s.trials[-1].system_attrs["acquisition_function"] == "mean"
