"""partial_fit and warm_start loops: per-step reports, pruning, early stopping."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import tuneforge as tf
from tests.conftest import require_module
from tests.training._pruners import PruneAt
from tuneforge.training import fit_incremental, fit_warm_start

require_module("sklearn", "sklearn")
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.linear_model import SGDClassifier  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = X[:600] / 16.0
    return train_test_split(X, y[:600], test_size=0.3, random_state=0)


def test_partial_fit_reports_every_epoch_and_restores_the_best(digits):
    X, X_val, y, y_val = digits
    stopper = tf.EarlyStopping(patience=2)
    est, log = fit_incremental(SGDClassifier(random_state=0, eta0=1.0, learning_rate="constant"),
                               X, y, validation=(X_val, y_val), max_epochs=30,
                               classes=np.unique(y), early_stopping=stopper)
    assert log.steps == list(range(1, len(log.scores) + 1))
    best = int(np.argmax(log.scores))
    assert log.stopped_early == (len(log.scores) < 30)
    assert log.best_step == log.steps[stopper.best_step] == best + 1
    assert est.score(X_val, y_val) == pytest.approx(max(log.scores))  # the best is back


def test_partial_fit_reports_to_a_trial_and_prunes_at_the_pruners_step(digits):
    X, X_val, y, y_val = digits
    study = tf.create_study(direction="maximize", pruner=PruneAt(3))

    def objective(trial):
        alpha = trial.suggest_float("alpha", 1e-5, 1e-1, log=True)
        est, log = fit_incremental(SGDClassifier(alpha=alpha, random_state=0), X, y,
                                   validation=(X_val, y_val), max_epochs=10,
                                   classes=np.unique(y), trial=trial)
        return max(log.scores)

    study.optimize(objective, n_trials=2)
    for t in study.trials:
        assert t.state is tf.TrialState.PRUNED and sorted(t.intermediate) == [1, 2, 3]


def test_warm_start_grows_boosting_rounds_and_patience_is_a_hyperparameter(digits):
    X, X_val, y, y_val = digits

    def objective(trial):
        patience = trial.suggest_int("patience", 1, 3)
        est, log = fit_warm_start(
            HistGradientBoostingClassifier(learning_rate=0.3, early_stopping=False,
                                           max_leaf_nodes=4, random_state=0),
            X, y >= 5, validation=(X_val, y_val >= 5), param="max_iter",
            values=range(5, 41, 5),
            early_stopping=tf.EarlyStopping(patience=patience), trial=trial)
        assert est.n_iter_ == log.best_step  # the best model, not the last one
        return max(log.scores)

    study = tf.create_study(direction="maximize", sampler=tf.GridSampler(
        {"patience": [1, 3]}))
    with threadpool_limits(limits=1):  # OpenMP threads on a busy small machine: 50x slower
        study.optimize(objective, n_trials=2)
    steps = {t.params["patience"]: sorted(t.intermediate) for t in study.trials}
    for s in steps.values():
        assert s[0] == 5 and all(b - a == 5 for a, b in zip(s, s[1:], strict=False))
    assert len(steps[1]) <= len(steps[3])  # more patience never trains less


def test_errors_name_the_estimator(digits):
    X, X_val, y, y_val = digits
    with pytest.raises(TypeError, match="no partial_fit"):
        fit_incremental(HistGradientBoostingClassifier(), X, y, validation=(X_val, y_val),
                        max_epochs=2)
    with pytest.raises(ValueError, match="increasing"):
        fit_warm_start(HistGradientBoostingClassifier(), X, y, validation=(X_val, y_val),
                       param="max_iter", values=[10, 5])
    with pytest.raises(ValueError, match="no parameter 'n_estimators'"):
        fit_warm_start(HistGradientBoostingClassifier(), X, y, validation=(X_val, y_val),
                       param="n_estimators", values=[5])
