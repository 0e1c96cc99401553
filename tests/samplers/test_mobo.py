"""MOBOSampler: multi-objective Bayesian optimization with expected hypervolume
improvement."""

import math

import numpy as np
import pytest

import tuneforge as tf
from tuneforge.math.hypervolume import hypervolume
from tuneforge.samplers.mobo import MOBOSampler
from tuneforge.testing import SamplerContract

TWO = ["minimize", "minimize"]


class TestMOBOSampler(SamplerContract):
    @pytest.fixture
    def sampler(self):
        return MOBOSampler(seed=0, n_startup_trials=10)   # a few model rounds: fast


def _zdt1(n):
    """ZDT1 with n variables (Zitzler, Deb & Thiele 2000): front f2 = 1 - sqrt(f1) at
    x1..xn-1 = 0."""
    def objective(trial):
        x = np.array([trial.suggest_float(f"x{i}", 0, 1) for i in range(n)])
        g = 1 + 9 * x[1:].sum() / (n - 1)
        return float(x[0]), float(g * (1 - math.sqrt(x[0] / g)))
    return objective


def _two(trial):
    x = trial.suggest_float("x", 0, 1)
    y = trial.suggest_float("y", 0, 1)
    return x, (1 - x) ** 2 + y


def _front_hv(study, ref):
    return hypervolume(np.array([t.values for t in study.trials]), ref)


def test_startup_then_model_with_reasons():
    s = tf.create_study(directions=TWO, sampler=MOBOSampler(seed=0, n_startup_trials=4),
                        seed=0)
    s.optimize(_two, n_trials=8, catch=())
    phases = [t.system_attrs["mobo_phase"] for t in s.trials]
    # the first trial has no joint space yet: its parameters are drawn one at a time
    assert phases == ["independent"] + ["startup"] * 3 + ["model"] * 4
    last = s.trials[-1].system_attrs
    assert last["sampler"] == "MOBOSampler" and last["acquisition_function"] == "ehvi"
    assert np.isfinite(last["acquisition"])


def test_zdt1_beats_random_search_hypervolume():
    ref = (1.1, 1.1)
    for seed in (0, 1):
        ours = tf.create_study(directions=TWO, sampler=MOBOSampler(seed=seed), seed=seed)
        ours.optimize(_zdt1(3), n_trials=24, catch=())
        rand = tf.create_study(directions=TWO, sampler=tf.RandomSampler(seed=seed),
                               seed=seed)
        rand.optimize(_zdt1(3), n_trials=24)
        assert _front_hv(ours, ref) > _front_hv(rand, ref) + 0.05


def test_three_objectives_use_parego_and_ehvi_on_request():
    def three(trial):
        x = [trial.suggest_float(f"x{i}", 0, 1) for i in range(3)]
        return x[0], x[1], 2 - x[0] - x[1] + x[2]

    for acquisition, expect in (("auto", "parego"), ("ehvi", "ehvi")):
        s = tf.create_study(directions=["minimize"] * 3, seed=0,
                            sampler=MOBOSampler(seed=0, n_startup_trials=5,
                                                acquisition=acquisition))
        s.optimize(three, n_trials=8, catch=())
        kinds = {t.system_attrs.get("acquisition_function") for t in s.trials[5:]}
        assert kinds == {expect}
    # EHVI over too many boxes falls back to ParEGO
    s = tf.create_study(directions=["minimize"] * 3, seed=0,
                        sampler=MOBOSampler(seed=0, n_startup_trials=5, acquisition="ehvi",
                                            max_cells=1))
    s.optimize(three, n_trials=7, catch=())
    assert s.trials[-1].system_attrs["acquisition_function"] == "parego"


def test_same_seed_same_study():
    runs = []
    for _ in range(2):
        s = tf.create_study(directions=TWO, sampler=MOBOSampler(seed=3, n_startup_trials=4),
                            seed=3)
        s.optimize(_two, n_trials=9, catch=())
        runs.append([dict(t.params) for t in s.trials])
    assert runs[0] == runs[1]


def test_pending_trials_get_diverse_proposals():
    s = tf.create_study(directions=TWO, sampler=MOBOSampler(seed=0, n_startup_trials=5),
                        seed=0)
    s.optimize(_two, n_trials=8, catch=())
    batch = [s.ask() for _ in range(4)]     # four workers ask before any reports
    points = [(t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)) for t in batch]
    gaps = [math.dist(a, b) for i, a in enumerate(points) for b in points[i + 1:]]
    assert min(gaps) > 1e-3
    assert all(t.record.system_attrs["mobo_phase"] == "model" for t in batch)
    for t, p in zip(batch, points, strict=True):
        s.tell(t, (p[0], (1 - p[0]) ** 2 + p[1]))


def test_outcome_constraints_steer_to_the_feasible_region():
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        y = trial.suggest_float("y", 0, 1)
        trial.set_constraint([0.5 - x])          # feasible when x >= 0.5
        return x, (1 - x) ** 2 + y

    s = tf.create_study(directions=TWO, sampler=MOBOSampler(seed=0, n_startup_trials=5),
                        seed=0)
    s.optimize(objective, n_trials=16, catch=())
    model = [t for t in s.trials if t.system_attrs.get("mobo_phase") == "model"]
    ok = sum(t.system_attrs["constraints"][0] <= 1e-3 for t in model)
    assert ok >= 0.7 * len(model)               # random search: half


def test_constraints_with_no_feasible_point_yet_search_feasibility():
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        trial.set_constraint([0.95 - x])         # feasible only for x >= 0.95
        return x, 1 - x

    s = tf.create_study(directions=TWO, seed=0,
                        sampler=MOBOSampler(seed=0, n_startup_trials=3, constraints=True))
    s.optimize(objective, n_trials=8, catch=())
    assert any(t.params["x"] >= 0.95 for t in s.trials)
    assert "feasibility" in {t.system_attrs.get("acquisition_function") for t in s.trials}


def test_constraints_func_is_kept_and_checked():
    def func(trial):
        return [0.0]

    assert MOBOSampler(constraints_func=func).constraints_func is func
    assert MOBOSampler().constraints_func is None
    with pytest.raises(TypeError, match="constraints_func"):
        MOBOSampler(constraints_func=3)


def test_mixed_space_and_maximization():
    def objective(trial):
        x = trial.suggest_float("x", 1e-3, 1, log=True)
        n = trial.suggest_int("n", 1, 6)
        kind = trial.suggest_categorical("kind", ["a", "b", "c"])
        bonus = {"a": 0.0, "b": 0.5, "c": 1.0}[kind]
        return math.log(x) + n + bonus, -x * n    # maximize the first, minimize the second

    s = tf.create_study(directions=["maximize", "minimize"], seed=0,
                        sampler=MOBOSampler(seed=0, n_startup_trials=5))
    s.optimize(objective, n_trials=12, catch=())
    model = [t for t in s.trials if t.system_attrs["mobo_phase"] == "model"]
    assert len(model) == 7
    for t in s.trials:
        assert isinstance(t.params["n"], int) and t.params["kind"] in ("a", "b", "c")


def test_model_failure_falls_back_to_sobol_with_the_reason(monkeypatch):
    import tuneforge.math.gp as gp_module

    def broken(*args, **kwargs):
        raise np.linalg.LinAlgError("not positive definite")

    monkeypatch.setattr(gp_module, "GP", broken)
    s = tf.create_study(directions=TWO, sampler=MOBOSampler(seed=0, n_startup_trials=2),
                        seed=0)
    s.optimize(_two, n_trials=4, catch=())
    attrs = s.trials[-1].system_attrs
    assert attrs["mobo_phase"] == "fallback" and "positive definite" in attrs["mobo_error"]


def test_arguments_are_validated():
    with pytest.raises(ValueError, match="acquisition"):
        MOBOSampler(acquisition="qnehvi")
    with pytest.raises(ValueError, match="n_startup_trials"):
        MOBOSampler(n_startup_trials=0)
    with pytest.raises(ValueError, match="max_fit_trials"):
        MOBOSampler(max_fit_trials=2)
    with pytest.raises(ValueError, match="max_cells"):
        MOBOSampler(max_cells=0)
