"""tuneforge.math.ga: genetic operators on the unit cube."""

import numpy as np
import pytest

from tuneforge.math import ga


def test_sbx_children_stay_in_bounds_around_the_parents_mean():
    rng = np.random.default_rng(0)
    for _ in range(200):
        a, b = rng.random(6), rng.random(6)
        c1, c2 = ga.sbx(rng, a, b, gene_prob=1.0)
        assert np.all((0 <= c1) & (c1 <= 1)) and np.all((0 <= c2) & (c2 <= 1))
        mid = (a + b) / 2
        assert np.all(np.minimum(c1, c2) <= mid + 1e-12)
        assert np.all(np.maximum(c1, c2) >= mid - 1e-12)
    # far from the bounds the spread is symmetric: the children keep the parents' mean
    a, b = np.full(3, 0.49), np.full(3, 0.51)
    c1, c2 = ga.sbx(rng, a, b, gene_prob=1.0)
    assert np.allclose(c1 + c2, a + b, atol=1e-6)


def test_sbx_with_identical_parents_is_identity():
    a = np.array([0.2, 0.7])
    c1, c2 = ga.sbx(np.random.default_rng(0), a, a.copy())
    assert np.allclose(c1, a) and np.allclose(c2, a)


def test_polynomial_mutation():
    rng = np.random.default_rng(1)
    x = rng.random(1000)
    assert np.array_equal(ga.polynomial_mutation(rng, x, 0.0), x)
    y = ga.polynomial_mutation(rng, x, 1.0)
    assert np.all((0 <= y) & (y <= 1)) and np.mean(y != x) > 0.99
    assert np.median(np.abs(y - x)) < 0.1  # eta = 20: small steps


def test_uniform_and_categorical_operators():
    rng = np.random.default_rng(2)
    a, b = np.zeros(1000, int), np.ones(1000, int)
    child = ga.uniform_crossover(rng, a, b)
    assert 0.4 < child.mean() < 0.6
    mutated = ga.categorical_mutation(rng, np.zeros(1000, int), np.full(1000, 4), 1.0)
    assert set(mutated.tolist()) == {0, 1, 2, 3}


def test_tournament_picks_the_best_of_the_draw():
    rank = np.array([5.0, 0.0, 3.0, 1.0])
    rng = np.random.default_rng(3)
    assert ga.tournament(rng, rank, 4) == 1
    wins = [ga.tournament(rng, rank, 2) for _ in range(400)]
    assert wins.count(1) > wins.count(0)
    with pytest.raises(ValueError):
        ga.tournament(rng, np.array([]), 2)


def test_adaptive_rate_follows_the_one_fifth_rule():
    assert ga.adaptive_rate(10, None) == pytest.approx(0.1)
    assert ga.adaptive_rate(10, 0.2) == pytest.approx(0.1)
    assert ga.adaptive_rate(10, 0.0) == pytest.approx(0.025)
    assert ga.adaptive_rate(10, 0.6) == 0.5
    assert ga.adaptive_rate(10, 0.3) > ga.adaptive_rate(10, 0.1)


def test_clearing_keeps_the_best_of_each_niche():
    x = np.array([[0.50, 0.50], [0.51, 0.50], [0.90, 0.10], [0.52, 0.50], [0.10, 0.90]])
    none = np.zeros(2, dtype=bool)
    assert ga.clearing(x, 0.1, none, 3) == [0, 2, 4]   # rows 1 and 3 sit in row 0's niche
    assert ga.clearing(x, 0.1, none, 2) == [0, 2]
    assert ga.clearing(x, 0.0, none, 3) == [0, 1, 2]   # radius 0: simply the best k
    assert ga.clearing(x, 5.0, none, 3) == [0]         # one niche holds them all
    assert ga.clearing(x[:0], 0.1, none, 3) == []
    # a categorical gene counts 1 when the choices differ, whatever their indices
    c = np.array([[0.5, 0.0], [0.5, 2.0], [0.51, 0.0], [0.5, 1.0]])
    cat = np.array([False, True])
    assert ga.clearing(c, 0.5, cat, 4) == [0, 1, 3]


def test_de_rand1_stays_in_the_cube_and_crosses_with_the_target():
    from tuneforge.math.ga import de_rand1

    rng = np.random.default_rng(0)
    for _ in range(200):
        base, a, b, target = rng.random((4, 6))
        child = de_rand1(rng, base, a, b, target, f=0.9, cr=0.5)
        assert child.shape == (6,) and (child >= 0).all() and (child <= 1).all()
        inside = (base + 0.9 * (a - b) >= 0) & (base + 0.9 * (a - b) <= 1)
        from_mutant = np.isclose(child, base + 0.9 * (a - b))
        assert np.all(from_mutant | np.isclose(child, target) | ~inside)
    full = de_rand1(rng, np.full(3, 0.5), np.full(3, 0.6), np.full(3, 0.4), np.zeros(3))
    assert full.tolist() == pytest.approx([0.6] * 3)  # cr = 1: every gene from the mutant
