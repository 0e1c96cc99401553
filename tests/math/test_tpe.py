"""tuneforge.math.tpe: Parzen estimators on the unit cube."""

import numpy as np
import pytest
from scipy.special import logsumexp

from tuneforge.math import tpe


def _mix(num, cat=None, *, levels=None, n_choices=(), weights=None, sigma=None):
    num = np.asarray(num, float)
    n, d = num.shape
    cat = np.zeros((n, 0), int) if cat is None else np.asarray(cat)
    return tpe.build_mixture(num, cat, np.ones(n) if weights is None else weights,
                             levels=np.zeros(d) if levels is None else np.asarray(levels),
                             n_choices=np.asarray(n_choices, int), kernel_sigma=sigma)


def test_continuous_density_integrates_to_one():
    mix = _mix([[0.1], [0.15], [0.9]])
    grid = np.linspace(0, 1, 20001)[:, None]
    dens = np.exp(tpe.log_density(mix, grid, np.zeros((len(grid), 0), int)))
    assert np.trapezoid(dens, grid[:, 0]) == pytest.approx(1.0, abs=1e-3)


def test_discrete_and_categorical_masses_sum_to_one():
    mix = _mix([[0.1], [0.7]], [[0], [2]], levels=[4], n_choices=[3])
    centres = (np.arange(4) + 0.5) / 4
    pts = np.array([[c] for c in centres for _ in range(3)])
    cats = np.array([[k] for _ in centres for k in range(3)])
    assert logsumexp(tpe.log_density(mix, pts, cats)) == pytest.approx(0.0, abs=1e-9)


def test_samples_stay_in_the_cube_and_snap_discrete_dims():
    mix = _mix(np.array([[0.0, 0.99], [1.0, 0.01]]), levels=[0, 5])
    x, c = tpe.sample(mix, np.random.default_rng(0), 500)
    assert x.shape == (500, 2) and c.shape == (500, 0)
    assert x.min() >= 0 and x.max() <= 1
    assert set(np.round(x[:, 1] * 5 - 0.5, 9)) <= set(range(5))


def test_bandwidths_shrink_with_spread_and_respect_the_magic_clip():
    rng = np.random.default_rng(0)
    wide = tpe.bandwidths(rng.random((20, 2)), np.ones(20), n_dims=2)
    narrow = tpe.bandwidths(0.5 + 0.01 * rng.random((20, 2)), np.ones(20), n_dims=2)
    assert np.all(wide > narrow)
    assert np.all(narrow == pytest.approx(1 / 22))  # 21 kernels: 1 / min(100, 22)
    assert np.all(tpe.bandwidths(np.zeros((0, 3)), np.ones(0), n_dims=3) == 1.0)


def test_neighbor_bandwidths():
    x = np.array([0.5, 0.1, 0.2])
    out = tpe.neighbor_bandwidths(x, min_bandwidth=0.0)
    assert out == pytest.approx([0.3, 0.1, 0.3])
    ends = tpe.neighbor_bandwidths(x, consider_endpoints=True, min_bandwidth=0.0)
    assert ends == pytest.approx([0.5, 0.1, 0.3])
    blend = tpe.blended_bandwidths(x[:, None], np.ones(3), n_dims=1, factor=1.0, blend=1.0)
    assert blend.shape == (3, 1)


def test_propose_prefers_the_good_region():
    good = _mix(np.full((10, 1), 0.2), sigma=np.full((10, 1), 0.05))
    bad = _mix(np.full((30, 1), 0.8), sigma=np.full((30, 1), 0.05))
    x, c, score = tpe.propose(good, bad, np.random.default_rng(1), 24)
    assert abs(x[0] - 0.2) < 0.2 and score > 0


def test_gamma_and_weights():
    assert [tpe.default_gamma(n) for n in (0, 1, 10, 11, 1000)] == [0, 1, 1, 2, 25]
    w = tpe.ramp_weights(30)
    assert len(w) == 30 and w[-25:].tolist() == [1.0] * 25 and w[0] < w[4]
    r = tpe.rank_weights(5)
    assert r[0] == 1.0 and r[-1] == 0.5 and np.all(np.diff(r) < 0)
    below, above = tpe.split(np.array([3, 1, 2, 0]), 2)
    assert below.tolist() == [3, 1] and above.tolist() == [2, 0]


def test_is_repeat_compares_slices_and_choices():
    levels = np.array([4.0, 10.0])
    seen_num = np.array([[0.125, 0.05], [0.625, 0.95]])   # slices (0, 0) and (2, 9)
    seen_cat = np.array([[1], [0]])
    num = np.array([[0.2, 0.01], [0.2, 0.01], [0.6, 0.99], [0.9, 0.5]])
    cat = np.array([[1], [0], [0], [1]])
    assert tpe._is_repeat(num, cat, seen_num, seen_cat, levels).tolist() == \
        [True, False, True, False]
    # huge radix: the pairwise comparison gives the same answer
    big = np.array([2.0 ** 40, 2.0 ** 40])
    assert tpe._is_repeat(num, cat, seen_num, seen_cat, big).tolist() == \
        [False, False, False, False]


def test_propose_avoids_seen_points_in_a_discrete_space():
    rng = np.random.default_rng(0)
    below = _mix([[0.5]], levels=[3.0])
    above = _mix([[0.1]], levels=[3.0])
    favourite = int(np.floor(tpe.propose(below, above, rng, 64)[0][0] * 3))
    seen = (np.array([[(favourite + 0.5) / 3]]), np.zeros((1, 0), dtype=int))
    for _ in range(5):
        assert int(np.floor(tpe.propose(below, above, rng, 64, seen)[0][0] * 3)) != favourite
    # every slice seen: a repeat is still returned rather than nothing
    seen_all = (np.array([[1 / 6], [0.5], [5 / 6]]), np.zeros((3, 0), dtype=int))
    assert 0.0 <= tpe.propose(below, above, rng, 64, seen_all)[0][0] <= 1.0
