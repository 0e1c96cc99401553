"""The `ml` suite: real models on data shipped with scikit-learn (no downloads).

Each problem is a cross-validated score with a fixed splitter (shuffle, seed 0) and a
fixed model seed (0), so the same parameters always give the same score. A model that
fails to fit gets the metric's worst value (and the failure is counted in `info`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from benchmarks.problems.base import Metric, Param, Problem, cat, flt, integer

CHECKPOINTS = (10, 25, 50)
LOGLOSS = Metric("CV log-loss", sign=1, tie_rel=0.005)
ERROR = Metric("CV error rate", sign=1, tie_abs=1e-3, tie_rel=0.005)
ACCURACY = Metric("CV accuracy", sign=-1, tie_abs=1e-3)
RMSE = Metric("CV RMSE", sign=1, tie_rel=0.002)


def _hgb(p: Mapping[str, Any]) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier
    return HistGradientBoostingClassifier(
        learning_rate=p["learning_rate"], max_leaf_nodes=p["max_leaf_nodes"],
        min_samples_leaf=p["min_samples_leaf"], l2_regularization=p["l2_regularization"],
        max_features=p["max_features"], random_state=0)


def _svc(p: Mapping[str, Any]) -> Any:
    from sklearn.svm import SVC
    return SVC(C=p["C"], gamma=p["gamma"])


def _rf(p: Mapping[str, Any]) -> Any:
    from sklearn.ensemble import RandomForestClassifier
    return RandomForestClassifier(
        n_estimators=p["n_estimators"], max_depth=p["max_depth"],
        min_samples_split=p["min_samples_split"], max_features=p["max_features"],
        criterion=p["criterion"], random_state=0, n_jobs=1)


def _enet(p: Mapping[str, Any]) -> Any:
    from sklearn.linear_model import ElasticNet
    return ElasticNet(alpha=p["alpha"], l1_ratio=p["l1_ratio"], max_iter=10_000, random_state=0)


def _conditional(p: Mapping[str, Any]) -> Any:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    family = p["model"]
    if family == "logreg":
        model = LogisticRegression(C=p["logreg_C"], max_iter=2000)
    elif family == "svc":
        model = SVC(C=p["svc_C"], gamma=p["svc_gamma"])
    elif family == "rf":
        return RandomForestClassifier(n_estimators=p["rf_n_estimators"],
                                      max_depth=p["rf_max_depth"], random_state=0, n_jobs=1)
    elif family == "knn":
        model = KNeighborsClassifier(n_neighbors=p["knn_n_neighbors"], weights=p["knn_weights"])
    else:
        raise ValueError(f"unknown model family {family!r}")
    return make_pipeline(StandardScaler(), model)


# name -> (dataset loader, classification?, scoring, metric, model factory, space, worst)
SPECS: dict[str, tuple[str, bool, str, Metric, Callable[[Mapping[str, Any]], Any],
                       tuple[Param, ...], float]] = {
    "ml-hgb-cancer": ("load_breast_cancer", True, "neg_log_loss", LOGLOSS, _hgb, (
        flt("learning_rate", 1e-3, 1.0, log=True),
        integer("max_leaf_nodes", 2, 256, log=True),
        integer("min_samples_leaf", 1, 100),
        flt("l2_regularization", 1e-6, 10.0, log=True),
        flt("max_features", 0.1, 1.0),
    ), 10.0),
    "ml-svc-digits": ("load_digits", True, "accuracy", ERROR, _svc, (
        flt("C", 1e-3, 1e3, log=True),
        flt("gamma", 1e-5, 10.0, log=True),
    ), 1.0),
    "ml-rf-wine": ("load_wine", True, "accuracy", ACCURACY, _rf, (
        integer("n_estimators", 10, 500, log=True),
        integer("max_depth", 1, 32),
        integer("min_samples_split", 2, 20),
        flt("max_features", 0.1, 1.0),
        cat("criterion", ("gini", "entropy")),
    ), 0.0),
    "ml-elasticnet-diabetes": ("load_diabetes", False, "neg_root_mean_squared_error", RMSE,
                               _enet, (
        flt("alpha", 1e-5, 10.0, log=True),
        flt("l1_ratio", 0.0, 1.0),
    ), 1e3),
    "ml-cond-cancer": ("load_breast_cancer", True, "accuracy", ACCURACY, _conditional, (
        cat("model", ("logreg", "svc", "rf", "knn")),
        flt("logreg_C", 1e-4, 1e4, log=True, condition=("model", "logreg")),
        flt("svc_C", 1e-3, 1e3, log=True, condition=("model", "svc")),
        flt("svc_gamma", 1e-5, 10.0, log=True, condition=("model", "svc")),
        integer("rf_n_estimators", 10, 300, log=True, condition=("model", "rf")),
        integer("rf_max_depth", 1, 32, condition=("model", "rf")),
        integer("knn_n_neighbors", 1, 50, condition=("model", "knn")),
        cat("knn_weights", ("uniform", "distance"), condition=("model", "knn")),
    ), 0.0),
}
NAMES = tuple(SPECS)


def build(name: str) -> Problem:
    import sklearn.datasets
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

    loader, classification, scoring, metric, factory, space, worst = SPECS[name]
    X, y = getattr(sklearn.datasets, loader)(return_X_y=True)
    cv = (StratifiedKFold if classification else KFold)(n_splits=5, shuffle=True,
                                                         random_state=0)
    info: dict[str, Any] = {"n_samples": int(X.shape[0]), "n_features": int(X.shape[1]),
                            "scoring": scoring, "cv": "5-fold, shuffle, seed 0", "failures": 0}

    def evaluate(params: Mapping[str, Any]) -> float:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                score = float(np.mean(cross_val_score(factory(params), X, y, cv=cv,
                                                      scoring=scoring, error_score="raise")))
        except (ValueError, ArithmeticError, np.linalg.LinAlgError):
            info["failures"] += 1
            return worst * metric.sign
        if scoring == "accuracy":
            return 1.0 - score if metric is ERROR else -score   # error rate / -accuracy
        return -score                                         # neg_* scorers -> loss

    return Problem(name=name, family="ml", space=space, evaluate=evaluate, metric=metric,
                   checkpoints=CHECKPOINTS, info=info)
