"""XGBoostPruningCallback: one report per boosting round, pruning at the pruner's round."""

import builtins
import importlib
import sys

import pytest

import tuneforge as tf
from tests.conftest import require_module
from tests.training._pruners import PruneAt

xgb = require_module("xgboost", "xgboost")
require_module("sklearn", "sklearn")
from sklearn.datasets import load_breast_cancer  # noqa: E402

from tuneforge.integrations.xgboost import XGBoostPruningCallback  # noqa: E402


@pytest.fixture(scope="module")
def data():
    X, y = load_breast_cancer(return_X_y=True)
    return X[:300], y[:300], X[300:], y[300:]


def run(study, data, key, rounds=8):
    X, y, Xv, yv = data

    def objective(trial):
        depth = trial.suggest_int("max_depth", 1, 3)
        model = xgb.XGBClassifier(n_estimators=rounds, max_depth=depth, eval_metric="logloss",
                                  n_jobs=1, callbacks=[XGBoostPruningCallback(trial, key)])
        model.fit(X, y, eval_set=[(Xv, yv)], verbose=False)
        return float(model.evals_result()["validation_0"]["logloss"][-1])

    study.optimize(objective, n_trials=1, catch=())
    return study.trials[0]


def test_reports_every_round_of_the_validation_metric(data):
    trial = run(tf.create_study(), data, "validation_0-logloss")
    assert trial.state is tf.TrialState.COMPLETE
    assert sorted(trial.intermediate) == list(range(8))
    assert trial.intermediate[7] == pytest.approx(trial.value)
    values = [trial.intermediate[i] for i in range(8)]
    assert values[-1] < values[0]  # log-loss falls as rounds are added


def test_prunes_at_the_round_the_pruner_names(data):
    trial = run(tf.create_study(pruner=PruneAt(2)), data, "validation_0-logloss")
    assert trial.state is tf.TrialState.PRUNED and sorted(trial.intermediate) == [0, 1, 2]


def test_a_wrong_key_lists_the_known_ones(data):
    with pytest.raises(ValueError, match="validation_0-logloss"):
        run(tf.create_study(), data, "validation_0-auc")
    with pytest.raises(ValueError, match="eval set"):
        XGBoostPruningCallback(None, "logloss")


def test_without_xgboost_the_error_names_the_extra(monkeypatch):
    real = builtins.__import__

    def blocked(name, *args, **kwargs):
        if name == "xgboost" or name.startswith("xgboost."):
            raise ImportError("no xgboost")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", blocked)
    monkeypatch.delitem(sys.modules, "tuneforge.integrations.xgboost")
    module = importlib.import_module("tuneforge.integrations.xgboost")  # imports fine
    with pytest.raises(tf.MissingExtraError, match=r"tuneforge\[xgboost\]"):
        module.XGBoostPruningCallback(None, "validation_0-logloss")
