"""The classifier two-sample test: can a model tell current rows from reference rows?

Equal numbers of rows from each table are labelled 0 / 1 and a gradient-boosted
classifier's out-of-fold predictions are scored (Lopez-Paz and Oquab, "Revisiting
classifier two-sample tests", ICLR 2017). Under no drift the out-of-fold accuracy is
Binomial(n, 1/2) (the "binomial" null); `permutations` > 0 instead compares the AUC
with that of the same procedure on shuffled labels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tuneforge.drift.report import JointDrift
from tuneforge.drift.table import as_float, category_labels
from tuneforge.math.drift import binomial_greater, rank_auc


def _matrix(refs: Sequence[np.ndarray], curs: Sequence[np.ndarray],
            cats: Sequence[bool]) -> tuple[np.ndarray, np.ndarray]:
    """Both tables as float matrices; categories as shared integer codes."""
    cols_r, cols_c = [], []
    for r, c, cat in zip(refs, curs, cats, strict=True):
        if cat:
            lr, lc = category_labels(r), category_labels(c)
            codes = {v: i for i, v in enumerate(sorted(set(lr) | set(lc)))}
            cols_r.append(np.array([codes[v] for v in lr], float))
            cols_c.append(np.array([codes[v] for v in lc], float))
        else:
            cols_r.append(as_float(r))
            cols_c.append(as_float(c))
    return np.column_stack(cols_r), np.column_stack(cols_c)


def _oof_scores(X: np.ndarray, y: np.ndarray, cv: int, seed: int) -> np.ndarray:
    """Out-of-fold probabilities (n,) of label 1 (a plain loop: joblib's would reset the
    thread limit the caller set)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold

    scores = np.empty(len(y))
    for train, test in StratifiedKFold(cv, shuffle=True, random_state=seed).split(X, y):
        model = HistGradientBoostingClassifier(max_iter=40, learning_rate=0.1,
                                               max_leaf_nodes=15, random_state=seed)
        scores[test] = model.fit(X[train], y[train]).predict_proba(X[test])[:, 1]
    return scores


def classifier_test(names: Sequence[str], refs: Sequence[np.ndarray],
                    curs: Sequence[np.ndarray], cats: Sequence[bool], *, alpha: float,
                    cv: int = 5, permutations: int = 0, max_rows: int = 2000,
                    seed: int = 0) -> JointDrift:
    """Cross-validated AUC of telling the tables apart, its p-value and the features the
    classifier used most (by permutation importance on held-out rows, top 3)."""
    # sklearn's OpenMP runtime must be loaded before the limit is set, or it is not limited
    import sklearn.ensemble  # noqa: F401
    import sklearn.model_selection  # noqa: F401
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(seed)
    Xr, Xc = _matrix(refs, curs, cats)
    n = min(len(Xr), len(Xc), max_rows)
    if n < 2 * cv:
        raise ValueError(f"drift: the classifier test needs at least {2 * cv} rows in each "
                         f"table, got {len(Xr)} and {len(Xc)}")
    Xr = Xr[rng.choice(len(Xr), n, replace=False)]
    Xc = Xc[rng.choice(len(Xc), n, replace=False)]
    X = np.vstack([Xr, Xc])
    y = np.r_[np.zeros(n), np.ones(n)]
    # small models fitted many times: threads would cost more than they save
    with threadpool_limits(limits=1):
        scores = _oof_scores(X, y, cv, seed)
        auc = rank_auc(scores, y)
        correct = int(((scores > 0.5) == (y == 1)).sum())
        if permutations > 0:
            null = [rank_auc(_oof_scores(X, yp, cv, seed), yp)
                    for yp in (rng.permutation(y).astype(float) for _ in range(permutations))]
            p = (1 + sum(a >= auc for a in null)) / (1 + permutations)
            kind = "permutation"
        else:
            p = binomial_greater(correct, len(y))
            kind = "binomial"
        drifted = p <= alpha
        top: tuple[str, ...] = ()
        if drifted:
            top = _top_features(names, X, y, seed)
    return JointDrift(float(auc), correct / len(y), float(p), kind, int(len(y)), drifted, top)


def _top_features(names: Sequence[str], X: np.ndarray, y: np.ndarray,
                  seed: int) -> tuple[str, ...]:
    """The three features whose shuffling costs a fitted separator the most accuracy on
    held-out rows (at least one row's worth)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import train_test_split

    Xa, Xb, ya, yb = train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)
    model = HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=15,
                                           random_state=seed).fit(Xa, ya)
    base = float((model.predict(Xb) == yb).mean())
    rng = np.random.default_rng(seed)
    drops = []
    for j in range(X.shape[1]):
        Xs = Xb.copy()
        Xs[:, j] = rng.permutation(Xs[:, j])
        drops.append(base - float((model.predict(Xs) == yb).mean()))
    order = np.argsort(drops)[::-1][:3]
    return tuple(names[i] for i in order if drops[i] > 1.0 / len(yb))


__all__ = ["classifier_test"]
