"""Fold-by-fold cross-validation as a study objective: scores, reporting, pruning, errors."""

import math
import warnings

import numpy as np
import pytest

from tests.conftest import require_module

require_module("sklearn", "sklearn")

from sklearn.datasets import load_breast_cancer, load_diabetes  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.model_selection import KFold, cross_validate  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

import tuneforge as tf  # noqa: E402
from tuneforge.evaluate import (  # noqa: E402
    cross_val_objective,
    make_splits,
    resolve_metrics,
    run_cv,
)


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return X[:300], y[:300]


def test_run_cv_matches_cross_validate(cancer):
    X, y = cancer
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.5))
    splits = make_splits(5, X, y, classifier=True)
    res = run_cv(model, X, y, splits=splits, metrics=resolve_metrics(["accuracy", "f1"]),
                 return_train_score=True)
    ref = cross_validate(model, X, y, cv=5, scoring=["accuracy", "f1"],
                         return_train_score=True)
    np.testing.assert_allclose(res.test_scores["accuracy"], ref["test_accuracy"])
    np.testing.assert_allclose(res.test_scores["f1"], ref["test_f1"])
    np.testing.assert_allclose(res.train_scores["accuracy"], ref["train_accuracy"])
    assert res.n_done == 5 and len(res.fit_times) == 5
    assert res.sem() == pytest.approx(np.std(ref["test_accuracy"], ddof=1) / math.sqrt(5))


def test_objective_reports_each_fold_and_stores_scores(cancer):
    X, y = cancer
    obj = cross_val_objective(make_pipeline(StandardScaler(), LogisticRegression()), X, y, cv=4,
                              space={"logisticregression__C": tf.Float(1e-2, 10, log=True)},
                              scoring=["accuracy", "log_loss"])
    assert obj.direction == "maximize"
    study = tf.create_study(direction=obj.direction, seed=1)
    study.optimize(obj, n_trials=3)
    for t in study.trials:
        assert t.state is tf.TrialState.COMPLETE
        cv = t.user_attrs["cv"]
        folds = cv["scores"]["accuracy"]
        assert len(folds) == 4 and cv["folds_done"] == 4
        assert t.values[0] == pytest.approx(np.mean(folds))
        assert t.user_attrs["cv_log_loss"] == pytest.approx(np.mean(cv["scores"]["log_loss"]))
        # the running mean was reported after each fold
        inter = t.intermediate
        assert sorted(inter) == [0, 1, 2, 3]
        assert inter[0] == pytest.approx(folds[0])
        assert inter[3] == pytest.approx(np.mean(folds))


def test_median_pruner_stops_bad_trials_after_a_fold(cancer):
    X, y = cancer

    def factory(trial):
        depth = trial.suggest_int("max_depth", 1, 8)
        return DecisionTreeClassifier(max_depth=depth, random_state=0)

    obj = cross_val_objective(factory, X, y, cv=5)
    study = tf.create_study(direction="maximize", seed=0,
                            pruner=tf.MedianPruner(n_startup_trials=3))
    for depth in (6, 6, 6, 1, 1):  # depth 1 is clearly worse than depth 6 here
        study.enqueue_trial({"max_depth": depth})
    study.optimize(obj, n_trials=5)
    states = [t.state for t in study.trials]
    assert states[:3] == [tf.TrialState.COMPLETE] * 3
    assert states[3:] == [tf.TrialState.PRUNED] * 2
    pruned = study.trials[3]
    assert pruned.user_attrs["cv"]["folds_done"] < 5


def test_direction_mismatch_is_a_clear_error():
    X, y = load_diabetes(return_X_y=True)
    obj = cross_val_objective(Ridge(), X, y, space={"alpha": tf.Float(1e-3, 10, log=True)},
                              scoring="rmse")
    assert obj.direction == "minimize"
    study = tf.create_study(direction="maximize")
    with pytest.raises(tf.TuneforgeError, match="rmse.*direction='minimize'"):
        study.optimize(obj, n_trials=1, catch=())
    assert study.trials[0].state is tf.TrialState.FAIL


def test_default_scoring_is_the_estimators_own_score():
    """None scores as scikit-learn's estimator.score: accuracy for a classifier, R2 for a
    regressor (a factory: judged by the target)."""
    X, y = load_diabetes(return_X_y=True)
    obj = cross_val_objective(Ridge(), X, y, space={"alpha": tf.Float(1e-3, 10, log=True)})
    assert obj.metric.name == "r2" and obj.direction == "maximize"
    study = tf.create_study(direction=obj.direction, seed=0)
    study.optimize(obj, n_trials=2)
    assert all(t.state is tf.TrialState.COMPLETE for t in study.trials)
    assert 0.3 < study.best_value < 0.6
    factory = cross_val_objective(lambda t: Ridge(alpha=t.suggest_float("a", 0.1, 1)), X, y)
    assert factory.metric.name == "r2"
    Xc, yc = load_breast_cancer(return_X_y=True)
    assert cross_val_objective(lambda t: LogisticRegression(), Xc, yc).metric.name == "accuracy"


def test_metric_of_the_wrong_task_is_refused_up_front():
    X, y = load_diabetes(return_X_y=True)
    with pytest.raises(ValueError, match="'accuracy' is a classification metric but Ridge is "
                                         "a regressor"):
        cross_val_objective(Ridge(), X, y, space={"alpha": tf.Float(1e-3, 10, log=True)},
                            scoring="accuracy")
    Xc, yc = load_breast_cancer(return_X_y=True)
    with pytest.raises(ValueError, match="'rmse' is a regression metric but "
                                         "LogisticRegression is a classifier"):
        cross_val_objective(LogisticRegression(), Xc, yc, space={"C": tf.Float(0.1, 1)},
                            scoring="rmse")


def test_factory_with_regression_metric_uses_plain_kfold():
    X, y = load_diabetes(return_X_y=True)  # integer-valued float target: not classes
    obj = cross_val_objective(lambda t: Ridge(alpha=t.suggest_float("a", 0.1, 1)), X, y,
                              scoring="rmse", cv=3)
    ref = list(KFold(3).split(X, y))
    for (_, te), (_, rte) in zip(obj.splits, ref, strict=True):
        np.testing.assert_array_equal(te, rte)


def test_error_score_nan_fails_the_trial_with_the_reason(cancer):
    X, y = cancer

    def factory(trial):
        c = trial.suggest_float("C", -1.0, 1.0)
        return LogisticRegression(C=c)  # C <= 0 is invalid: fit raises

    obj = cross_val_objective(factory, X, y, cv=3, error_score=np.nan, prune=False)
    study = tf.create_study(direction="maximize")
    study.enqueue_trial({"C": -0.5})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(obj, n_trials=1)
    t = study.trials[0]
    assert t.state is tf.TrialState.FAIL
    assert "fold 0" in t.user_attrs["cv_errors"][0]

    raising = cross_val_objective(factory, X, y, cv=3)  # error_score="raise"
    study2 = tf.create_study(direction="maximize")
    study2.enqueue_trial({"C": -0.5})
    study2.optimize(raising, n_trials=1)
    t2 = study2.trials[0]
    assert t2.state is tf.TrialState.FAIL and "C" in t2.system_attrs["fail_reason"]


def test_sample_weight_is_cut_to_each_fold(cancer):
    X, y = cancer
    seen = []

    class Recorder(LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            seen.append((len(X), None if sample_weight is None else len(sample_weight)))
            return super().fit(X, y, sample_weight=sample_weight)

    obj = cross_val_objective(Recorder(max_iter=500), X, y, cv=3,
                              space={"C": tf.Float(0.1, 1)},
                              fit_params={"sample_weight": np.ones(len(y))})
    tf.create_study(direction="maximize").optimize(obj, n_trials=1, catch=())
    assert len(seen) == 3 and all(n == w for n, w in seen)


def test_parallel_workers_run_the_objective():
    X, y = load_diabetes(return_X_y=True)
    obj = cross_val_objective(Ridge(), X, y, space={"alpha": tf.Float(1e-3, 10, log=True)},
                              scoring=["rmse", "r2"], cv=3)
    study = tf.create_study(direction=obj.direction, seed=0)
    study.optimize(obj, n_trials=4, n_jobs=2)
    done = study.get_trials([tf.TrialState.COMPLETE])
    assert len(done) == 4
    assert all(len(t.user_attrs["cv"]["scores"]["rmse"]) == 3 for t in done)


def test_bad_arguments():
    X, y = load_diabetes(return_X_y=True)
    with pytest.raises(TypeError, match="factory"):
        cross_val_objective(Ridge(), X, y)  # an estimator without a space
    with pytest.raises(ValueError, match="unknown metric"):
        cross_val_objective(Ridge(), X, y, space={"alpha": tf.Float(0.1, 1)}, scoring="rsme")


def test_cross_val_objective_reports_each_fold_under_wilcoxon():
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression

    from tuneforge import TrialState, WilcoxonPruner, create_study
    from tuneforge.evaluate import cross_val_objective

    X, y = load_breast_cancer(return_X_y=True)

    def model(trial):
        c = trial.suggest_float("C", 1e-6, 10.0, log=True)
        return make_pipeline(StandardScaler(), LogisticRegression(C=c))

    objective = cross_val_objective(model, X, y, cv=8)
    study = create_study(direction="maximize", seed=0,
                            pruner=WilcoxonPruner(p_threshold=0.1))
    study.enqueue_trial({"C": 1.0})
    study.enqueue_trial({"C": 1e-6})  # predicts the majority class: worse on every fold
    study.optimize(objective, n_trials=2)
    good, bad = study.trials
    assert good.state is TrialState.COMPLETE
    scores = good.user_attrs["cv"]["scores"]["accuracy"]
    # each step is that fold's own score, not the running mean
    assert [good.intermediate[i] for i in range(8)] == pytest.approx(scores)
    assert good.value == pytest.approx(np.mean([good.intermediate[i] for i in range(8)]))
    assert bad.state is TrialState.PRUNED and bad.last_step < 7
    assert bad.system_attrs["prune_p_value"] < 0.1
