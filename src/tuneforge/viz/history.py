"""Figures over trial order and time: optimization history, empirical distribution,
the timeline of trials per worker."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tuneforge.trial.records import Direction, TrialState
from tuneforge.viz._data import (
    MAX_POINTS,
    as_history,
    best_so_far,
    check_objective,
    envelope_indices,
    objective_label,
    step_points,
)
from tuneforge.viz._plotly import BEST_COLOR, STATE_COLORS, go
from tuneforge.viz.frame import FrameView, frame_of


def plot_optimization_history(study: Any, *, objective: int = 0,
                              directions: Sequence[Direction | str] | None = None,
                              target_name: str | None = None,
                              max_points: int = MAX_POINTS) -> Any:
    """Each COMPLETE trial's value by trial number, and the best value so far.

    Beyond `max_points` trials the scatter keeps, per bucket of trial numbers, its lowest
    and highest value (the envelope); the best-so-far line is exact (only its steps)."""
    history = as_history(study, directions)
    check_objective(objective, history.directions)
    view = frame_of(history.trials(), len(history.directions))
    return history_figure(view, history.directions, objective=objective,
                          target_name=target_name, max_points=max_points)


def history_figure(view: FrameView, directions: Sequence[Direction], *, objective: int = 0,
                   target_name: str | None = None, max_points: int = MAX_POINTS) -> Any:
    """`plot_optimization_history` over a frame's columns (the dashboard's live frame)."""
    direction = directions[objective]
    n_obj = len(directions)
    x = view.numbers.astype(int)
    y = view.values[:, objective].astype(np.float64)
    label = target_name or objective_label(objective, n_obj)
    fig = go().Figure()
    keep = envelope_indices(y, max_points)
    sampled = "" if len(keep) == len(y) else f" ({len(keep)} of {len(y)} shown)"
    fig.add_trace(go().Scattergl(x=x[keep], y=y[keep], mode="markers", name=label + sampled,
                                 marker={"color": STATE_COLORS["COMPLETE"], "size": 6}))
    bx, by = step_points(x, best_so_far(y, direction))
    fig.add_trace(go().Scatter(x=bx, y=by, mode="lines", name="best so far",
                               line={"color": BEST_COLOR, "shape": "hv"}))
    fig.update_layout(title="Optimization history", xaxis_title="trial",
                      yaxis_title=f"{label} ({direction.value})", template="plotly_white")
    return fig


def plot_edf(study: Any, *, objective: int = 0,
             directions: Sequence[Direction | str] | None = None,
             target_name: str | None = None, max_points: int = MAX_POINTS) -> Any:
    """The empirical cumulative distribution of the COMPLETE trials' values: the share
    of trials at or below each value (at most `max_points` quantiles drawn)."""
    history = as_history(study, directions)
    check_objective(objective, history.directions)
    view = frame_of(history.trials(), len(history.directions))
    return edf_figure(view, history.directions, objective=objective,
                      target_name=target_name, max_points=max_points)


def edf_figure(view: FrameView, directions: Sequence[Direction], *, objective: int = 0,
               target_name: str | None = None, max_points: int = MAX_POINTS) -> Any:
    """`plot_edf` over a frame's columns."""
    n_obj = len(directions)
    y = np.sort(view.values[:, objective].astype(np.float64))
    share = np.arange(1, len(y) + 1) / max(len(y), 1)
    if len(y) > max_points:
        idx = np.unique(np.linspace(0, len(y) - 1, max_points).astype(int))
        y, share = y[idx], share[idx]
    label = target_name or objective_label(objective, n_obj)
    fig = go().Figure(go().Scatter(x=y, y=share, mode="lines", name=label,
                                   line={"shape": "hv"}))
    fig.update_layout(title="Empirical distribution of the values", xaxis_title=label,
                      yaxis_title="share of trials <= value", yaxis_range=[0, 1.02],
                      template="plotly_white")
    return fig


def plot_timeline(study: Any, *, directions: Sequence[Direction | str] | None = None,
                  max_trials: int = 1000) -> Any:
    """When each trial ran, one row per worker, coloured by state (the latest
    `max_trials` trials that started). Still RUNNING trials end at the newest time seen."""
    history = as_history(study, directions)
    started = [t for t in history.trials() if t.datetime_start is not None]
    started = started[-max_trials:]
    now = max([t.datetime_complete or t.last_heartbeat or t.datetime_start or 0.0
               for t in started], default=0.0)
    fig = go().Figure()
    for state in TrialState:
        rows = [t for t in started if t.state is state]
        if not rows:
            continue
        start = np.array([t.datetime_start for t in rows], dtype=np.float64)
        end = np.array([t.datetime_complete if t.datetime_complete is not None else now
                        for t in rows], dtype=np.float64)
        workers = [str(t.system_attrs.get("worker", "?")) for t in rows]
        fig.add_trace(go().Bar(
            base=(start * 1000).astype("datetime64[ms]").astype(str),
            x=np.maximum(end - start, 0.0) * 1000, y=workers, orientation="h",
            name=state.value, marker={"color": STATE_COLORS[state.value]},
            customdata=[t.number for t in rows],
            hovertemplate="trial %{customdata}<br>%{x} ms<extra>" + state.value + "</extra>"))
    fig.update_layout(title="Timeline of trials per worker", xaxis={"type": "date"},
                      yaxis_title="worker", barmode="overlay", template="plotly_white")
    return fig


__all__ = ["edf_figure", "history_figure", "plot_edf", "plot_optimization_history",
           "plot_timeline"]
