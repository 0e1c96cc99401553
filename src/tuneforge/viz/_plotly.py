"""The one place plotly is imported: lazily, with an error naming the `dashboard` extra."""

from __future__ import annotations

from typing import Any

from tuneforge.exceptions import missing_extra


def go() -> Any:
    """`plotly.graph_objects`, or MissingExtraError naming ``tuneforge[dashboard]``."""
    try:
        import plotly.graph_objects as graph_objects
    except ImportError:
        raise missing_extra("plotly", "dashboard") from None
    return graph_objects


def plotly_js() -> str:
    """The minified plotly.js bundle shipped inside the plotly package (no network)."""
    try:
        from plotly.offline import get_plotlyjs
    except ImportError:
        raise missing_extra("plotly", "dashboard") from None
    text: str = get_plotlyjs()
    return text


# colours shared by every figure, so a state looks the same on every page
STATE_COLORS = {"COMPLETE": "#1f77b4", "PRUNED": "#ff7f0e", "FAIL": "#d62728",
                "RUNNING": "#2ca02c", "WAITING": "#7f7f7f"}
BEST_COLOR = "#d62728"
