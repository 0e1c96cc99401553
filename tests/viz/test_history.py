import numpy as np
import pytest

from tests.conftest import require_module
from tests.viz._trials import rec
from tuneforge.trial.records import TrialState

require_module("plotly", "dashboard")

from tuneforge.viz import plot_edf, plot_optimization_history, plot_timeline  # noqa: E402


def test_history_points_and_best_so_far_line_minimize():
    trials = [rec(0, 5.0), rec(1, 3.0), rec(2, None, state=TrialState.FAIL), rec(3, 4.0),
              rec(4, 1.0)]
    fig = plot_optimization_history(trials, directions=["minimize"])
    points, best = fig.data
    assert list(points.x) == [0, 1, 3, 4]  # the FAIL trial has no value
    assert list(points.y) == [5.0, 3.0, 4.0, 1.0]
    # the step line: only where the best changes, and the last point
    assert list(best.x) == [0, 1, 4] and list(best.y) == [5.0, 3.0, 1.0]
    assert "minimize" in fig.layout.yaxis.title.text


def test_history_maximize_and_names_the_target():
    fig = plot_optimization_history([rec(0, 1.0), rec(1, 3.0), rec(2, 2.0)],
                                    directions=["maximize"], target_name="accuracy")
    assert list(fig.data[1].y) == [1.0, 3.0, 3.0]
    assert fig.layout.yaxis.title.text == "accuracy (maximize)"


def test_history_downsamples_but_keeps_envelope_and_exact_best():
    rng = np.random.default_rng(0)
    vals = rng.normal(size=20_000)
    vals[12_345] = -10.0  # the best must survive the down-sampling
    trials = [rec(i, float(v)) for i, v in enumerate(vals)]
    fig = plot_optimization_history(trials, directions=["minimize"], max_points=1000)
    pts = fig.data[0]
    assert len(pts.x) <= 1002
    assert 12_345 in list(pts.x) and min(pts.y) == -10.0 and max(pts.y) == vals.max()
    assert fig.data[1].y[-1] == -10.0
    assert "shown" in fig.data[0].name


def test_history_of_a_study_object_and_bad_objective():
    import tuneforge as tf

    study = tf.create_study(direction="minimize")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5)
    fig = plot_optimization_history(study)
    assert len(fig.data[0].x) == 5
    with pytest.raises(ValueError, match="objective=1"):
        plot_optimization_history(study, objective=1)
    with pytest.raises(TypeError, match="TrialRecord"):
        plot_optimization_history([1, 2])


def test_edf_is_the_share_at_or_below_each_value():
    fig = plot_edf([rec(i, v) for i, v in enumerate([3.0, 1.0, 2.0, 4.0])])
    line = fig.data[0]
    assert list(line.x) == [1.0, 2.0, 3.0, 4.0]
    assert list(line.y) == [0.25, 0.5, 0.75, 1.0]


def test_timeline_rows_per_worker_coloured_by_state():
    trials = [rec(0, 1.0, start=100.0, end=102.0, system_attrs={"worker": "h:1"}),
              rec(1, None, state=TrialState.PRUNED, start=101.0, end=101.5,
                  system_attrs={"worker": "h:2"}),
              rec(2, None, state=TrialState.RUNNING, start=103.0, system_attrs={"worker": "h:1"}),
              rec(3, None, state=TrialState.WAITING)]  # never started: not on the timeline
    fig = plot_timeline(trials)
    by_state = {t.name: t for t in fig.data}
    assert set(by_state) == {"COMPLETE", "PRUNED", "RUNNING"}
    assert list(by_state["COMPLETE"].y) == ["h:1"] and list(by_state["PRUNED"].y) == ["h:2"]
    assert list(by_state["COMPLETE"].x) == [2000.0]          # ms
    assert list(by_state["RUNNING"].x) == [0.0]              # runs until the newest time seen
    assert list(by_state["PRUNED"].customdata) == [1]
