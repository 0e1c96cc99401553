"""CmaEsSampler: contract, margin for integers, replayed state, IPOP restarts."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import tuneforge as tf
from tests.conftest import require_module
from tests.samplers import _objectives as objectives
from tuneforge import Float, MissingExtraError, TrialState
from tuneforge.storage.cached import Snapshot
from tuneforge.testing import SamplerContract

require_module("cmaes", "cmaes")

from tuneforge.samplers.cmaes import CmaEsSampler  # noqa: E402


class TestCmaEsContract(SamplerContract):
    @pytest.fixture
    def sampler(self):
        return CmaEsSampler(seed=0)


class TestCmaEsWithoutMarginContract(SamplerContract):
    @pytest.fixture
    def sampler(self):
        return CmaEsSampler(with_margin=False, restart=None, popsize=6)


def test_missing_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "cmaes", None)
    with pytest.raises(MissingExtraError, match=r"tuneforge\[cmaes\]"):
        CmaEsSampler()


def test_same_seed_same_params():
    runs = []
    for seed in (1, 1, 2):
        study = tf.create_study(sampler=CmaEsSampler(seed=seed))
        study.optimize(objectives.sphere5, n_trials=30)
        runs.append([dict(t.params) for t in study.trials])
    assert runs[0] == runs[1] and runs[0] != runs[2]


def _int_and_float(trial):
    x = trial.suggest_float("x", -4, 4)
    n = trial.suggest_int("n", -10, 10)
    k = trial.suggest_int("k", 1, 64, log=True)
    return (x - 1) ** 2 + (n - 3) ** 2 + (np.log2(k) - 3) ** 2


def test_continuous_and_integer_with_margin_converges():
    study = tf.create_study(sampler=CmaEsSampler(seed=0))
    study.optimize(_int_and_float, n_trials=150)
    assert study.best_value < 0.2
    assert study.best_params["n"] == 3 and study.best_params["k"] == 8
    gens = [t.system_attrs.get("cma_generation") for t in study.trials]
    assert max(g for g in gens if g is not None) >= 10


def test_categoricals_are_sampled_independently_and_say_so():
    study = tf.create_study(sampler=CmaEsSampler(seed=0))
    study.optimize(objectives.mixed, n_trials=40)
    joint = [t for t in study.trials if "cma_generation" in t.system_attrs]
    assert joint and all(t.system_attrs["cma_independent"] == ["kind"] for t in joint)
    assert {t.params["kind"] for t in study.trials} == {"a", "b", "c"}


def test_conditional_space_runs():
    study = tf.create_study(sampler=CmaEsSampler(seed=0))
    study.optimize(objectives.conditional, n_trials=30)
    assert all(t.state is TrialState.COMPLETE for t in study.trials)


def test_resume_replays_the_state(tmp_path):
    url = f"sqlite:///{tmp_path / 'cma.db'}"
    live = CmaEsSampler(seed=5)
    study = tf.create_study(study_name="c", storage=url, sampler=live)
    study.optimize(objectives.sphere5, n_trials=40)
    space = {f"x{i}": Float(-5, 5) for i in range(5)}
    before = live.state(space, Snapshot(study.directions, study.trials))
    assert before["generation"] >= 3
    fresh = CmaEsSampler(seed=5)
    again = tf.load_study("c", storage=url, sampler=fresh)
    history = Snapshot(again.directions, again.trials)
    assert fresh.state(space, history) == before  # the same mean, generation
    again.optimize(objectives.sphere5, n_trials=20)
    new_gens = [t.system_attrs["cma_generation"] for t in again.trials[40:]]
    assert min(new_gens) >= before["generation"]
    after = fresh.state(space, Snapshot(again.directions, again.trials))
    assert after["generation"] > before["generation"]


def _flat(trial):
    trial.suggest_float("a", 0, 1)
    trial.suggest_float("b", 0, 1)
    return 1.0  # converged at once: tolfun stops the run


def test_ipop_restarts_double_the_population():
    study = tf.create_study(sampler=CmaEsSampler(seed=0, popsize=4))
    study.optimize(_flat, n_trials=150)
    restarts = [t.system_attrs.get("cma_restart") for t in study.trials]
    assert max(r for r in restarts if r is not None) >= 1
    sizes = {t.system_attrs["cma_restart"]: t.system_attrs["cma_popsize"]
             for t in study.trials if "cma_restart" in t.system_attrs}
    assert sizes[1] == 2 * sizes[0]
    single = tf.create_study(sampler=CmaEsSampler(seed=0, popsize=4, restart=None))
    single.optimize(_flat, n_trials=150)
    assert {t.system_attrs.get("cma_restart") for t in single.trials} <= {0, None}


def test_one_numeric_parameter_falls_back_to_independent_sampling():
    def obj(trial):
        return trial.suggest_int("n", 0, 5) + 0.0

    study = tf.create_study(sampler=CmaEsSampler(seed=0))
    study.optimize(obj, n_trials=10)
    assert all(t.system_attrs.get("cma_independent", ["n"]) == ["n"] for t in study.trials)


def test_several_objectives_are_refused():
    def two(trial):
        return trial.suggest_float("x", 0, 1), trial.suggest_float("y", 0, 1)

    study = tf.create_study(directions=["minimize", "minimize"], sampler=CmaEsSampler())
    study.optimize(two, n_trials=2)  # the first trial has no joint space yet
    with pytest.raises(tf.TuneforgeError, match="one objective.*NSGAIISampler or MOEADSampler"):
        study.optimize(two, n_trials=1, catch=())


def test_bad_arguments():
    with pytest.raises(ValueError, match="restart"):
        CmaEsSampler(restart="bipop")
    with pytest.raises(ValueError, match="sigma0"):
        CmaEsSampler(sigma0=0)
    with pytest.raises(ValueError, match="popsize"):
        CmaEsSampler(popsize=1)
