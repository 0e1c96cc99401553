"""Permutation importance: the drop in a random forest's held-out R2 when one parameter's
column is shuffled. One forest and a few predictions: fast on very large studies."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tuneforge.importance._encode import design
from tuneforge.importance.fanova import _forest
from tuneforge.importance.result import Importance, summarize
from tuneforge.trial.records import Direction, TrialRecord


def r2(y: np.ndarray, pred: np.ndarray) -> float:
    """Coefficient of determination of `pred` for `y` (both (n,))."""
    ss = float(((y - y.mean()) ** 2).sum())
    return 1.0 - float(((y - pred) ** 2).sum()) / ss if ss > 0 else 0.0


def permutation_importance(trials: Sequence[TrialRecord], directions: Sequence[Direction], *,
                           objective: int = 0, params: Sequence[str] | None = None,
                           repeats: int = 5, n_trees: int = 50, max_trials: int = 20000,
                           holdout: float = 0.25, seed: int = 0,
                           study_name: str = "") -> Importance:
    """Fit one forest on a random (1 - `holdout`) share of at most `max_trials` trials;
    for each parameter and each of `repeats` shuffles, the held-out R2 lost (>= 0). The
    interval is the 2.5-97.5 % range over the shuffles."""
    d = design(trials, directions, objective=objective, params=params, study_name=study_name)
    rng = np.random.default_rng(seed)
    rows = rng.permutation(len(d.y))[:max_trials]
    n_test = max(int(round(len(rows) * holdout)), 1)
    test, train = rows[:n_test], rows[n_test:]
    if len(train) < 2:
        train = test
    model = _forest(n_trees, seed, min_samples_leaf=2)
    model.fit(d.X[train], d.y[train])
    X, y = d.X[test], d.y[test]
    base = r2(y, model.predict(X))
    samples = []
    for _ in range(max(int(repeats), 1)):
        drops = []
        for j in range(len(d.names)):
            Xp = X.copy()
            Xp[:, j] = rng.permutation(Xp[:, j])
            drops.append(max(base - r2(y, model.predict(Xp)), 0.0))
        samples.append(drops)
    return summarize(d.names, samples, method="permutation", objective=objective,
                     n_trials=len(d.y))


__all__ = ["permutation_importance", "r2"]
