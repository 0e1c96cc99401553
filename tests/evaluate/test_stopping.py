"""NoiseAwareStopping: stops when recent gains are within the CV noise, and only then."""

import pytest

import tuneforge as tf
from tests.conftest import require_module
from tuneforge.evaluate.stopping import NoiseAwareStopping, cv_sem, window_gain


def scripted(values, sem=None, sems_by_metric=None):
    """An objective returning values[trial.number], with a CV record like
    cross_val_objective's (metric "score") when a standard error is given."""
    def objective(trial):
        v = values[trial.number]
        if sems_by_metric is not None:
            trial.set_user_attr("cv", {"mean": {m: v for m in sems_by_metric},
                                       "sem": dict(sems_by_metric)})
        elif sem is not None:
            trial.set_user_attr("cv", {"mean": {"score": v}, "sem": {"score": sem}})
        return v
    return objective


# best so far: 10, 5, 4.9 (trial 2), 4.9, 4.9, 4.8 (trial 5), then 4.7 (trial 6) for ever
PLATEAU = [10.0, 5.0, 4.9, 4.95, 4.9, 4.8] + [4.7] * 40


def run(values, rule, direction="minimize", n_trials=40, **kw):
    study = tf.create_study(direction=direction, seed=0)
    study.optimize(scripted(values, **kw), n_trials=n_trials, callbacks=[rule])
    return study


def test_stops_when_the_window_gain_is_within_one_standard_error():
    rule = NoiseAwareStopping(patience=3, min_trials=4, threshold=1.0)
    study = run(PLATEAU, rule, sem=0.5)
    # after trial 4: the last three (best 4.9) beat trial 1 (5.0) by 0.1 <= 1 x 0.5
    assert len(study.trials) == 5
    stopped = study.user_attrs["stopped_by"]
    assert stopped["trial"] == 4 and stopped["incumbent"] == 1
    assert stopped["gain"] == pytest.approx(0.1) and stopped["noise"] == 0.5
    assert "trial 1" in rule.reason and "standard error" in rule.reason


def test_a_smaller_threshold_waits_for_a_real_plateau():
    rule = NoiseAwareStopping(patience=3, min_trials=4, threshold=0.1)
    study = run(PLATEAU, rule, sem=0.5)
    # noise 0.05: gains of 0.1-0.2 keep it going until trials 7-9 (4.7) add nothing to
    # trial 6 (4.7), which is seen after trial 9
    assert len(study.trials) == 10
    assert study.user_attrs["stopped_by"]["incumbent"] == 6


def test_maximize_is_mirrored():
    rule = NoiseAwareStopping(patience=3, min_trials=4)
    study = run([-v for v in PLATEAU], rule, direction="maximize", sem=0.5)
    assert len(study.trials) == 5 and study.user_attrs["stopped_by"]["incumbent"] == 1


def test_min_trials_is_respected():
    rule = NoiseAwareStopping(patience=3, min_trials=8)
    study = run(PLATEAU, rule, sem=0.5)
    assert len(study.trials) == 8


def test_large_improvements_never_stop():
    rule = NoiseAwareStopping(patience=3, min_trials=4)
    study = run([100.0 - 2 * i for i in range(30)], rule, n_trials=30, sem=0.5)
    assert len(study.trials) == 30
    assert rule.reason is None and "stopped_by" not in study.user_attrs


def test_plain_patience_without_a_standard_error():
    rule = NoiseAwareStopping(patience=3, min_trials=4)
    study = run([5.0, 4.0, 4.5, 4.0, 4.2, 4.1, 3.0, 4.0], rule, n_trials=8)
    # trials 1-3 gain 1.0 on trial 0; trials 2-4 (best 4.0) gain nothing on trial 1
    assert len(study.trials) == 5
    assert study.user_attrs["stopped_by"]["sem_recorded"] is False
    assert "no CV standard error" in rule.reason


def test_metric_selects_the_standard_error():
    sems = {"acc": 0.5, "f1": 0.01}
    assert len(run(PLATEAU, NoiseAwareStopping(patience=3, min_trials=4, metric="acc"),
                   sems_by_metric=sems).trials) == 5
    # with f1's tiny noise the 0.1 gains count; it stops on the 4.7 plateau instead
    assert len(run(PLATEAU, NoiseAwareStopping(patience=3, min_trials=4, metric="f1"),
                   sems_by_metric=sems).trials) == 10


def test_window_gain():
    assert window_gain([3.0, 1.0, 2.0, 1.5], 2, maximize=False) == (1, pytest.approx(-0.5))
    assert window_gain([3.0, 1.0, 2.0, 4.0], 2, maximize=True) == (0, pytest.approx(1.0))
    assert window_gain([float("inf"), float("inf")], 1, maximize=True) == (0, 0.0)
    with pytest.raises(ValueError, match="patience"):
        window_gain([1.0, 2.0], 2, maximize=False)


def test_reads_the_standard_error_cross_val_objective_stores():
    require_module("sklearn", "sklearn")  # only this check needs it; the rule does not
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from tuneforge.evaluate import cross_val_objective

    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    obj = cross_val_objective(LogisticRegression(), X, y, cv=3,
                              space={"C": tf.Float(1e-2, 1e2, log=True)},
                              scoring=["f1", "accuracy"])
    study = tf.create_study(direction=obj.direction, seed=0)
    study.optimize(obj, n_trials=1)
    trial = study.trials[0]
    cv = trial.user_attrs["cv"]
    assert cv_sem(trial) == cv["sem"]["f1"]  # the optimized metric
    assert cv_sem(trial, "accuracy") == cv["sem"]["accuracy"]
    assert cv_sem(trial, "nope") is None


@pytest.mark.parametrize("kw", [{"patience": 0}, {"min_trials": -1}, {"threshold": -1.0}])
def test_bad_arguments(kw):
    with pytest.raises(ValueError):
        NoiseAwareStopping(**kw)


def test_several_objectives_are_rejected():
    study = tf.create_study(directions=["minimize", "maximize"])
    with pytest.raises(tf.TuneforgeError, match="single-objective"):
        study.optimize(lambda t: (1.0, 2.0), n_trials=1, callbacks=[NoiseAwareStopping()])


def test_numpy_numbers_are_accepted_and_bools_are_not():
    import numpy as np

    rule = NoiseAwareStopping(patience=np.int64(3), min_trials=np.int32(4),
                              threshold=np.float32(0.5))
    assert (rule.patience, rule.min_trials, rule.threshold) == (3, 4, 0.5)
    assert type(rule.patience) is int
    with pytest.raises(ValueError, match="threshold"):
        NoiseAwareStopping(threshold=True)
