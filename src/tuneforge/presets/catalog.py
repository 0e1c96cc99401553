"""The built-in presets: scikit-learn families, plus XGBoost and LightGBM when installed.

Ranges follow common practice: regularization strengths and learning rates on a log scale
over several decades around the library default; counts (trees, neighbours, leaves) on a
log scale, since going from 10 to 20 matters as much as from 200 to 400. Every default is
the library's own (so the first trials reproduce an untuned baseline), except where noted
in `fixed` (more iterations, so that solvers converge). Scale-sensitive models
(linear, SVM, nearest neighbours, neural networks) standardize their features first.
"""

from __future__ import annotations

import inspect
import os
from typing import Any

from tuneforge.presets.preset import PER_FEATURE, Preset
from tuneforge.space import Categorical, Float, Int

CLASSIFICATION, REGRESSION = "classification", "regression"


def logreg_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """lbfgs (the default) for pure L2; saga as soon as some L1 is mixed in."""
    out = dict(params)
    old = _old_logreg()
    if out.get("l1_ratio", 0.0) > 0:
        out["solver"] = "saga"
        if old:  # scikit-learn < 1.8 reads l1_ratio only with penalty="elasticnet"
            out["penalty"] = "elasticnet"
    elif old:
        out.pop("l1_ratio", None)  # it would warn that l1_ratio is unused
    return out


def _old_logreg() -> bool:
    """True before scikit-learn 1.8, where `penalty` was not yet deprecated."""
    from sklearn.linear_model import LogisticRegression

    return inspect.signature(LogisticRegression).parameters["penalty"].default != "deprecated"


def mlp_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """`hidden_units` x `hidden_layers` become scikit-learn's `hidden_layer_sizes` tuple."""
    out = dict(params)
    units = out.pop("hidden_units", 100)
    layers = out.pop("hidden_layers", 1)
    out["hidden_layer_sizes"] = (int(units),) * int(layers)
    return out


def _svm_space() -> dict[str, Any]:
    return {"C": Float(1e-3, 1e3, log=True), "gamma": Float(1e-5, 10.0, log=True),
            "kernel": Categorical(("rbf", "linear", "poly")), "degree": Int(2, 5)}


SVM_MAX_ITER = 200_000  # libsvm's iterations; a bad poly kernel otherwise runs for minutes


def _tree(name: str, task: str, cls: str, criteria: tuple[str, ...]) -> Preset:
    return Preset(
        name, task, f"sklearn.tree:{cls}",
        space={"max_depth": Categorical((None, 2, 3, 4, 6, 8, 12, 16, 24, 32)),
               "min_samples_split": Int(2, 64, log=True),
               "min_samples_leaf": Int(1, 32, log=True),
               "criterion": Categorical(criteria)},
        defaults={"max_depth": None, "min_samples_split": 2, "min_samples_leaf": 1,
                  "criterion": criteria[0]},
        doc=f"one decision tree: fully grown (None) or depth 2-32, 2-64 rows to split and "
            f"1-32 per leaf (log), split criterion {', '.join(criteria)}")


def _knn(name: str, task: str, cls: str) -> Preset:
    return Preset(
        name, task, f"sklearn.neighbors:{cls}",
        space={"n_neighbors": Int(1, 50, log=True),
               "weights": Categorical(("uniform", "distance")),
               "p": Categorical((1, 2))},
        defaults={"n_neighbors": 5, "weights": "uniform", "p": 2}, scale=True,
        doc="1-50 neighbours on a log scale; Manhattan or Euclidean distance on "
            "standardized features")


def _forest(name: str, task: str, cls: str, max_features: Any, bootstrap_doc: str) -> Preset:
    return Preset(
        name, task, f"sklearn.ensemble:{cls}",
        space={"n_estimators": Int(10, 500, log=True),
               "max_depth": Categorical((None, 4, 8, 16, 32)),
               "min_samples_leaf": Int(1, 32, log=True),
               "max_features": Categorical(("sqrt", "log2", 0.25, 0.5, 1.0))},
        defaults={"n_estimators": 100, "max_depth": None, "min_samples_leaf": 1,
                  "max_features": max_features},
        doc=f"{bootstrap_doc}: 10-500 trees (log), fully grown (None) or depth 4-32, "
            "leaves of 1-32 rows, features per split as scikit-learn names them")


def _hgb(name: str, task: str, cls: str) -> Preset:
    return Preset(
        name, task, f"sklearn.ensemble:{cls}",
        space={"learning_rate": Float(0.01, 1.0, log=True),
               "max_iter": Int(20, 500, log=True),
               "max_leaf_nodes": Int(4, 128, log=True),
               "min_samples_leaf": Int(2, 100, log=True)},
        defaults={"learning_rate": 0.1, "max_iter": 100, "max_leaf_nodes": 31,
                  "min_samples_leaf": 20},
        doc="histogram gradient boosting: learning rate 0.01-1 and 20-500 boosting rounds "
            "(log; they trade off), tree size 4-128 leaves, 2-100 rows per leaf")


def _mlp(name: str, task: str, cls: str) -> Preset:
    return Preset(
        name, task, f"sklearn.neural_network:{cls}",
        space={"hidden_units": Int(16, 256, log=True), "hidden_layers": Int(1, 3),
               "alpha": Float(1e-6, 1e-1, log=True),
               "learning_rate_init": Float(1e-4, 1e-1, log=True),
               "solver": Categorical(("adam", "sgd")),
               "momentum": Float(0.5, 0.99),
               "nesterovs_momentum": Categorical((True, False)),
               "learning_rate": Categorical(("constant", "invscaling", "adaptive")),
               "batch_size": Categorical(("auto", 16, 32, 64, 128, 256))},
        defaults={"hidden_units": 100, "hidden_layers": 1, "alpha": 1e-4,
                  "learning_rate_init": 1e-3, "solver": "adam", "momentum": 0.9,
                  "nesterovs_momentum": True, "learning_rate": "constant",
                  "batch_size": "auto"},
        fixed={"max_iter": 500}, scale=True, scale_target=task == REGRESSION,
        to_kwargs=mlp_kwargs,
        doc="1-3 hidden layers of 16-256 units, L2 penalty 1e-6-0.1 (log); the optimizer: "
            "Adam or SGD with momentum 0.5-0.99 (Nesterov or not) and a constant, inverse-"
            "scaling or adaptive schedule (SGD only), step 1e-4-0.1 (log), mini-batches of "
            "16-256 rows or auto (min(200, rows)); max_iter 500 (default 200)")


def _xgboost(name: str, task: str, cls: str) -> Preset:
    return Preset(
        name, task, f"xgboost:{cls}", requires="xgboost",
        space={"n_estimators": Int(20, 1000, log=True),
               "learning_rate": Float(1e-3, 1.0, log=True),
               "max_depth": Int(1, 12),
               "min_child_weight": Float(1e-2, 100.0, log=True),
               "subsample": Float(0.5, 1.0),
               "colsample_bytree": Float(0.3, 1.0),
               "reg_lambda": Float(1e-3, 100.0, log=True)},
        defaults={"n_estimators": 100, "learning_rate": 0.3, "max_depth": 6,
                  "min_child_weight": 1.0, "subsample": 1.0, "colsample_bytree": 1.0,
                  "reg_lambda": 1.0},
        fixed={"verbosity": 0},
        doc="boosting rounds 20-1000 and learning rate 1e-3-1 (log), depth 1-12, row and "
            "column subsampling, L2 penalty 1e-3-100 (log); needs the xgboost package")


def lightgbm_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """LightGBM's default thread count ignores OMP_NUM_THREADS (measured: fits 5-15 times
    slower with one thread asked for on a busy two-core machine), so it is passed on."""
    out = dict(params)
    threads = os.environ.get("OMP_NUM_THREADS", "")
    if threads.isdigit() and int(threads) > 0:
        out.setdefault("n_jobs", int(threads))
    return out


def _lightgbm(name: str, task: str, cls: str) -> Preset:
    return Preset(
        name, task, f"lightgbm:{cls}", requires="lightgbm",
        space={"n_estimators": Int(20, 1000, log=True),
               "learning_rate": Float(1e-3, 1.0, log=True),
               "num_leaves": Int(4, 256, log=True),
               "min_child_samples": Int(2, 100, log=True),
               "subsample": Float(0.5, 1.0),
               "colsample_bytree": Float(0.3, 1.0)},
        defaults={"n_estimators": 100, "learning_rate": 0.1, "num_leaves": 31,
                  "min_child_samples": 20, "subsample": 1.0, "colsample_bytree": 1.0},
        fixed={"subsample_freq": 1, "verbose": -1}, to_kwargs=lightgbm_kwargs,
        doc="boosting rounds 20-1000 and learning rate 1e-3-1 (log), 4-256 leaves, 2-100 "
            "rows per leaf, row and column subsampling; needs the lightgbm package")


BUILTIN_PRESETS: tuple[Preset, ...] = (
    Preset(
        "logreg", CLASSIFICATION, "sklearn.linear_model:LogisticRegression",
        space={"C": Float(1e-4, 1e4, log=True), "l1_ratio": Float(0.0, 1.0)},
        defaults={"C": 1.0, "l1_ratio": 0.0}, fixed={"max_iter": 1000}, scale=True,
        to_kwargs=logreg_kwargs,
        doc="inverse regularization C over 8 decades around 1 (log); l1_ratio mixes in L1 "
            "for sparse coefficients (saga solver); max_iter 1000 (default 100)"),
    Preset(
        "svc", CLASSIFICATION, "sklearn.svm:SVC", space=_svm_space(),
        defaults={"C": 1.0, "gamma": PER_FEATURE, "kernel": "rbf", "degree": 3},
        fixed={"max_iter": SVM_MAX_ITER}, scale=True,
        doc="kernel RBF, linear or polynomial (degree 2-5); C 1e-3-1e3 and gamma 1e-5-10 "
            "(log; gamma scales the RBF and polynomial kernels); the default gamma is "
            "1/n_features, which is scikit-learn's gamma='scale' on standardized features; "
            f"max_iter {SVM_MAX_ITER} (default: no limit)"),
    Preset(
        "svr", REGRESSION, "sklearn.svm:SVR",
        space={**_svm_space(), "epsilon": Float(1e-3, 1.0, log=True)},
        defaults={"C": 1.0, "gamma": PER_FEATURE, "kernel": "rbf", "degree": 3,
                  "epsilon": 0.1},
        fixed={"max_iter": SVM_MAX_ITER}, scale=True, scale_target=True,
        doc="as svc, plus the epsilon-tube 1e-3-1 (log) in units of the standardized "
            "target (the target is standardized so that C and epsilon do not depend on it)"),
    _tree("tree", CLASSIFICATION, "DecisionTreeClassifier", ("gini", "entropy", "log_loss")),
    _tree("tree_reg", REGRESSION, "DecisionTreeRegressor",
          ("squared_error", "absolute_error")),
    _knn("knn", CLASSIFICATION, "KNeighborsClassifier"),
    _knn("knn_reg", REGRESSION, "KNeighborsRegressor"),
    _forest("rf", CLASSIFICATION, "RandomForestClassifier", "sqrt", "random forest"),
    _forest("rf_reg", REGRESSION, "RandomForestRegressor", 1.0, "random forest"),
    _forest("extra_trees", CLASSIFICATION, "ExtraTreesClassifier", "sqrt",
            "extremely randomized trees"),
    _forest("extra_trees_reg", REGRESSION, "ExtraTreesRegressor", 1.0,
            "extremely randomized trees"),
    _hgb("hgb", CLASSIFICATION, "HistGradientBoostingClassifier"),
    _hgb("hgb_reg", REGRESSION, "HistGradientBoostingRegressor"),
    _mlp("mlp", CLASSIFICATION, "MLPClassifier"),
    _mlp("mlp_reg", REGRESSION, "MLPRegressor"),
    Preset(
        "ridge", REGRESSION, "sklearn.linear_model:Ridge",
        space={"alpha": Float(1e-4, 1e4, log=True)}, defaults={"alpha": 1.0}, scale=True,
        doc="L2 strength alpha over 8 decades around 1 (log), on standardized features"),
    Preset(
        "lasso", REGRESSION, "sklearn.linear_model:Lasso",
        space={"alpha": Float(1e-5, 1e3, log=True)}, defaults={"alpha": 1.0},
        fixed={"max_iter": 10000}, scale=True,
        doc="L1 strength alpha 1e-5-1e3 (log; it is in units of the target, so the range "
            "is wide); max_iter 10000 (default 1000)"),
    Preset(
        "elasticnet", REGRESSION, "sklearn.linear_model:ElasticNet",
        space={"alpha": Float(1e-5, 1e3, log=True), "l1_ratio": Float(0.05, 1.0)},
        defaults={"alpha": 1.0, "l1_ratio": 0.5}, fixed={"max_iter": 10000}, scale=True,
        doc="as lasso, with the L1 share 0.05-1 (below 0.05 use ridge); max_iter 10000"),
    _xgboost("xgboost", CLASSIFICATION, "XGBClassifier"),
    _xgboost("xgboost_reg", REGRESSION, "XGBRegressor"),
    _lightgbm("lightgbm", CLASSIFICATION, "LGBMClassifier"),
    _lightgbm("lightgbm_reg", REGRESSION, "LGBMRegressor"),
)

__all__ = ["BUILTIN_PRESETS", "logreg_kwargs", "mlp_kwargs"]
