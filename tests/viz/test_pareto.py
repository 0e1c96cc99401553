import numpy as np
import pytest

from tests.conftest import require_module
from tests.viz._trials import rec

require_module("plotly", "dashboard")

from tuneforge.math.hypervolume import hypervolume  # noqa: E402
from tuneforge.viz import plot_hypervolume_history, plot_pareto_front  # noqa: E402
from tuneforge.viz.pareto import hypervolume_history  # noqa: E402

MINMIN = ["minimize", "minimize"]


def test_pareto_front_2d_highlights_non_dominated():
    trials = [rec(0, (1.0, 4.0)), rec(1, (2.0, 2.0)), rec(2, (3.0, 3.0)), rec(3, (4.0, 1.0))]
    fig = plot_pareto_front(trials, directions=MINMIN, target_names=["loss", "size"])
    dominated, front = fig.data
    assert list(front.customdata) == [0, 1, 3] and list(dominated.customdata) == [2]
    assert list(front.x) == [1.0, 2.0, 4.0] and list(front.y) == [4.0, 2.0, 1.0]
    assert fig.layout.xaxis.title.text == "loss (minimize)"
    assert "3 of 4" in fig.layout.title.text


def test_pareto_front_respects_maximize_and_3d():
    trials = [rec(0, (1.0, 4.0, 0.0)), rec(1, (2.0, 5.0, 0.0)), rec(2, (0.5, 1.0, 0.0))]
    fig = plot_pareto_front(trials, directions=["minimize", "maximize", "minimize"])
    dominated, front = fig.data
    assert front.type == "scatter3d"
    assert sorted(front.customdata) == [0, 1, 2]  # 1 is better on #1, 2 on #0
    fig2 = plot_pareto_front(trials, directions=["maximize", "maximize", "minimize"],
                             objectives=[0, 1])
    assert list(fig2.data[1].customdata) == [1]
    with pytest.raises(ValueError, match="two or more"):
        plot_pareto_front([rec(0, 1.0)])
    with pytest.raises(ValueError, match="2 or 3 indices"):
        plot_pareto_front(trials, directions=["minimize"] * 3, objectives=[0, 5])


def test_hypervolume_history_matches_hypervolume_of_each_prefix():
    rng = np.random.default_rng(1)
    costs = rng.random((60, 2))
    ref = np.array([1.1, 1.1])
    ends = np.arange(1, 61)
    hv = hypervolume_history(costs, ref, ends)
    assert np.allclose(hv, [hypervolume(costs[:c], ref) for c in ends])
    assert np.all(np.diff(hv) >= -1e-12)


def test_plot_hypervolume_history_in_objective_units():
    trials = [rec(0, (1.0, 1.0)), rec(1, (2.0, 3.0))]  # maximize both
    fig = plot_hypervolume_history(trials, directions=["maximize", "maximize"],
                                   reference=[0.0, 0.0])
    line = fig.data[0]
    assert list(line.x) == [0, 1] and list(line.y) == [1.0, 6.0]
    with pytest.raises(ValueError, match="reference has 1"):
        plot_hypervolume_history(trials, directions=MINMIN, reference=[0.0])
