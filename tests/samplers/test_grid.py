import pytest

import tuneforge as tf
from tuneforge import GridSampler, SearchSpaceError, TrialState


def objective(trial):
    return trial.suggest_int("n", 1, 10) * trial.suggest_categorical("k", ["a", "bb"]).__len__()


def test_grid_runs_every_point_once_and_ends():
    sampler = GridSampler({"n": [1, 5, 10], "k": ["a", "bb"]})
    assert len(sampler) == 6
    study = tf.create_study(sampler=sampler)
    study.optimize(objective, n_trials=100)
    assert len(study.trials) == 6
    assert sorted((t.params["n"], t.params["k"]) for t in study.trials) == sorted(
        (n, k) for n in [1, 5, 10] for k in ["a", "bb"])
    assert study.best_value == 1


def test_grid_resumes_where_it_stopped(tmp_path):
    url = f"sqlite:///{tmp_path / 'g.db'}"
    grid = {"n": [1, 2, 3, 4], "k": ["a", "bb"]}
    first = tf.create_study(study_name="g", storage=url, sampler=GridSampler(grid))
    first.optimize(objective, n_trials=3)
    again = tf.load_study("g", storage=url, sampler=GridSampler(grid))
    again.optimize(objective)
    params = [(t.params["n"], t.params["k"]) for t in again.trials]
    assert len(params) == 8 and len(set(params)) == 8
    assert all(t.state is TrialState.COMPLETE for t in again.trials)


def test_grid_value_outside_the_suggested_range_fails_naming_it():
    study = tf.create_study(sampler=GridSampler({"n": [1, 50], "k": ["a"]}))
    study.optimize(objective)
    fail = [t for t in study.trials if t.state is TrialState.FAIL]
    assert len(fail) == 1 and "'n'" in fail[0].system_attrs["fail_reason"]


def test_parameter_missing_from_grid_is_a_clear_error():
    study = tf.create_study(sampler=GridSampler({"n": [1, 2]}))
    study.optimize(objective)
    reasons = {t.system_attrs["fail_reason"] for t in study.trials}
    assert any("'k' is not in the grid" in r for r in reasons)


def test_invalid_grids():
    with pytest.raises(SearchSpaceError, match="at least one"):
        GridSampler({})
    with pytest.raises(SearchSpaceError, match="'n'.*more than once"):
        GridSampler({"n": [1, 1]})
    with pytest.raises(SearchSpaceError, match="'n'.*list"):
        GridSampler({"n": 3})
    with pytest.raises(SearchSpaceError, match="'n'.*empty"):
        GridSampler({"n": []})


def test_shuffled_grid_is_a_permutation():
    s = GridSampler({"a": list(range(5))}, shuffle=True, seed=1)
    assert sorted(c["a"] for c in s.combinations()) == list(range(5))
    assert [c["a"] for c in s.combinations()] != list(range(5))
