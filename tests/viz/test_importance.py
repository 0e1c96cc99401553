from tests.conftest import require_module
from tuneforge.importance.result import summarize

require_module("plotly", "dashboard")

from tuneforge.viz import plot_param_importances  # noqa: E402


def test_bars_most_important_on_top_with_interval():
    imp = summarize(("a", "b"), [[0.1, 0.6], [0.3, 0.8]], method="fanova", objective=0,
                    n_trials=10)
    fig = plot_param_importances(imp)
    bar = fig.data[0]
    assert list(bar.y) == ["a", "b"]  # plotly draws the last bar on top: b
    assert [round(x, 6) for x in bar.x] == [0.2, 0.7]
    assert bar.error_x.array[1] > 0 and bar.error_x.arrayminus[1] > 0
    assert "fanova" in fig.layout.title.text and "variance" in fig.layout.xaxis.title.text
