"""Metric names resolve to scikit-learn scorers, in natural units, with a direction."""

import math

import numpy as np
import pytest

from tests.conftest import require_module

require_module("sklearn", "sklearn")

from sklearn.datasets import load_breast_cancer, load_diabetes  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    log_loss,
    make_scorer,
    mean_absolute_error,
    mean_squared_error,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
)

from tuneforge.evaluate import metric_names, metric_task, resolve_metric, resolve_metrics  # noqa: E402


@pytest.fixture(scope="module")
def clf():
    X, y = load_breast_cancer(return_X_y=True)
    X = X[:, :5]
    return LogisticRegression(max_iter=2000).fit(X, y), X, y


@pytest.fixture(scope="module")
def reg():
    X, y = load_diabetes(return_X_y=True)
    return LinearRegression().fit(X, y), X, y


def test_classification_metrics_match_sklearn(clf):
    model, X, y = clf
    pred = model.predict(X)
    assert resolve_metric("accuracy")(model, X, y) == pytest.approx(accuracy_score(y, pred))
    assert resolve_metric("error_rate")(model, X, y) == pytest.approx(1 - accuracy_score(y, pred))
    assert resolve_metric("f1_macro")(model, X, y) == pytest.approx(
        f1_score(y, pred, average="macro"))
    ll = resolve_metric("log_loss")
    assert ll(model, X, y) == pytest.approx(log_loss(y, model.predict_proba(X)))
    assert ll(model, X, y) > 0 and not ll.greater_is_better and ll.direction == "minimize"
    auc = resolve_metric("roc_auc")
    assert 0.5 < auc(model, X, y) <= 1 and auc.direction == "maximize"


def test_every_classification_alias_equals_sklearns_function():
    X, y = load_breast_cancer(return_X_y=True)
    X = X[:, :5]  # a weaker model, so that the metrics differ from each other
    model = LogisticRegression(max_iter=2000).fit(X, y)
    pred, proba = model.predict(X), model.predict_proba(X)[:, 1]
    expected = {"accuracy": accuracy_score(y, pred),
                "balanced_accuracy": balanced_accuracy_score(y, pred),
                "roc_auc": roc_auc_score(y, proba)}
    for fn, name in ((precision_score, "precision"), (recall_score, "recall"), (f1_score, "f1")):
        expected[name] = fn(y, pred)
        for avg in ("macro", "weighted"):
            expected[f"{name}_{avg}"] = fn(y, pred, average=avg)
    assert len(set(np.round(list(expected.values()), 6))) > 5
    for name, value in expected.items():
        m = resolve_metric(name)
        assert m(model, X, y) == pytest.approx(value), name
        assert m.direction == "maximize" and metric_task(m) == "classification"


def test_multiclass_roc_auc_and_r2():
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    model = LogisticRegression(max_iter=5000).fit(X[:, :3], y)
    proba = model.predict_proba(X[:, :3])
    for avg in ("ovr", "ovo"):
        assert resolve_metric(f"roc_auc_{avg}")(model, X[:, :3], y) == pytest.approx(
            roc_auc_score(y, proba, multi_class=avg))
    Xr, yr = load_diabetes(return_X_y=True)
    reg = LinearRegression().fit(Xr, yr)
    assert resolve_metric("r2")(reg, Xr, yr) == pytest.approx(r2_score(yr, reg.predict(Xr)))


def test_regression_metrics_are_losses_in_natural_units(reg):
    model, X, y = reg
    pred = model.predict(X)
    mse = mean_squared_error(y, pred)
    assert resolve_metric("mse")(model, X, y) == pytest.approx(mse)
    assert resolve_metric("rmse")(model, X, y) == pytest.approx(math.sqrt(mse))
    assert resolve_metric("mae")(model, X, y) == pytest.approx(mean_absolute_error(y, pred))
    assert resolve_metric("r2").greater_is_better
    for name in ("mse", "rmse", "mae"):
        assert resolve_metric(name).direction == "minimize"


def test_sklearn_names_keep_sklearns_convention(reg):
    model, X, y = reg
    m = resolve_metric("neg_mean_squared_error")
    assert m.greater_is_better and m(model, X, y) < 0


def test_scorer_callables_and_make_scorer(reg):
    model, X, y = reg
    loss = resolve_metric(make_scorer(mean_absolute_error, greater_is_better=False))
    assert loss.direction == "minimize"
    assert loss(model, X, y) == pytest.approx(mean_absolute_error(y, model.predict(X)))

    def my_score(est, X_, y_):
        return float(np.mean(est.predict(X_) > 100))

    m = resolve_metric(my_score)
    assert m.name == "my_score" and m.greater_is_better
    # make_scorer objects are named by their metric function, and two of one name in a
    # list are told apart instead of clashing
    assert loss.name == "mean_absolute_error"
    two = resolve_metrics([make_scorer(mean_absolute_error, greater_is_better=False),
                           make_scorer(mean_absolute_error, greater_is_better=False,
                                       multioutput="uniform_average"), "r2"])
    assert list(two) == ["mean_absolute_error", "mean_absolute_error_2", "r2"]


def test_unknown_metric_suggests_close_names():
    with pytest.raises(ValueError, match=r"unknown metric 'acuracy'.*'accuracy'"):
        resolve_metric("acuracy")
    with pytest.raises(TypeError):
        resolve_metric(3)


def test_several_metrics_keep_order_and_reject_duplicates():
    ms = resolve_metrics(["rmse", "r2", "mae"])
    assert list(ms) == ["rmse", "r2", "mae"]
    named = resolve_metrics({"err": "mae", "fit": "r2"})
    assert list(named) == ["err", "fit"] and named["err"].direction == "minimize"
    with pytest.raises(ValueError, match="twice"):
        resolve_metrics(["r2", "r2"])
    with pytest.raises(ValueError):
        resolve_metrics([])


def test_names_and_tasks():
    names = metric_names()
    assert {"accuracy", "rmse", "log_loss", "neg_log_loss", "f1_weighted"} <= set(names)
    assert metric_task("rmse") == "regression"
    assert metric_task("neg_mean_absolute_error") == "regression"
    assert metric_task("f1_macro") == "classification"
