"""What the study brings to a search: pruning by fold, resuming, worker processes."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import LogisticRegression

import tuneforge as tf
from tuneforge.integrations.sklearn import TuneSearchCV
from tuneforge.integrations.sklearn.objective import SearchObjective

C_SPACE = {"C": tf.Float(0.01, 10.0, log=True)}


def test_median_pruner_stops_bad_candidates_after_a_fold(regression):
    X, y = regression
    # a constant prediction: the further from the mean of y, the worse on every fold
    search = TuneSearchCV(DummyRegressor(strategy="constant"), {"constant": tf.Float(-5, 5)},
                          scoring="mse", n_trials=16, cv=4, sampler=tf.RandomSampler(seed=0),
                          pruner=tf.MedianPruner(n_startup_trials=3)).fit(X, y)
    res = search.cv_results_
    states = [t.state for t in search.trials_]
    pruned = [i for i, s in enumerate(states) if s is tf.TrialState.PRUNED]
    complete = [i for i, s in enumerate(states) if s is tf.TrialState.COMPLETE]
    assert pruned and complete
    for i, trial in enumerate(search.trials_):
        cv = trial.user_attrs["cv"]
        folds = cv["scores"]["score"]  # natural units: MSE, positive
        assert sorted(trial.intermediate) == list(range(len(folds)))
        running = np.cumsum(folds) / np.arange(1, len(folds) + 1)
        np.testing.assert_allclose([trial.intermediate[k] for k in range(len(folds))], running)
        row = np.array([res[f"split{k}_test_score"][i] for k in range(4)])
        np.testing.assert_allclose(row[:len(folds)], -np.array(folds))  # negated loss
        if i in pruned:
            assert len(folds) < 4 and np.all(np.isnan(row[len(folds):]))
            assert np.isnan(res["mean_test_score"][i])
            assert res["rank_test_score"][i] == len(complete) + 1  # after every complete one
        else:
            assert len(folds) == 4 and np.isfinite(res["mean_test_score"][i])
    assert search.best_index_ in complete
    best_mse = min(search.trials_[i].value for i in complete)
    assert search.best_score_ == pytest.approx(-best_mse)


def test_search_resumes_from_sqlite(iris, tmp_path):
    X, y = iris
    url = f"sqlite:///{tmp_path / 'resume.db'}"

    def search(n_trials, space=C_SPACE):
        return TuneSearchCV(LogisticRegression(max_iter=300), space, n_trials=n_trials, cv=2,
                            storage=url, study_name="resume", random_state=0)

    first = search(3).fit(X, y)
    second = search(5).fit(X, y)
    assert [t.number for t in second.trials_] == [0, 1, 2, 3, 4]
    assert second.cv_results_["params"][:3] == first.cv_results_["params"]
    np.testing.assert_array_equal(second.cv_results_["mean_test_score"][:3],
                                  first.cv_results_["mean_test_score"])
    again = search(5).fit(X, y)  # the budget is met: nothing new runs
    assert [t.number for t in again.trials_] == [0, 1, 2, 3, 4]
    assert len(tf.load_study("resume", storage=url).trials) == 5

    with pytest.raises(ValueError, match="another search space"):
        search(6, {"C": tf.Float(0.01, 100.0, log=True)}).fit(X, y)
    with pytest.raises(ValueError, match="another CV splits"):
        search(6).fit(X[:100], y[:100])


def test_grid_search_resumes_without_repeating_points(iris, tmp_path):
    from tuneforge.integrations.sklearn import GridSearchCV

    X, y = iris
    url = f"sqlite:///{tmp_path / 'grid.db'}"
    grid = {"C": [0.1, 1.0, 10.0]}
    first = GridSearchCV(LogisticRegression(max_iter=300), grid, cv=2, storage=url,
                         study_name="grid").fit(X, y)
    again = GridSearchCV(LogisticRegression(max_iter=300), grid, cv=2, storage=url,
                         study_name="grid").fit(X, y)
    assert [t.number for t in again.trials_] == [0, 1, 2]
    assert again.cv_results_["params"] == first.cv_results_["params"]
    assert again.best_params_ == first.best_params_


def test_objective_pickles_for_worker_processes(iris):
    import pickle

    from tuneforge.evaluate.cv import make_splits
    from tuneforge.integrations.sklearn.metrics import plan_scoring
    from tuneforge.integrations.sklearn.space import ParamSpace

    X, y = iris
    plan = plan_scoring("accuracy", True, LogisticRegression())
    objective = SearchObjective(LogisticRegression(), X, y,
                                space=ParamSpace.from_distributions(C_SPACE),
                                splits=make_splits(2, X, y), metrics=plan.metrics,
                                primary=plan.primary, fit_params={}, error_score=np.nan,
                                return_train_score=False)
    copy = pickle.loads(pickle.dumps(objective))
    value = copy(tf.FixedTrial({"C": 1.0}))
    assert 0.5 < value <= 1.0


def test_parallel_workers_run_the_trials(iris, monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")  # the spawned workers inherit it
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    X, y = iris
    search = TuneSearchCV(LogisticRegression(max_iter=300), C_SPACE, n_trials=3, cv=2,
                          n_jobs=2, random_state=0).fit(X, y)
    assert len(search.cv_results_["params"]) == 3
    assert all(t.state is tf.TrialState.COMPLETE for t in search.trials_)
    workers = {t.system_attrs["worker"] for t in search.trials_}
    assert search.study_.worker_id not in workers  # not run in this process
    assert search.best_estimator_.C == search.best_params_["C"]
