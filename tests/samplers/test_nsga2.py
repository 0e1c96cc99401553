"""NSGAIISampler: contract, generations in the trials, survival, constraints, resume,
workers, spaces, one objective, ZDT1."""

from __future__ import annotations

import numpy as np
import pytest

import tuneforge as tf
from tests.samplers import _mo_checks as checks
from tests.samplers import _objectives as objectives
from tuneforge.samplers.nsga2 import NSGAIISampler, select
from tuneforge.testing import SamplerContract


class TestNSGAIIContract(SamplerContract):
    @pytest.fixture
    def sampler(self):
        return NSGAIISampler(population_size=4, seed=0)


def test_generations_and_parents_are_recorded():
    study = tf.create_study(directions=["minimize"] * 2,
                            sampler=NSGAIISampler(population_size=6, seed=1))
    study.optimize(objectives.zdt1_10, n_trials=30)
    gens = [t.system_attrs["generation"] for t in study.trials]
    assert gens == [i // 6 for i in range(30)]
    by_number = {t.number: t for t in study.trials}
    for t in study.trials:
        parents = t.system_attrs["parents"]
        if t.system_attrs["generation"] == 0:
            assert parents == []
            continue
        assert len(parents) == 2 and t.system_attrs["operator"] in (0, 1)
        assert all(by_number[p].system_attrs["generation"] < t.system_attrs["generation"]
                   for p in parents)


def test_select_is_nsga2_survival():
    losses = np.array([[1.0, 4.0], [2.0, 2.0], [4.0, 1.0], [2.5, 2.5], [3.0, 3.0],
                       [0.0, 0.0]])
    viol = np.array([0, 0, 0, 0, 0, 1.0])
    idx, front, crowd = select(losses, viol, 4)
    # front 0 (three rows), then the better-crowded... only (2.5, 2.5) of front 1 fits
    assert sorted(idx.tolist()[:3]) == [0, 1, 2] and idx.tolist()[3] == 3
    assert front.tolist() == [0, 0, 0, 1]
    idx, front, _ = select(losses, viol, 6)
    assert idx.tolist()[-1] == 5 and front.tolist()[-1] == 3  # infeasible last
    # truncating a front keeps its extremes (infinite crowding)
    idx, _, crowd = select(losses[:3], np.zeros(3), 2)
    assert sorted(idx.tolist()) == [0, 2] and np.isinf(crowd).all()


def test_same_seed_same_params():
    checks.same_seed_same_params(lambda **kw: NSGAIISampler(population_size=8, **kw))


def test_resume_equals_one_run(tmp_path):
    checks.resume_equals_one_run(lambda **kw: NSGAIISampler(population_size=8, **kw),
                                 tmp_path)


def test_two_processes(tmp_path):
    checks.two_processes(lambda **kw: NSGAIISampler(population_size=4, **kw), tmp_path)


def test_mixed_and_conditional_spaces():
    checks.mixed_and_conditional(lambda **kw: NSGAIISampler(population_size=10, **kw))


def test_one_objective_is_an_elitist_ga():
    checks.single_objective(lambda **kw: NSGAIISampler(population_size=10, **kw))


def test_constraint_domination():
    checks.constraints_honoured(lambda **kw: NSGAIISampler(population_size=8, **kw))


def test_reaches_a_hypervolume_on_zdt1():
    checks.reaches_zdt1(NSGAIISampler, 0.15)


def test_bad_arguments():
    with pytest.raises(ValueError, match="population_size"):
        NSGAIISampler(population_size=1)
    with pytest.raises(ValueError, match="crossover_prob"):
        NSGAIISampler(crossover_prob=1.5)
    with pytest.raises(ValueError, match="mutation_prob"):
        NSGAIISampler(mutation_prob=-0.1)
    with pytest.raises(TypeError, match="constraints_func"):
        NSGAIISampler(constraints_func=3)  # type: ignore[arg-type]
