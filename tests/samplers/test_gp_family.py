"""The GP sampler's choice of a model family: each choice scored by the best acquisition
of its branch's own GP, after each got its startup trials."""

import math
from collections import Counter

import tuneforge as tf
from tuneforge.samplers.gp import GPSampler


def _needle(trial):
    """A uniformly fair family ("flat", about 0.5 anywhere) and one that is poor almost
    everywhere but holds the optimum 0 in a narrow well ("peak", near x = 0.7, y = 0.2)."""
    family = trial.suggest_categorical("family", ["flat", "peak"])
    if family == "flat":
        return 0.5 + 0.01 * trial.suggest_float("flat_x", 0.0, 1.0)
    x = trial.suggest_float("peak_x", 0.0, 1.0)
    y = trial.suggest_float("peak_y", 0.0, 1.0)
    return 1.0 - math.exp(-((x - 0.7) ** 2 + (y - 0.2) ** 2) / 0.05)


def test_family_choice_follows_each_branch_model_not_the_branch_average():
    """A GP on the family alone compares branch averages and stays with "flat"; each
    branch's own model sees that only "peak" can still improve."""
    study = tf.create_study(sampler=GPSampler(seed=0), seed=0)
    study.optimize(_needle, n_trials=40)
    assert study.best_params["family"] == "peak" and study.best_value < 0.05
    chosen = [t for t in study.trials if "gp_family" in t.system_attrs]
    assert chosen and all(len(t.system_attrs["gp_family"]) == 2 for t in chosen)
    assert sum(t.params["family"] == "peak" for t in chosen) > len(chosen) / 2
    # every family got its startup trials before the models compared them
    before = [t for t in study.trials if t.number < chosen[0].number]
    assert all(sum(t.params["family"] == f for t in before) >= 5 for f in ("flat", "peak"))


def test_family_choice_without_parameters_is_not_repeated():
    """A choice that opens no parameters is one configuration: neither the per-family
    startup nor the starving rule evaluates it again."""
    def objective(trial):
        family = trial.suggest_categorical("family", ["baseline", "tuned"])
        if family == "baseline":
            return 0.5
        return (trial.suggest_float("x", 0.0, 1.0) - 0.3) ** 2

    study = tf.create_study(sampler=GPSampler(seed=0), seed=0)
    study.optimize(objective, n_trials=30)
    baseline = [t.number for t in study.trials if t.params["family"] == "baseline"]
    assert baseline and max(baseline) < 5, baseline   # only the Sobol startup drew it
    assert any("gp_family" in t.system_attrs for t in study.trials)
    assert study.best_value < 1e-3


def test_family_startup_stays_near_twenty_trials_with_many_families():
    """Nine families get 3 trials each before the models compare them (not 5 each:
    45 trials would be most of a typical GP budget)."""
    def objective(trial):
        family = trial.suggest_categorical("family", [f"f{i}" for i in range(9)])
        x = trial.suggest_float(f"{family}_x", 0.0, 1.0)
        return (x - 0.5) ** 2 + int(family[1:]) / 10

    study = tf.create_study(sampler=GPSampler(seed=0), seed=0)
    study.optimize(objective, n_trials=40)
    first = min(t.number for t in study.trials if "gp_family" in t.system_attrs)
    counts = Counter(t.params["family"] for t in study.trials if t.number < first)
    assert len(counts) == 9 and min(counts.values()) == 3, counts
    assert first <= 5 + 27
