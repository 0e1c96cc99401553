"""The `fidelity` suite: learning curves, one validation score per epoch / round.

A problem here is a trainer: `start(params)` builds a model, `step(model, k)` trains it
one more step (epoch k, or 10 more boosting rounds) and returns the internal validation
value (minimized). Hold-out: a stratified 25 % validation split (seed 0).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.problems.base import Metric, Param, cat, flt, integer

ACCURACY = Metric("validation accuracy", sign=-1, tie_abs=1e-3)
LOGLOSS = Metric("validation log-loss", sign=1, tie_rel=0.005)


@dataclass
class Trainer:
    name: str
    space: tuple[Param, ...]
    max_steps: int
    start: Callable[[Mapping[str, Any]], Any]
    step: Callable[[Any, int], float]
    metric: Metric


def _split(loader: str, scale: bool) -> tuple[np.ndarray, ...]:
    import sklearn.datasets
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = getattr(sklearn.datasets, loader)(return_X_y=True)
    Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    if scale:
        sc = StandardScaler().fit(Xtr)
        Xtr, Xva = sc.transform(Xtr), sc.transform(Xva)
    return Xtr, Xva, ytr, yva


def _mlp() -> Trainer:
    from sklearn.neural_network import MLPClassifier

    Xtr, Xva, ytr, yva = _split("load_digits", scale=True)
    classes = np.unique(ytr)

    def start(p: Mapping[str, Any]) -> Any:
        return MLPClassifier(hidden_layer_sizes=(p["hidden"],),
                             learning_rate_init=p["learning_rate_init"], alpha=p["alpha"],
                             batch_size=p["batch_size"], random_state=0)

    def step(model: Any, k: int) -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.partial_fit(Xtr, ytr, classes=classes)
        return -float(model.score(Xva, yva))

    space = (integer("hidden", 16, 256, log=True), flt("learning_rate_init", 1e-4, 1e-1, log=True),
             flt("alpha", 1e-6, 1e-1, log=True), integer("batch_size", 16, 256, log=True))
    return Trainer("fid-mlp-digits", space, 50, start, step, ACCURACY)


def _sgd() -> Trainer:
    from sklearn.linear_model import SGDClassifier

    Xtr, Xva, ytr, yva = _split("load_digits", scale=True)
    classes = np.unique(ytr)

    def start(p: Mapping[str, Any]) -> Any:
        return SGDClassifier(alpha=p["alpha"], eta0=p["eta0"], learning_rate=p["schedule"],
                             loss=p["loss"], random_state=0)

    def step(model: Any, k: int) -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.partial_fit(Xtr, ytr, classes=classes)
        return -float(model.score(Xva, yva))

    space = (flt("alpha", 1e-7, 1e-1, log=True), flt("eta0", 1e-4, 1.0, log=True),
             cat("schedule", ("constant", "optimal", "invscaling", "adaptive")),
             cat("loss", ("hinge", "log_loss", "modified_huber")))
    return Trainer("fid-sgd-digits", space, 50, start, step, ACCURACY)


def _hgb() -> Trainer:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import log_loss

    Xtr, Xva, ytr, yva = _split("load_breast_cancer", scale=False)

    def start(p: Mapping[str, Any]) -> Any:
        return HistGradientBoostingClassifier(
            learning_rate=p["learning_rate"], max_leaf_nodes=p["max_leaf_nodes"],
            min_samples_leaf=p["min_samples_leaf"], l2_regularization=p["l2_regularization"],
            warm_start=True, early_stopping=False, max_iter=0, random_state=0)

    def step(model: Any, k: int) -> float:  # k = 1..30: 10k boosting rounds
        model.set_params(max_iter=10 * k)
        model.fit(Xtr, ytr)
        return float(log_loss(yva, model.predict_proba(Xva)))

    space = (flt("learning_rate", 1e-3, 1.0, log=True), integer("max_leaf_nodes", 2, 256, log=True),
             integer("min_samples_leaf", 1, 100), flt("l2_regularization", 1e-6, 10.0, log=True))
    return Trainer("fid-hgb-cancer", space, 30, start, step, LOGLOSS)


BUILDERS = {"fid-mlp-digits": _mlp, "fid-sgd-digits": _sgd, "fid-hgb-cancer": _hgb}
NAMES = tuple(BUILDERS)


def build(name: str) -> Trainer:
    return BUILDERS[name]()
