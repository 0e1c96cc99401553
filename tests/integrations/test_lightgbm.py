"""LightGBMPruningCallback: one report per boosting round, pruning at the pruner's round."""

import builtins

import pytest

import tuneforge as tf
from tests.conftest import require_module
from tests.training._pruners import PruneAt
from tuneforge.integrations.lightgbm import LightGBMPruningCallback

lgb = require_module("lightgbm", "lightgbm")
# eval_set works on every lightgbm >= 4 (4.7 prefers eval_X / eval_y and warns)
pytestmark = pytest.mark.filterwarnings("ignore:The argument 'eval_set' is deprecated")
require_module("sklearn", "sklearn")
from sklearn.datasets import load_breast_cancer  # noqa: E402


@pytest.fixture(scope="module")
def data():
    X, y = load_breast_cancer(return_X_y=True)
    return X[:300], y[:300], X[300:], y[300:]


def run(study, data, metric, rounds=8):
    X, y, Xv, yv = data

    def objective(trial):
        leaves = trial.suggest_int("num_leaves", 2, 8)
        model = lgb.LGBMClassifier(n_estimators=rounds, num_leaves=leaves, verbose=-1,
                                   n_jobs=1)
        model.fit(X, y, eval_set=[(Xv, yv)], eval_metric="binary_logloss",
                  callbacks=[LightGBMPruningCallback(trial, metric)])
        return float(model.evals_result_["valid_0"]["binary_logloss"][-1])

    study.optimize(objective, n_trials=1, catch=())
    return study.trials[0]


def test_reports_every_round_of_the_validation_metric(data):
    trial = run(tf.create_study(), data, "binary_logloss")
    assert trial.state is tf.TrialState.COMPLETE
    assert sorted(trial.intermediate) == list(range(8))
    assert trial.intermediate[7] == pytest.approx(trial.value)


def test_prunes_at_the_round_the_pruner_names(data):
    trial = run(tf.create_study(pruner=PruneAt(3)), data, "binary_logloss")
    assert trial.state is tf.TrialState.PRUNED and sorted(trial.intermediate) == [0, 1, 2, 3]


def test_cv_aggregates_are_reported():
    X, y = load_breast_cancer(return_X_y=True)
    study = tf.create_study()
    trial = study.ask()
    lgb.cv({"objective": "binary", "verbose": -1, "num_leaves": 4, "n_jobs": 1},
           lgb.Dataset(X[:200], y[:200]), num_boost_round=5, nfold=2,
           callbacks=[LightGBMPruningCallback(trial, "binary_logloss")])
    assert sorted(trial.record.intermediate) == list(range(5))


def test_a_wrong_metric_lists_the_known_ones(data):
    with pytest.raises(ValueError, match="binary_logloss"):
        run(tf.create_study(), data, "auc")


def test_without_lightgbm_the_error_names_the_extra(monkeypatch):
    real = builtins.__import__

    def blocked(name, *args, **kwargs):
        if name == "lightgbm" or name.startswith("lightgbm."):
            raise ImportError("no lightgbm")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", blocked)
    with pytest.raises(tf.MissingExtraError, match=r"tuneforge\[lightgbm\]"):
        LightGBMPruningCallback(None, "binary_logloss")
