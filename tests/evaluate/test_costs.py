"""Cost metrics: model_size per family (counted by hand here) and predict_latency."""

import numpy as np
import pytest

from tests.conftest import require_module

require_module("sklearn", "sklearn")

from sklearn.datasets import load_iris  # noqa: E402
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

from tuneforge.evaluate import resolve_metric  # noqa: E402
from tuneforge.evaluate.costs import model_size, predict_latency  # noqa: E402

X, y = load_iris(return_X_y=True)


def test_model_size_per_family():
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    assert model_size(tree) == tree.tree_.node_count == 5
    forest = RandomForestClassifier(n_estimators=3, max_depth=2, random_state=0).fit(X, y)
    assert model_size(forest) == sum(t.tree_.node_count for t in forest.estimators_)
    gb = GradientBoostingClassifier(n_estimators=2, max_depth=1, random_state=0).fit(X, y)
    assert model_size(gb) == 2 * 3 * 3  # 2 rounds x 3 classes x 3-node stumps
    assert model_size(LogisticRegression(max_iter=500).fit(X, y)) == 3 * 4 + 3
    assert model_size(Ridge().fit(X, X[:, 0])) == 4 + 1
    svc = SVC().fit(X, y)
    assert model_size(svc) == svc.support_vectors_.size + svc.dual_coef_.size + 3
    assert model_size(KNeighborsClassifier().fit(X, y)) == X.size
    mlp = MLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0)
    with pytest.warns(Warning):
        mlp.fit(X, y)
    assert model_size(mlp) == 4 * 5 + 5 + 5 * 3 + 3
    pipe = make_pipeline(StandardScaler(), DecisionTreeClassifier(max_depth=2,
                                                                  random_state=0)).fit(X, y)
    assert model_size(pipe) == 3 * 4 + 5  # the scaler keeps mean_, var_ and scale_


def test_predict_latency_is_seconds_per_thousand_rows():
    tree = DecisionTreeClassifier(random_state=0).fit(X, y)
    t = predict_latency(tree, X)
    assert 0 < t < 1.0
    with pytest.raises(ValueError, match="at least one row"):
        predict_latency(tree, X[:0])


def test_cost_metrics_are_minimized_metrics_by_name():
    size = resolve_metric("model_size")
    assert size.direction == "minimize"
    tree = DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, y)
    assert size(tree, X, y) == 3.0
    assert resolve_metric("predict_latency").direction == "minimize"
    assert np.isfinite(resolve_metric("predict_latency")(tree, X, y))
