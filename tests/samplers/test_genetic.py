"""GeneticSampler: contract, generations in the trials, workers, resume, convergence."""

from __future__ import annotations

import numpy as np
import pytest

import tuneforge as tf
from tests.samplers import _objectives as objectives
from tuneforge import TrialState
from tuneforge.samplers.genetic import GeneticSampler
from tuneforge.testing import SamplerContract


class TestGeneticContract(SamplerContract):
    @pytest.fixture
    def sampler(self):
        return GeneticSampler(population_size=6, seed=0)


class TestUniformGeneticContract(SamplerContract):
    @pytest.fixture
    def sampler(self):
        return GeneticSampler(population_size=4, crossover="uniform", mutation_rate=0.3)


def test_generations_and_parents_are_recorded():
    study = tf.create_study(sampler=GeneticSampler(population_size=8, seed=1))
    study.optimize(objectives.sphere5, n_trials=40)
    trials = study.trials
    gens = [t.system_attrs.get("generation", 0) for t in trials]
    assert gens == sorted(gens)  # serial: one generation after the other
    assert max(gens) == 4 and all(gens.count(g) == 8 for g in range(5))
    by_number = {t.number: t for t in trials}
    for t in trials:
        g = t.system_attrs.get("generation", 0)
        parents = t.system_attrs.get("parents", [])
        if g == 0 or t.system_attrs.get("immigrant"):
            assert parents == []
            continue
        assert len(parents) == 2 and 0 < t.system_attrs["mutation_rate"] <= 0.5
        # parents: the previous generation, or elites from earlier ones
        assert all(by_number[p].system_attrs.get("generation", 0) < g for p in parents)
        assert any(by_number[p].system_attrs.get("generation", 0) == g - 1 for p in parents) \
            or all(p in _elites(trials, g, 1) for p in parents)


def _elites(trials, g, k):
    done = [t for t in trials if t.system_attrs.get("generation", 0) < g]
    return {t.number for t in sorted(done, key=lambda t: t.value)[:k]}


def test_same_seed_same_params():
    runs = []
    for seed in (7, 7, 8):
        study = tf.create_study(sampler=GeneticSampler(population_size=6, seed=seed))
        study.optimize(objectives.mixed, n_trials=24)
        runs.append([dict(t.params) for t in study.trials])
    assert runs[0] == runs[1] and runs[0] != runs[2]


def test_does_not_block_while_a_generation_runs():
    """Ask/tell with a whole generation still running: asks go on, as more members of
    the current generation, then children from what has finished."""
    study = tf.create_study(sampler=GeneticSampler(population_size=4, seed=0))
    open_trials = []
    for _ in range(6):  # more than a generation, none finished
        trial = study.ask()
        objectives.sphere5(trial)
        open_trials.append(trial)
    assert {t.system_attrs.get("generation", 0) for t in study.trials} == {0}
    for trial in open_trials[:2]:
        study.tell(trial, objectives.sphere5(trial))
    child = study.ask()
    objectives.sphere5(child)
    record = child.record
    assert record.system_attrs["generation"] == 1
    assert set(record.system_attrs["parents"]) <= {open_trials[0].number, open_trials[1].number}


def test_mixed_and_conditional_spaces():
    study = tf.create_study(sampler=GeneticSampler(seed=0))
    study.optimize(objectives.mixed, n_trials=60)
    assert study.best_value < 3.0
    cond = tf.create_study(sampler=GeneticSampler(seed=0))
    cond.optimize(objectives.conditional, n_trials=40)
    assert {t.params["kind"] for t in cond.trials} == {"linear", "tree"}
    assert all(t.state is TrialState.COMPLETE for t in cond.trials)


def test_two_processes(tmp_path):
    url = f"sqlite:///{tmp_path / 'ga.db'}"
    study = tf.create_study(study_name="p", storage=url,
                            sampler=GeneticSampler(population_size=6, seed=3))
    study.optimize(objectives.sphere3_slow, n_trials=30, n_jobs=2)
    trials = study.trials
    assert len(trials) == 30 and all(t.state is TrialState.COMPLETE for t in trials)
    assert max(t.system_attrs.get("generation", 0) for t in trials) >= 3


def test_resume_continues_the_generations(tmp_path):
    url = f"sqlite:///{tmp_path / 'resume.db'}"
    study = tf.create_study(study_name="r", storage=url,
                            sampler=GeneticSampler(population_size=5, seed=4))
    study.optimize(objectives.sphere5, n_trials=20)
    last = max(t.system_attrs.get("generation", 0) for t in study.trials)
    again = tf.load_study("r", storage=url, sampler=GeneticSampler(population_size=5, seed=4))
    again.optimize(objectives.sphere5, n_trials=20)
    new = again.trials[20:]
    assert [t.system_attrs["generation"] for t in new] == \
        [last + 1 + i // 5 for i in range(20)]


def test_beats_random_and_converges_on_sphere_5d():
    ga_best, rnd_best = [], []
    for seed in range(3):
        ga = tf.create_study(sampler=GeneticSampler(seed=seed))
        ga.optimize(objectives.sphere5, n_trials=200)
        rnd = tf.create_study(sampler=tf.RandomSampler(seed=seed))
        rnd.optimize(objectives.sphere5, n_trials=200)
        ga_best.append(ga.best_value)
        rnd_best.append(rnd.best_value)
    assert np.mean(ga_best) < np.mean(rnd_best) / 2
    assert sum(v < 2.0 for v in ga_best) >= 2


def test_constraints_rank_infeasible_last():
    def obj(trial):
        x = trial.suggest_float("x", -1, 1)
        y = trial.suggest_float("y", -1, 1)
        trial.set_constraint([0.2 - x])
        return x * x + y * y

    study = tf.create_study(sampler=GeneticSampler(population_size=8, seed=0))
    study.optimize(obj, n_trials=64)
    late = study.trials[-16:]
    assert sum(t.params["x"] >= 0.2 for t in late) >= 10


def test_bad_arguments():
    with pytest.raises(ValueError, match="population_size"):
        GeneticSampler(population_size=1)
    with pytest.raises(ValueError, match="crossover"):
        GeneticSampler(crossover="one-point")
    with pytest.raises(ValueError, match="mutation_rate"):
        GeneticSampler(mutation_rate=2.0)
    with pytest.raises(ValueError, match="tournament_size"):
        GeneticSampler(tournament_size=0)


def test_restart_after_stagnation_starts_a_fresh_epoch():
    """A flat objective never brings a new best: after `restart_after` generations the
    next generation is a fresh design in epoch 1, bred only from epoch 1."""
    study = tf.create_study(sampler=GeneticSampler(population_size=4, restart_after=2,
                                                   seed=0))
    study.optimize(lambda t: 0.0 * t.suggest_float("x", 0, 1) + 1.0, n_trials=40)
    trials = study.trials
    restarts = [t for t in trials if "restart" in t.system_attrs]
    assert restarts, "no restart on a flat objective"
    first = restarts[0]
    assert "no new best in the last 2 generations" in first.system_attrs["restart"]
    assert first.system_attrs["epoch"] == 1 and first.system_attrs["parents"] == []
    g = first.system_attrs["generation"]
    by_number = {t.number: t for t in trials}
    for t in trials:
        if t.system_attrs.get("generation", 0) == g:
            assert t.system_attrs["epoch"] == 1 and t.system_attrs["parents"] == []
        if t.system_attrs.get("generation", 0) > g and t.system_attrs.get("epoch") == 1:
            assert all(by_number[p].system_attrs.get("epoch") == 1
                       for p in t.system_attrs["parents"])


def test_no_restart_without_stagnation_and_when_disabled():
    for restart_after in (None, 50):
        study = tf.create_study(sampler=GeneticSampler(population_size=6, seed=3,
                                                       restart_after=restart_after))
        study.optimize(objectives.sphere5, n_trials=60)
        assert not any("restart" in t.system_attrs for t in study.trials)


def test_collapsed_population_restarts():
    """Every member identical (a one-choice space besides a fixed number): the next
    generation restarts, whatever `restart_after` says."""
    study = tf.create_study(sampler=GeneticSampler(population_size=3, restart_after=None,
                                                   seed=0))
    study.optimize(lambda t: float(t.suggest_int("k", 2, 2)
                                   + len(t.suggest_categorical("c", ["only"]))), n_trials=12)
    reasons = [t.system_attrs.get("restart") for t in study.trials]
    assert any(r and "collapsed to one point" in r for r in reasons), reasons


def test_restart_after_must_be_positive():
    with pytest.raises(ValueError, match="restart_after"):
        GeneticSampler(restart_after=0)


class PoolSpy(GeneticSampler):
    """Records every parent pool with the finished trials it indexes."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.pools = []

    def _pool(self, target, epoch, epochs, by_gen, rank, elite, space, done):
        pool = super()._pool(target, epoch, epochs, by_gen, rank, elite, space, done)
        last = set(by_gen.get(target - 1, []))
        self.pools.append(([done[i].params["x"] for i in pool if i not in last], len(last)))
        return pool


def two_valleys(trial):
    """Two equally good valleys at x = 0.2 and x = 0.8."""
    x = trial.suggest_float("x", 0.0, 1.0)
    return min(abs(x - 0.2), abs(x - 0.8))


def test_elites_come_from_different_niches():
    spy = PoolSpy(population_size=6, elite=3, niche_radius=0.1, restart_after=None, seed=2)
    tf.create_study(sampler=spy).optimize(two_valleys, n_trials=60)
    elites = [xs for xs, _ in spy.pools if len(xs) > 1]
    assert elites, "no pool had elites from earlier generations"
    for xs in elites:  # elites are at least niche_radius apart (1 gene: sqrt(1) = 1)
        assert min(abs(a - b) for i, a in enumerate(xs) for b in xs[i + 1:]) >= 0.1 - 1e-12
    # without niches the elites crowd into one valley
    plain = PoolSpy(population_size=6, elite=3, niche_radius=None, restart_after=None, seed=2)
    tf.create_study(sampler=plain).optimize(two_valleys, n_trials=60)
    crowded = [xs for xs, _ in plain.pools if len(xs) > 1]
    assert any(min(abs(a - b) for i, a in enumerate(xs) for b in xs[i + 1:]) < 0.01
               for xs in crowded)


def test_niche_radius_is_checked():
    with pytest.raises(ValueError, match="niche_radius"):
        GeneticSampler(niche_radius=1.5)
    with pytest.raises(ValueError, match="niche_radius"):
        GeneticSampler(niche_radius=-0.1)
    assert "niche_radius=0.05" in repr(GeneticSampler())


def test_immigrants_are_fresh_points_early_in_an_epoch_and_can_be_turned_off():
    def immigrants(sampler, n):
        study = tf.create_study(sampler=sampler)
        study.optimize(objectives.sphere5, n_trials=n)
        return [t for t in study.trials if t.system_attrs.get("immigrant")]

    fresh = immigrants(GeneticSampler(population_size=10, seed=3, restart_after=None), 200)
    assert fresh and all(t.system_attrs["parents"] == [] for t in fresh)
    gens = [t.system_attrs["generation"] for t in fresh]
    assert 0 not in gens
    # probability 0.5 / (g + 1): about 2.5 of generation 1's 10, 0.5 of generation 9's
    early = sum(1 <= g <= 3 for g in gens)
    late = sum(17 <= g <= 19 for g in gens)
    assert early > late, gens
    assert immigrants(GeneticSampler(population_size=10, seed=3, immigrants=0), 60) == []


def test_immigrants_is_checked():
    with pytest.raises(ValueError, match="immigrants"):
        GeneticSampler(immigrants=1.5)
    with pytest.raises(ValueError, match="immigrants"):
        GeneticSampler(immigrants=-0.1)
    assert "immigrants=0.5" in repr(GeneticSampler())
