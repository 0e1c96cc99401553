"""fANOVA-style importance: random forests fitted on the trials, each tree's variance
decomposed exactly (tree_anova), averaged over trees; intervals over repeated forests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tuneforge.exceptions import missing_extra
from tuneforge.importance._encode import Design, design
from tuneforge.importance.result import Importance, summarize
from tuneforge.importance.tree_anova import leaf_boxes, main_effects
from tuneforge.trial.records import Direction, TrialRecord


def _forest(n_trees: int, seed: int, **kw: Any) -> Any:
    try:
        from sklearn.ensemble import RandomForestRegressor
    except ImportError:
        raise missing_extra("scikit-learn", "sklearn") from None
    return RandomForestRegressor(n_estimators=n_trees, random_state=seed, n_jobs=1, **kw)


def forest_main_effects(model: Any, d: Design) -> np.ndarray:
    """Mean over the fitted forest's trees of each input's share of the tree's variance."""
    shares = []
    for est in model.estimators_:
        t = est.tree_
        lo, hi, vals = leaf_boxes(t.children_left, t.children_right, t.feature, t.threshold,
                                  t.value[:, 0, 0], d.lower, d.upper)
        effects, total = main_effects(lo, hi, vals, d.lower, d.upper)
        if total > 0:
            shares.append(effects / total)
    return np.mean(shares, axis=0) if shares else np.zeros(len(d.names))


def fanova_importance(trials: Sequence[TrialRecord], directions: Sequence[Direction], *,
                      objective: int = 0, params: Sequence[str] | None = None,
                      repeats: int = 5, n_trees: int = 32, max_trials: int = 2000,
                      min_samples_leaf: int = 2, seed: int = 0,
                      study_name: str = "") -> Importance:
    """Each parameter's share of the objective's variance (main effect), from `repeats`
    forests of `n_trees` trees with different seeds; the interval is the 2.5-97.5 %
    range over the repeats. Beyond `max_trials` trials each repeat fits a fresh random
    subsample (the tree decomposition grows with the leaves)."""
    d = design(trials, directions, objective=objective, params=params, study_name=study_name)
    rng = np.random.default_rng(seed)
    samples = []
    for r in range(max(int(repeats), 1)):
        rows = np.arange(len(d.y))
        if len(rows) > max_trials:
            rows = rng.choice(rows, size=max_trials, replace=False)
        model = _forest(n_trees, seed + r, min_samples_leaf=min_samples_leaf)
        model.fit(d.X[rows], d.y[rows])
        samples.append(list(forest_main_effects(model, d)))
    return summarize(d.names, samples, method="fanova", objective=objective,
                     n_trials=len(d.y))


__all__ = ["fanova_importance", "forest_main_effects"]
