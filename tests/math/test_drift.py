"""Two-sample statistics for drift."""

import numpy as np
import pytest

from tuneforge.math.drift import (
    bh_adjust,
    binned_counts,
    binomial_greater,
    chi2_test,
    holm_adjust,
    ks_test,
    mean_increase_test,
    psi,
    quantile_edges,
    rank_auc,
)


def test_adjustments_match_their_definitions():
    p = np.array([0.01, 0.04, 0.03, 0.20])
    # BH: sorted p * n / rank, made monotone from the top
    assert bh_adjust(p) == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.20])
    # Holm: sorted p * (n - rank + 1), made monotone from the bottom
    assert holm_adjust(p) == pytest.approx([0.04, 0.09, 0.09, 0.20])
    assert len(bh_adjust(np.array([]))) == 0


def test_psi_is_zero_for_equal_shares_and_grows_with_the_shift():
    assert psi(np.array([10, 20, 30]), np.array([20, 40, 60])) == pytest.approx(0.0)
    small = psi(np.array([50, 50]), np.array([55, 45]))
    large = psi(np.array([50, 50]), np.array([80, 20]))
    assert 0 < small < large
    assert np.isfinite(psi(np.array([10, 0]), np.array([0, 10])))


def test_binned_counts_use_reference_quantiles_and_count_missing():
    ref = np.arange(100.0)
    edges = quantile_edges(ref, 4)
    assert len(edges) == 3
    counts = binned_counts(np.r_[ref, np.nan], edges)
    assert counts.tolist() == [25, 25, 25, 25, 1]


def test_ks_chi2_and_binomial():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=400), rng.normal(0.5, 1, size=400)
    assert ks_test(a, b)[1] < 1e-6 and ks_test(a, a)[1] == pytest.approx(1.0)
    assert chi2_test(np.array([50, 50]), np.array([50, 50]))[1] == pytest.approx(1.0)
    assert chi2_test(np.array([90, 10]), np.array([50, 50]))[1] < 1e-6
    assert chi2_test(np.array([5, 0]), np.array([7, 0]))[1] == 1.0  # one category
    assert binomial_greater(50, 100) == pytest.approx(0.5397946, abs=1e-6)
    assert binomial_greater(70, 100) < 1e-4


def test_rank_auc_and_mean_increase():
    assert rank_auc(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1])) == 1.0
    assert rank_auc(np.array([0.5, 0.5]), np.array([0, 1])) == 0.5
    rng = np.random.default_rng(1)
    diff, p = mean_increase_test(rng.normal(1, 1, 300), rng.normal(1.5, 1, 300))
    assert diff > 0 and p < 1e-5
    diff, p = mean_increase_test(rng.normal(1, 1, 300), rng.normal(0.5, 1, 300))
    assert p > 0.99
