"""MOEADSampler: contract, subproblems in the trials, constraints, resume, workers,
spaces, one objective, options, ZDT1."""

from __future__ import annotations

import pytest

import tuneforge as tf
from tests.samplers import _mo_checks as checks
from tests.samplers import _objectives as objectives
from tuneforge.samplers.moead import MOEADSampler
from tuneforge.testing import SamplerContract


class TestMOEADContract(SamplerContract):
    @pytest.fixture
    def sampler(self):
        return MOEADSampler(population_size=4, seed=0)


class TestMOEADDEContract(SamplerContract):
    @pytest.fixture
    def sampler(self):
        return MOEADSampler(population_size=4, variation="de", decomposition="pbi")


def test_every_subproblem_gets_a_child_per_generation():
    sampler = MOEADSampler(population_size=6, seed=1)
    study = tf.create_study(directions=["minimize"] * 2, sampler=sampler)
    study.optimize(objectives.zdt1_10, n_trials=24)
    weights, near = sampler.weights(2)
    assert len(weights) == 6 and near.shape[0] == 6
    gens = [t.system_attrs["generation"] for t in study.trials]
    assert gens == [i // 6 for i in range(24)]
    for g in (1, 2, 3):
        subs = [t.system_attrs["subproblem"] for t in study.trials
                if t.system_attrs["generation"] == g]
        assert sorted(subs) == list(range(6))
    assert all(1 <= len(t.system_attrs["parents"]) <= 3 for t in study.trials[6:])


def test_same_seed_same_params():
    checks.same_seed_same_params(lambda **kw: MOEADSampler(population_size=8, **kw))


def test_resume_equals_one_run(tmp_path):
    checks.resume_equals_one_run(lambda **kw: MOEADSampler(population_size=8, **kw),
                                 tmp_path)


def test_two_processes(tmp_path):
    checks.two_processes(lambda **kw: MOEADSampler(population_size=4, **kw), tmp_path)


def test_mixed_and_conditional_spaces():
    checks.mixed_and_conditional(lambda **kw: MOEADSampler(population_size=10, **kw))


def test_one_objective():
    checks.single_objective(lambda **kw: MOEADSampler(population_size=10, **kw))


def test_constraints_rank_infeasible_last():
    checks.constraints_honoured(lambda **kw: MOEADSampler(population_size=8, **kw))


def test_three_objectives_and_the_options():
    def dtlz(trial):
        x = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(5)]
        g = sum((v - 0.5) ** 2 for v in x[2:])
        return (1 + g) * x[0], (1 + g) * x[1], (1 + g) * (2 - x[0] - x[1])

    for options in ({}, {"variation": "de"}, {"decomposition": "pbi"}):
        sampler = MOEADSampler(population_size=10, seed=0, **options)
        study = tf.create_study(directions=["minimize"] * 3, sampler=sampler)
        study.optimize(dtlz, n_trials=40)
        assert len(sampler.weights(3)[0]) == 10  # h = 3: C(5, 2)
        assert len(study.best_trials) >= 3


def test_reaches_a_hypervolume_on_zdt1():
    checks.reaches_zdt1(MOEADSampler, 0.12)


def test_bad_arguments():
    with pytest.raises(ValueError, match="decomposition"):
        MOEADSampler(decomposition="weighted")
    with pytest.raises(ValueError, match="variation"):
        MOEADSampler(variation="pso")
    with pytest.raises(ValueError, match="n_neighbours"):
        MOEADSampler(n_neighbours=1)
    with pytest.raises(ValueError, match="de_f"):
        MOEADSampler(de_f=0.0)
