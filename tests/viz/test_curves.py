import pytest

from tests.conftest import require_module
from tests.viz._trials import rec
from tuneforge.trial.records import TrialState

require_module("plotly", "dashboard")

from tuneforge.viz import (  # noqa: E402
    plot_cv_folds,
    plot_intermediate_values,
    plot_train_validation_gap,
)
from tuneforge.viz.curves import train_validation  # noqa: E402


def test_intermediate_values_one_curve_per_trial_pruned_faded():
    trials = [rec(0, 0.5, intermediate={0: 1.0, 1: 0.7, 2: 0.5}),
              rec(1, None, state=TrialState.PRUNED, intermediate={0: 1.2, 1: 1.1}),
              rec(2, 0.4)]  # nothing reported: no curve
    fig = plot_intermediate_values(trials)
    assert [t.name for t in fig.data] == ["trial 0", "trial 1"]
    done, pruned = fig.data
    assert list(done.x) == [0, 1, 2] and list(done.y) == [1.0, 0.7, 0.5]
    assert done.opacity == 1.0 and pruned.opacity < 0.5
    assert pruned.line.dash == "dash" and pruned.meta == "PRUNED"


def test_intermediate_values_caps_curves_and_keeps_the_best():
    trials = [rec(i, float(i), intermediate={0: float(i), 1: float(i)}) for i in range(300)]
    fig = plot_intermediate_values(trials, directions=["minimize"], max_trials=50)
    names = {t.name for t in fig.data}
    assert len(names) == 50 and "trial 0" in names and "trial 1" in names
    assert "50 of 300" in fig.layout.title.text


def test_train_validation_from_cv_record_and_from_attrs():
    cv = {"scores": {"acc": [0.8, 0.9]}, "train_scores": {"acc": [1.0, 1.0]}}
    t0 = rec(0, 0.85, user_attrs={"cv": cv})
    t1 = rec(1, 0.7, user_attrs={"train_loss": 0.1, "val_loss": 0.4})
    t2 = rec(2, 0.7)
    assert train_validation(t0) == ("acc", 1.0, pytest.approx(0.85))
    assert train_validation(t1) == ("loss", 0.1, 0.4)
    assert train_validation(t2) is None
    fig = plot_train_validation_gap([t0, t2])
    train, val, gap = fig.data
    assert list(train.x) == [0] and list(train.y) == [1.0] and list(val.y) == [pytest.approx(0.85)]
    assert abs(gap.y[0] - 0.15) < 1e-12 and gap.yaxis == "y2"


def test_cv_folds_points_and_mean_with_spread():
    trials = [rec(0, 0.8, user_attrs={"cv": {"scores": {"acc": [0.7, 0.9]}}}),
              rec(1, 0.6, user_attrs={"cv": {"scores": {"acc": [0.5, 0.6, 0.7]}}}),
              rec(2, 0.6)]
    fig = plot_cv_folds(trials)
    folds, means = fig.data
    assert list(folds.x) == [0, 0, 1, 1, 1] and list(folds.y) == [0.7, 0.9, 0.5, 0.6, 0.7]
    assert list(means.x) == [0, 1]
    assert abs(means.y[0] - 0.8) < 1e-12 and abs(means.error_y.array[0] - 0.1) < 1e-12
    assert "acc" in fig.layout.title.text
