"""The hold-out split is disjoint, stratified and reproducible; the gap check is honest."""

import math

import numpy as np
import pytest

from tests.conftest import require_module

require_module("sklearn", "sklearn")

from sklearn.datasets import load_diabetes, load_wine  # noqa: E402

from tuneforge.evaluate import holdout_split, overtuning_check, resolve_metric  # noqa: E402


def test_split_is_a_disjoint_partition_and_reproducible():
    X, y = load_wine(return_X_y=True)
    h = holdout_split(X, y, test_size=0.25, seed=3)
    both = np.concatenate([h.search_index, h.holdout_index])
    assert sorted(both) == list(range(len(y)))
    assert not set(h.search_index) & set(h.holdout_index)
    assert len(h.holdout_index) == math.ceil(0.25 * len(y))
    again = holdout_split(X, y, test_size=0.25, seed=3)
    np.testing.assert_array_equal(h.holdout_index, again.holdout_index)
    other = holdout_split(X, y, test_size=0.25, seed=4)
    assert not np.array_equal(h.holdout_index, other.holdout_index)
    Xs, ys = h.search(X, y)
    Xh, yh = h.holdout(X, y)
    np.testing.assert_array_equal(Xh, X[h.holdout_index])
    assert len(Xs) + len(Xh) == len(X) and len(ys) == len(Xs)


def test_classes_are_stratified_and_regression_is_not():
    X, y = load_wine(return_X_y=True)
    h = holdout_split(X, y, test_size=0.3, seed=0)
    full = np.bincount(y) / len(y)
    part = np.bincount(y[h.holdout_index], minlength=3) / len(h.holdout_index)
    assert np.abs(full - part).max() < 0.03
    Xr, yr = load_diabetes(return_X_y=True)
    hr = holdout_split(Xr, yr, seed=0)  # continuous target: a plain shuffled split
    assert len(hr.holdout_index) == math.ceil(0.2 * len(yr))


def test_bad_sizes():
    X = np.zeros((10, 2))
    with pytest.raises(ValueError, match="fraction"):
        holdout_split(X, test_size=1.5)
    with pytest.raises(ValueError, match="at least 4 rows"):
        holdout_split(X[:3])


def test_gap_report_direction_aware():
    acc = resolve_metric("accuracy")
    bad = overtuning_check(acc, cv_score=0.95, cv_sem=0.01, holdout_score=0.90)
    assert bad.gap == pytest.approx(0.05) and bad.overtuned
    assert "over-fit" in bad.message
    fine = overtuning_check(acc, cv_score=0.95, cv_sem=0.01, holdout_score=0.94)
    assert not fine.overtuned and "within the noise" in fine.message
    better = overtuning_check(acc, cv_score=0.90, cv_sem=0.001, holdout_score=0.99)
    assert better.gap < 0 and not better.overtuned
    rmse = resolve_metric("rmse")  # lower is better: a larger hold-out RMSE is a gap
    worse = overtuning_check(rmse, cv_score=50.0, cv_sem=1.0, holdout_score=55.0)
    assert worse.gap == pytest.approx(5.0) and worse.overtuned
    unknown = overtuning_check(rmse, cv_score=50.0, cv_sem=float("nan"), holdout_score=80.0)
    assert not unknown.overtuned and "unknown" in unknown.message
    assert worse.to_json()["overtuned"] is True and unknown.to_json()["cv_sem"] is None


def test_holdout_noise_widens_the_allowed_gap():
    from tuneforge.evaluate import holdout_sem_estimate

    rmse = resolve_metric("rmse")
    # 5 folds on 350 rows (70 per fold), a 88-row hold-out: se ~ cv_sem * sqrt(350 / 88)
    se = holdout_sem_estimate(1.4, 5, 350, 88)
    assert se == pytest.approx(1.4 * math.sqrt(350 / 88))
    alone = overtuning_check(rmse, cv_score=54.2, cv_sem=1.4, holdout_score=58.6)
    both = overtuning_check(rmse, cv_score=54.2, cv_sem=1.4, holdout_score=58.6, holdout_sem=se)
    assert alone.overtuned and not both.overtuned       # 4.4 < 2 * sqrt(1.4^2 + 2.79^2)
    assert both.noise == pytest.approx(2 * math.sqrt(1.4 ** 2 + se ** 2))
    far = overtuning_check(rmse, cv_score=54.2, cv_sem=1.4, holdout_score=64.0, holdout_sem=se)
    assert far.overtuned
    assert math.isnan(holdout_sem_estimate(1.0, 1, 100, 20))


def test_ordered_split_holds_out_the_latest_rows():
    X = np.zeros((10, 2))
    h = holdout_split(X, np.arange(10) % 2, test_size=0.3, ordered=True)
    assert h.search_index.tolist() == list(range(7))
    assert h.holdout_index.tolist() == [7, 8, 9]  # neither shuffled nor stratified


def test_times_order_the_split_and_a_time_never_straddles_it():
    times = np.array([5, 1, 9, 3, 7, 2, 8, 4, 6, 0])
    h = holdout_split(np.zeros((10, 1)), test_size=0.2, times=times)
    assert times[h.holdout_index].tolist() == [8, 9]
    assert times[h.search_index].tolist() == list(range(8))  # in time order
    dates = np.array([f"2024-01-0{d}" for d in (3, 1, 2, 4, 4, 4)], dtype="datetime64[D]")
    tied = holdout_split(np.zeros((6, 1)), test_size=0.2, times=dates)
    assert sorted(tied.holdout_index.tolist()) == [3, 4, 5]  # the 4th's three rows together
    assert tied.search_index.tolist() == [1, 2, 0]
    with pytest.raises(ValueError, match="one value per row"):
        holdout_split(np.zeros((6, 1)), times=[1, 2])
    with pytest.raises(ValueError, match="missing"):
        holdout_split(np.zeros((4, 1)), times=[1.0, np.nan, 2.0, 3.0])
    with pytest.raises(ValueError, match="no earlier rows"):
        holdout_split(np.zeros((4, 1)), times=[1, 1, 1, 1])
