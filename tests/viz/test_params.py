import numpy as np
import pytest

from tests.conftest import require_module
from tests.viz._trials import rec
from tuneforge.trial.records import TrialState

require_module("plotly", "dashboard")

from tuneforge.viz import plot_contour, plot_parallel_coordinate, plot_slice  # noqa: E402


def _trials():
    return [rec(0, 1.0, params={"lr": 0.001, "depth": 2, "kind": "a"}),
            rec(1, 2.0, params={"lr": 0.01, "depth": 5, "kind": "c"}),
            rec(2, 3.0, params={"lr": 0.1, "depth": 9, "kind": "b"}),
            rec(3, None, state=TrialState.FAIL, params={"lr": 0.5, "depth": 1, "kind": "a"})]


def test_parallel_coordinate_dimensions():
    fig = plot_parallel_coordinate(_trials())
    dims = fig.data[0].dimensions
    assert [d.label for d in dims] == ["value", "log10 lr", "depth", "kind"]
    assert list(dims[0].values) == [1.0, 2.0, 3.0]  # the FAIL trial is left out
    assert np.allclose(dims[1].values, [-3, -2, -1])
    assert list(dims[3].values) == [0, 2, 1] and list(dims[3].ticktext) == ["a", "b", "c"]
    assert list(fig.data[0].line.color) == [1.0, 2.0, 3.0]


def test_parallel_coordinate_unknown_param_is_named():
    with pytest.raises(ValueError, match="'nope'"):
        plot_parallel_coordinate(_trials(), params=["nope"])


def test_slice_one_panel_per_param_with_axis_types():
    fig = plot_slice(_trials())
    assert [t.name for t in fig.data] == ["lr", "depth", "kind"]
    assert list(fig.data[0].x) == [0.001, 0.01, 0.1] and list(fig.data[0].y) == [1, 2, 3]
    assert list(fig.data[2].x) == ["a", "c", "b"]
    assert fig.layout.xaxis.type == "log" and fig.layout.xaxis3.type == "category"
    assert [a.text for a in fig.layout.annotations] == ["lr", "depth", "kind"]


def test_contour_bins_mean_values_and_overlays_trials():
    rng = np.random.default_rng(0)
    trials = []
    for i in range(400):
        lr, depth = float(10 ** rng.uniform(-4, 0)), int(rng.integers(1, 11))
        trials.append(rec(i, float(np.log10(lr) + depth),
                          params={"lr": lr, "depth": depth}))
    fig = plot_contour(trials, params=["lr", "depth"], bins=10)
    contour, points = fig.data
    z = np.array(contour.z, dtype=float)
    assert z.shape == (10, 10)
    # value grows with both: the mean in the top-right cell beats the bottom-left one
    assert np.nanmean(z[-3:, -3:]) > np.nanmean(z[:3, :3]) + 5
    assert len(points.x) == 400 and fig.layout.xaxis.type == "log"
    assert fig.layout.xaxis.title.text == "lr" and fig.layout.yaxis.title.text == "depth"


def test_contour_needs_two_params():
    with pytest.raises(ValueError, match="two parameters"):
        plot_contour([rec(0, 1.0, params={"lr": 0.1})])
