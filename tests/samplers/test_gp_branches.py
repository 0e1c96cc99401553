"""The GP sampler in a conditional space: a branch's parameters proposed together by a
GP on the trials of that branch."""

import tuneforge as tf
from tuneforge.samplers.gp import GPSampler


def _branchy(trial):
    """Two branches with their own parameters; the optimum is in branch "a" at
    x = 0.2, y = 0.7 (value 0)."""
    kind = trial.suggest_categorical("kind", ["a", "b"])
    if kind == "a":
        x = trial.suggest_float("x", 0.0, 1.0)
        y = trial.suggest_float("y", 0.0, 1.0)
        return (x - 0.2) ** 2 + (y - 0.7) ** 2
    z = trial.suggest_float("z", 0.0, 1.0)
    return 0.3 + z


def test_conditional_branch_is_modelled_jointly():
    study = tf.create_study(sampler=GPSampler(seed=0), seed=0)
    study.optimize(_branchy, n_trials=40)
    modelled = [t for t in study.trials if "gp_branch" in t.system_attrs]
    assert modelled, "no branch parameter was modelled"
    info = modelled[-1].system_attrs["gp_branch"]
    assert info["context"] == {"kind": "a"} and info["params"] == ["x", "y"]
    # x and y came from one joint proposal; the study still records them as outside
    # the joint space
    assert modelled[-1].system_attrs["independent_params"] == ["x", "y"]
    assert study.best_value < 1e-3, study.best_params


def test_conditional_branch_beats_uniform_draws():
    """The branch GP finds branch a's optimum better than the uniform fallback did."""
    def best_a(sampler):
        study = tf.create_study(sampler=sampler, seed=1)
        study.optimize(_branchy, n_trials=40)
        return min(t.value for t in study.trials if t.params.get("kind") == "a")

    assert best_a(GPSampler(seed=1)) < best_a(tf.RandomSampler(seed=1))
