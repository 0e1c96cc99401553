"""TuneSearchCV as a scikit-learn estimator: API, results format, refit, scoring, failures."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest
from numpy.ma import MaskedArray
from sklearn.base import BaseEstimator, ClassifierMixin, clone, is_classifier
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import RandomizedSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import tuneforge as tf
from tuneforge.integrations.sklearn import GridSearchCV, TuneSearchCV

C_SPACE = {"C": tf.Float(0.01, 10.0, log=True)}


def logreg() -> LogisticRegression:
    return LogisticRegression(max_iter=300)


class FlakyClassifier(ClassifierMixin, BaseEstimator):
    """A logistic regression that refuses to fit when c < 0: a candidate that breaks."""

    def __init__(self, c: float = 1.0) -> None:
        self.c = c

    def fit(self, X, y):
        if self.c < 0:
            raise ValueError(f"c={self.c} is negative")
        self.model_ = LogisticRegression(C=self.c, max_iter=300).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)


# -- estimator API ---------------------------------------------------------------------
def test_clone_and_get_params_round_trip():
    search = TuneSearchCV(logreg(), C_SPACE, n_trials=4, scoring="accuracy", cv=3)
    params = search.get_params(deep=False)
    assert set(params) >= {"estimator", "param_distributions", "n_trials", "sampler", "pruner",
                           "storage", "study_name", "random_state", "timeout"}
    twin = clone(search)
    assert twin is not search and twin.estimator is not search.estimator
    assert twin.get_params(deep=False)["param_distributions"] == C_SPACE
    assert twin.set_params(n_trials=7, estimator__C=3.0) is twin
    assert twin.get_params()["estimator__C"] == 3.0 and twin.n_trials == 7
    assert search.n_trials == 4 and search.estimator.C == 1.0  # the original is untouched
    assert is_classifier(search)


def test_pipeline_parameter_names(iris):
    X, y = iris
    pipe = Pipeline([("scale", StandardScaler()), ("svc", SVC())])
    space = {"svc__C": tf.Float(0.1, 10.0, log=True), "svc__kernel": ["linear", "rbf"]}
    search = TuneSearchCV(pipe, space, n_trials=3, cv=3, random_state=0).fit(X, y)
    assert set(search.best_params_) == {"svc__C", "svc__kernel"}
    svc = search.best_estimator_.named_steps["svc"]
    assert svc.C == search.best_params_["svc__C"]
    assert svc.kernel == search.best_params_["svc__kernel"]
    assert search.predict(X[:5]).shape == (5,)
    assert hasattr(search, "decision_function") and not hasattr(search, "predict_proba")


def test_nested_inside_cross_val_score(iris):
    X, y = iris
    inner = TuneSearchCV(logreg(), C_SPACE, n_trials=2, cv=2, random_state=0)
    scores = cross_val_score(inner, X, y, cv=2)
    assert scores.shape == (2,)
    assert np.all(scores > 1 / 3)  # better than guessing one of three classes
    assert not hasattr(inner, "cv_results_")  # cross_val_score fitted clones


# -- cv_results_ -----------------------------------------------------------------------
@pytest.mark.parametrize("scoring, sk_scoring, refit, train", [
    (None, None, True, False),
    ("accuracy", "accuracy", True, True),
    (["accuracy", "f1_macro"], ["accuracy", "f1_macro"], "f1_macro", True),
    ({"acc": "accuracy", "ll": "log_loss"}, {"acc": "accuracy", "ll": "neg_log_loss"}, "ll",
     False),
])
def test_cv_results_keys_are_scikit_learns(iris, scoring, sk_scoring, refit, train):
    X, y = iris
    ours = TuneSearchCV(logreg(), C_SPACE, n_trials=2, cv=2, scoring=scoring, refit=refit,
                        return_train_score=train, random_state=0).fit(X, y)
    theirs = RandomizedSearchCV(logreg(), {"C": [0.1, 1.0]}, n_iter=2, cv=2,
                                scoring=sk_scoring, refit=refit, return_train_score=train,
                                random_state=0).fit(X, y)
    assert set(ours.cv_results_) == set(theirs.cv_results_)
    for key, value in theirs.cv_results_.items():
        assert type(ours.cv_results_[key]) is type(value), key
        assert len(ours.cv_results_[key]) == 2, key
    assert ours.multimetric_ == theirs.multimetric_
    assert ours.n_splits_ == 2


def test_cv_results_scores_and_ranks_agree(iris):
    X, y = iris
    search = TuneSearchCV(logreg(), C_SPACE, n_trials=4, cv=3, return_train_score=True,
                          random_state=1).fit(X, y)
    res = search.cv_results_
    splits = np.column_stack([res[f"split{k}_test_score"] for k in range(3)])
    np.testing.assert_allclose(res["mean_test_score"], splits.mean(axis=1))
    np.testing.assert_allclose(res["std_test_score"], splits.std(axis=1))
    values = [t.value for t in search.trials_]  # the study's values are the same means
    np.testing.assert_allclose(res["mean_test_score"], values)
    order = np.argsort(-res["mean_test_score"], kind="stable")
    assert res["rank_test_score"][order[0]] == 1
    assert np.all(np.diff(res["rank_test_score"][order]) >= 0)
    assert search.best_index_ == int(np.argmin(res["rank_test_score"]))
    assert search.best_score_ == res["mean_test_score"].max()
    assert search.best_params_ == res["params"][search.best_index_]
    assert np.all(res["mean_fit_time"] > 0) and np.all(res["mean_train_score"] > 0)
    stored = search.trials_[0].user_attrs["cv"]  # per-fold scores stored on the trial
    np.testing.assert_allclose(stored["scores"]["score"], splits[0])


def test_conditional_space_gives_masked_param_arrays(iris):
    X, y = iris
    space = [{"kernel": ["linear"], "C": tf.Float(0.1, 10.0, log=True)},
             {"kernel": ["rbf"], "C": tf.Float(0.1, 10.0, log=True),
              "gamma": tf.Float(0.01, 1.0, log=True)}]
    search = TuneSearchCV(SVC(), space, n_trials=6, cv=2,
                          sampler=tf.RandomSampler(seed=0)).fit(X, y)
    res = search.cv_results_
    kernels = [p["kernel"] for p in res["params"]]
    assert set(kernels) == {"linear", "rbf"}  # both branches were drawn
    assert all("_branch" not in p for p in res["params"])
    gamma = res["param_gamma"]
    assert isinstance(gamma, MaskedArray) and gamma.dtype == np.float64
    np.testing.assert_array_equal(gamma.mask, [k == "linear" for k in kernels])
    for i, p in enumerate(res["params"]):
        assert res["param_C"][i] == p["C"] and res["param_kernel"][i] == p["kernel"]
        if "gamma" in p:
            assert gamma[i] == p["gamma"]
    assert not np.any(res["param_C"].mask)
    assert search.best_estimator_.kernel == search.best_params_["kernel"]


# -- refit -----------------------------------------------------------------------------
def test_refit_true_refits_the_best(iris):
    X, y = iris
    search = TuneSearchCV(logreg(), C_SPACE, n_trials=3, cv=2, random_state=0).fit(X, y)
    assert search.best_estimator_.C == search.best_params_["C"]
    assert search.refit_time_ > 0
    assert search.n_features_in_ == X.shape[1]
    np.testing.assert_array_equal(search.classes_, np.unique(y))
    np.testing.assert_allclose(search.predict_proba(X[:4]),
                               search.best_estimator_.predict_proba(X[:4]))
    assert search.score(X, y) == search.best_estimator_.score(X, y)


def test_refit_false_keeps_best_params_but_no_estimator(iris):
    X, y = iris
    search = TuneSearchCV(logreg(), C_SPACE, n_trials=3, cv=2, refit=False,
                          random_state=0).fit(X, y)
    assert not hasattr(search, "best_estimator_")
    assert search.best_params_ == search.cv_results_["params"][search.best_index_]
    with pytest.raises(AttributeError, match="refit=False"):
        search.predict(X)
    with pytest.raises(AttributeError, match="refit=False"):
        search.score(X, y)


def test_refit_callable_picks_the_index(iris):
    X, y = iris

    def smallest_c(results):
        return int(np.argmin(results["param_C"]))

    search = TuneSearchCV(logreg(), C_SPACE, n_trials=4, cv=2, refit=smallest_c,
                          random_state=0).fit(X, y)
    cs = [p["C"] for p in search.cv_results_["params"]]
    assert search.best_params_["C"] == min(cs)
    assert search.best_estimator_.C == min(cs)
    assert not hasattr(search, "best_score_")  # as scikit-learn: no score for a callable

    with pytest.raises(IndexError, match="outside"):
        TuneSearchCV(logreg(), C_SPACE, n_trials=2, cv=2, refit=lambda r: 5).fit(X, y)


def test_multimetric_refit_by_name_and_loss_sign(iris):
    X, y = iris
    search = TuneSearchCV(logreg(), C_SPACE, n_trials=4, cv=2, random_state=0,
                          scoring={"acc": "accuracy", "ll": "log_loss"}, refit="ll").fit(X, y)
    res = search.cv_results_
    assert search.study_.direction.value == "minimize"  # the study minimizes the log loss
    assert np.all(res["mean_test_ll"] < 0)  # cv_results_ negates it, as scikit-learn
    np.testing.assert_allclose(res["mean_test_ll"], [-t.value for t in search.trials_])
    assert search.best_index_ == int(np.argmax(res["mean_test_ll"]))
    assert search.best_score_ == res["mean_test_ll"].max()
    assert search.trials_[search.best_index_].number == search.study_.best_trial.number
    assert search.score(X, y) == pytest.approx(search.scorer_["ll"](search.best_estimator_, X, y))
    assert search.score(X, y) < 0


@pytest.mark.parametrize("refit", [True, "nope"])
def test_multimetric_needs_a_metric_name_to_refit(iris, refit):
    X, y = iris
    search = TuneSearchCV(logreg(), C_SPACE, n_trials=2, cv=2,
                          scoring=["accuracy", "f1_macro"], refit=refit)
    with pytest.raises(ValueError, match="multi-metric scoring.*refit"):
        search.fit(X, y)


def test_multimetric_without_refit_sets_no_best(iris):
    X, y = iris
    search = TuneSearchCV(logreg(), C_SPACE, n_trials=2, cv=2,
                          scoring=["accuracy", "f1_macro"], refit=False).fit(X, y)
    assert "rank_test_f1_macro" in search.cv_results_
    assert not hasattr(search, "best_index_") and not hasattr(search, "best_estimator_")


def test_loss_metric_is_negated_in_results_and_score(regression):
    X, y = regression
    search = TuneSearchCV(Ridge(), {"alpha": tf.Float(1e-3, 1e3, log=True)}, scoring="rmse",
                          n_trials=4, cv=3, random_state=0).fit(X, y)
    means = search.cv_results_["mean_test_score"]
    assert search.study_.direction.value == "minimize"
    assert np.all(means < 0)
    np.testing.assert_allclose(means, [-t.value for t in search.trials_])
    assert search.best_score_ == means.max()
    rmse = np.sqrt(mean_squared_error(y, search.predict(X)))
    assert search.score(X, y) == pytest.approx(-rmse)


# -- failures --------------------------------------------------------------------------
def test_error_score_nan_warns_and_ranks_failures_last(iris):
    X, y = iris
    search = GridSearchCV(FlakyClassifier(), {"c": [-1.0, 0.5, 2.0]}, cv=3)
    with pytest.warns(FitFailedWarning, match="3 of 9 fits failed.*c=-1.0 is negative"):
        search.fit(X, y)
    res = search.cv_results_
    failed = [i for i, p in enumerate(res["params"]) if p["c"] < 0]
    assert len(failed) == 1
    i = failed[0]
    assert np.isnan(res["mean_test_score"][i]) and np.isnan(res["split0_test_score"][i])
    assert res["rank_test_score"][i] == res["rank_test_score"].max() == len(res["params"])
    trial = search.trials_[i]
    assert trial.state is tf.TrialState.FAIL
    assert "c=-1.0 is negative" in trial.system_attrs["fail_reason"]
    assert search.best_params_["c"] > 0
    assert all(t.state is tf.TrialState.COMPLETE for j, t in enumerate(search.trials_) if j != i)


def test_error_score_number_scores_failed_folds(iris):
    X, y = iris
    search = GridSearchCV(FlakyClassifier(), {"c": [-1.0, 1.0]}, cv=2, error_score=0.25)
    with pytest.warns(FitFailedWarning):
        search.fit(X, y)
    res = search.cv_results_
    i = [p["c"] for p in res["params"]].index(-1.0)
    assert res["split0_test_score"][i] == res["split1_test_score"][i] == 0.25
    assert search.trials_[i].state is tf.TrialState.COMPLETE


def test_error_score_raise_reraises(iris):
    X, y = iris
    search = GridSearchCV(FlakyClassifier(), {"c": [-1.0, 1.0]}, cv=2, error_score="raise")
    with pytest.raises(ValueError, match="c=-1.0 is negative"):
        search.fit(X, y)


def test_no_completed_candidate_is_an_error_naming_the_cause(iris):
    X, y = iris
    search = GridSearchCV(FlakyClassifier(), {"c": [-2.0, -1.0]}, cv=2)
    with pytest.warns(FitFailedWarning), \
            pytest.raises(ValueError, match="none of the 2 candidates.*is negative"):
        search.fit(X, y)


@pytest.mark.parametrize("kwargs, match", [
    ({"n_trials": 0}, "n_trials must be a positive integer"),
    ({"error_score": "skip"}, "error_score must be 'raise' or a number"),
    ({"param_distributions": {"C": 3}}, "parameter 'C'"),
    ({"scoring": "accuracyy"}, "unknown metric 'accuracyy'"),
    ({"n_trials": None}, "needs a timeout"),
])
def test_invalid_settings_fail_with_a_clear_message(iris, kwargs, match):
    X, y = iris
    args = {"param_distributions": C_SPACE, "n_trials": 2, "cv": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        TuneSearchCV(logreg(), **args).fit(X, y)


def test_groups_and_fit_params_reach_the_folds_and_the_refit(iris):
    from sklearn.model_selection import GroupKFold

    X, y = iris
    groups = np.arange(len(y)) % 5
    weights = np.where(y == 2, 3.0, 1.0)
    search = TuneSearchCV(logreg(), C_SPACE, n_trials=2, cv=GroupKFold(n_splits=5),
                          random_state=0)
    search.fit(X, y, groups=groups, sample_weight=weights)
    assert search.n_splits_ == 5
    direct = LogisticRegression(C=search.best_params_["C"], max_iter=300)
    direct.fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(search.best_estimator_.coef_, direct.coef_)
    with pytest.raises(ValueError, match="groups"):
        search.fit(X, y)


# -- persistence and reporting ---------------------------------------------------------
def test_pickled_search_predicts_and_reopens_its_study(iris, tmp_path):
    X, y = iris
    url = f"sqlite:///{tmp_path / 'search.db'}"
    search = TuneSearchCV(logreg(), C_SPACE, n_trials=2, cv=2, storage=url,
                          study_name="pickled", random_state=0).fit(X, y)
    copy = pickle.loads(pickle.dumps(search))
    np.testing.assert_array_equal(copy.predict(X), search.predict(X))
    assert copy.trials_ == search.trials_
    assert copy.study_.study_name == "pickled" and len(copy.study_.trials) == 2

    in_memory = TuneSearchCV(logreg(), C_SPACE, n_trials=2, cv=2).fit(X, y)
    assert len(in_memory.study_.trials) == 2
    with pytest.raises(AttributeError, match="storage="):
        _ = pickle.loads(pickle.dumps(in_memory)).study_


def test_verbose_reports_each_trial(iris, capsys):
    X, y = iris
    TuneSearchCV(logreg(), C_SPACE, n_trials=2, cv=2, verbose=2, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "fitting 2 folds for each of 2 candidates" in out
    assert out.count("COMPLETE") == 2


def test_default_sampler_is_auto_and_says_what_it_chose(iris):
    X, y = iris
    search = TuneSearchCV(logreg(), C_SPACE, n_trials=3, cv=2, random_state=0).fit(X, y)
    assert search.study_.sampler_report() == {"GPSampler": 3}  # small numeric budget
    assert all("numeric space" in t.system_attrs["auto_reason"] for t in search.trials_)


def test_callbacks_see_each_candidate_and_can_stop_the_search(iris):
    from tuneforge.evaluate import NoiseAwareStopping

    X, y = iris
    seen = []
    search = TuneSearchCV(logreg(), C_SPACE, n_trials=6, cv=3, random_state=0,
                          callbacks=lambda study, trial: seen.append(trial.number)).fit(X, y)
    assert seen == [t.number for t in search.trials_] == list(range(6))

    # a stopping rule: the same candidate over and over brings no gain beyond the CV noise
    same = {"C": [1.0]}
    stop = NoiseAwareStopping(patience=3)
    search = TuneSearchCV(logreg(), same, n_trials=50, cv=3, random_state=0,
                          callbacks=[stop]).fit(X, y)
    assert 3 < len(search.trials_) < 50
    with pytest.raises(TypeError, match="callbacks must be callables"):
        TuneSearchCV(logreg(), C_SPACE, n_trials=2, cv=2, callbacks=[3]).fit(X, y)


def test_importing_without_scikit_learn_names_the_extra():
    code = ("import sys; sys.modules['sklearn'] = None\n"
            "try:\n    import tuneforge.integrations.sklearn\n"
            "except ImportError as exc:\n    print(type(exc).__name__, exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.startswith("MissingExtraError")
    assert "pip install 'tuneforge[sklearn]'" in out
