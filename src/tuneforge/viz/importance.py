"""The hyperparameter-importance figure: one bar per parameter with its interval."""

from __future__ import annotations

from typing import Any

from tuneforge.importance.result import Importance
from tuneforge.viz._plotly import go


def plot_param_importances(importance: Importance) -> Any:
    """Horizontal bars (most important on top) with the interval over repeats as error
    bars; `importance` from `tuneforge.importance` (fanova or permutation)."""
    if not isinstance(importance, Importance):
        raise TypeError(f"expected an Importance (tuneforge.importance), got "
                        f"{type(importance).__name__}")
    ps = list(reversed(importance.params))
    what = ("share of variance (main effect)" if importance.method == "fanova"
            else "held-out R2 lost when shuffled")
    fig = go().Figure(go().Bar(
        x=[p.mean for p in ps], y=[p.name for p in ps], orientation="h", name=what,
        error_x={"type": "data", "symmetric": False,
                 "array": [max(p.high - p.mean, 0.0) for p in ps],
                 "arrayminus": [max(p.mean - p.low, 0.0) for p in ps]},
        hovertemplate="%{y}: %{x:.3g}<extra></extra>"))
    fig.update_layout(title=f"Hyperparameter importance ({importance.method}, "
                            f"{importance.n_trials} trials, {importance.repeats} repeats)",
                      xaxis_title=what, template="plotly_white",
                      height=max(300, 60 + 28 * len(ps)))
    return fig


__all__ = ["plot_param_importances"]
