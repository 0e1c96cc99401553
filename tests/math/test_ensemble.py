"""Greedy ensemble selection on hand-made predictions whose best average is known."""

from __future__ import annotations

import numpy as np
import pytest

from tuneforge.math.ensemble import greedy_ensemble


def _neg_mse(preds: np.ndarray, target: np.ndarray):
    def score(weights: np.ndarray) -> float:
        avg = weights @ preds / weights.sum()
        return -float(np.mean((avg - target) ** 2))
    return score


def test_two_models_erring_in_opposite_directions_are_averaged_equally():
    target = np.linspace(-1, 1, 50)
    preds = np.stack([target + 0.5, target - 0.5, target + 2.0])  # +bias, -bias, far off
    counts, trace = greedy_ensemble(_neg_mse(preds, target), 3, rounds=10)
    assert counts[2] == 0 and counts[0] == counts[1] > 0  # the exact target: MSE 0
    assert max(trace) == pytest.approx(0.0)
    # the best prefix is kept: a longer run adds nothing once the target is hit
    assert counts.sum() == 2


def test_a_candidate_better_than_any_average_stays_alone():
    target = np.zeros(20)
    preds = np.stack([np.full(20, 0.1), np.full(20, 1.0), np.full(20, 2.0)])
    counts, trace = greedy_ensemble(_neg_mse(preds, target), 3, rounds=5)
    assert counts.tolist() == [1, 0, 0]
    assert trace[0] == pytest.approx(-0.01)
    assert all(t <= trace[0] + 1e-12 for t in trace)  # later rounds were no better


def test_weights_follow_the_best_mix_and_ties_go_to_the_better_ranked():
    target = np.full(10, 0.75)  # 3/4 of candidate 0 (at 1) and 1/4 of candidate 1 (at 0)
    preds = np.stack([np.ones(10), np.zeros(10)])
    counts, _ = greedy_ensemble(_neg_mse(preds, target), 2, rounds=8)
    assert counts[0] == 3 * counts[1]
    twins = np.stack([np.ones(10), np.ones(10)])  # equal: the first one is taken
    counts, _ = greedy_ensemble(_neg_mse(twins, target), 2, rounds=3)
    assert counts.tolist() == [1, 0]


def test_non_finite_scores_are_never_chosen_and_bad_arguments_fail():
    def score(weights: np.ndarray) -> float:
        return float("nan") if weights[1] > 0 else -abs(weights[0] - 2)
    counts, _ = greedy_ensemble(score, 2, rounds=4)
    assert counts.tolist() == [2, 0]
    with pytest.raises(ValueError, match="at least one candidate"):
        greedy_ensemble(score, 0)
