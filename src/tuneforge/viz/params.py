"""Figures over the search space: parallel coordinates, slices and contours of the
objective against the parameters."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tuneforge.trial.records import Direction
from tuneforge.viz._data import (
    MAX_POINTS,
    as_history,
    check_objective,
    is_log,
    objective_label,
    sample_indices,
)
from tuneforge.viz._plotly import go
from tuneforge.viz.frame import FrameView, frame_of

MAX_BINNED = 20_000  # trials averaged into a contour's cells


def _setup(study: Any, objective: int, directions: Sequence[Direction | str] | None
           ) -> tuple[FrameView, tuple[Direction, ...]]:
    history = as_history(study, directions)
    check_objective(objective, history.directions)
    return frame_of(history.trials(), len(history.directions)), history.directions


def _names(view: FrameView, params: Sequence[str] | None) -> list[str]:
    """The parameters to draw: `params` (checked) or every one of the COMPLETE trials."""
    if params is None:
        return list(view.names)
    unknown = [p for p in params if p not in view.names]
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown}; the COMPLETE trials have "
                         f"{view.names or 'no parameters'}")
    return list(params)


def _best_first(y: np.ndarray, direction: Direction, k: int) -> list[int]:
    order = np.argsort(-y if direction is Direction.MAXIMIZE else y, kind="stable")
    return [int(i) for i in order[:k]]


def plot_parallel_coordinate(study: Any, *, objective: int = 0,
                             params: Sequence[str] | None = None,
                             directions: Sequence[Direction | str] | None = None,
                             target_name: str | None = None,
                             max_points: int = MAX_POINTS) -> Any:
    """One line per COMPLETE trial through the objective and every parameter, coloured by
    the objective (log parameters on a log10 axis, categoricals by choice). Trials lacking
    one of `params` are left out; beyond `max_points` the best tenth and a sample are kept."""
    view, dirs = _setup(study, objective, directions)
    return parallel_figure(view, dirs, objective=objective, params=params,
                           target_name=target_name, max_points=max_points)


def parallel_figure(view: FrameView, directions: Sequence[Direction], *, objective: int = 0,
                    params: Sequence[str] | None = None, target_name: str | None = None,
                    max_points: int = MAX_POINTS) -> Any:
    """`plot_parallel_coordinate` over a frame's columns (the dashboard's live frame)."""
    names = _names(view, params)
    direction = directions[objective]
    mask = np.ones(len(view), dtype=bool)
    for name in names:
        mask &= view.present(name)
    rows = np.flatnonzero(mask)
    y = view.values[rows, objective].astype(np.float64)
    idx = sample_indices(len(rows), max_points, keep=_best_first(y, direction, max_points // 10))
    rows, y = rows[idx], y[idx]
    label = target_name or objective_label(objective, len(directions))
    dims: list[dict[str, Any]] = [{"label": label, "values": y}]
    for name in names:
        dist = view.distribution(name)
        full, labels = view.column(name)
        col = full[rows]
        if labels is not None:
            dims.append({"label": name, "values": col, "tickvals": list(range(len(labels))),
                         "ticktext": labels})
        elif is_log(dist):
            dims.append({"label": f"log10 {name}", "values": np.log10(col)})
        else:
            dims.append({"label": name, "values": col})
    reverse = direction is Direction.MAXIMIZE
    fig = go().Figure(go().Parcoords(
        dimensions=dims,
        line={"color": y, "colorscale": "Viridis", "reversescale": not reverse,
              "showscale": True, "colorbar": {"title": label}}))
    fig.update_layout(title="Parallel coordinates", template="plotly_white")
    return fig


def plot_slice(study: Any, *, objective: int = 0, params: Sequence[str] | None = None,
               directions: Sequence[Direction | str] | None = None,
               target_name: str | None = None, max_points: int = MAX_POINTS) -> Any:
    """The objective against each parameter, one panel each, points coloured by trial
    number (later trials darker); log parameters on log axes."""
    view, dirs = _setup(study, objective, directions)
    return slice_figure(view, dirs, objective=objective, params=params,
                        target_name=target_name, max_points=max_points)


def slice_figure(view: FrameView, directions: Sequence[Direction], *, objective: int = 0,
                 params: Sequence[str] | None = None, target_name: str | None = None,
                 max_points: int = MAX_POINTS) -> Any:
    """`plot_slice` over a frame's columns."""
    from plotly.subplots import make_subplots

    names = _names(view, params)
    direction = directions[objective]
    label = target_name or objective_label(objective, len(directions))
    y_all = view.values[:, objective].astype(np.float64)
    rows = sample_indices(len(view), max_points,
                          keep=_best_first(y_all, direction, max_points // 10))
    y_all = y_all[rows]
    numbers = view.numbers[rows]
    cols = max(min(len(names), 4), 1)
    nrows = max(math.ceil(len(names) / cols), 1)
    fig = make_subplots(rows=nrows, cols=cols, shared_yaxes=True,
                        subplot_titles=names or None, horizontal_spacing=0.04)
    for k, name in enumerate(names):
        r, c = divmod(k, cols)
        dist = view.distribution(name)
        full, labels = view.column(name)
        col = full[rows]
        ok = ~np.isnan(col)
        x: Any = col[ok] if labels is None else [labels[int(i)] for i in col[ok]]
        fig.add_trace(go().Scattergl(
            x=x, y=y_all[ok], mode="markers", name=name, showlegend=False,
            customdata=numbers[ok], hovertemplate="trial %{customdata}<br>%{x}: %{y}"
                                                  "<extra></extra>",
            marker={"color": numbers[ok], "colorscale": "Blues", "size": 5,
                    "showscale": k == 0, "colorbar": {"title": "trial"}}),
            row=r + 1, col=c + 1)
        if is_log(dist):
            fig.update_xaxes(type="log", row=r + 1, col=c + 1)
        elif labels is not None:
            fig.update_xaxes(type="category", categoryorder="array", categoryarray=labels,
                             row=r + 1, col=c + 1)
    fig.update_yaxes(title_text=label, row=1, col=1)
    fig.update_layout(title="Slice plot", template="plotly_white",
                      height=max(350, 300 * nrows))
    return fig


def _axis_bins(col: np.ndarray, labels: list[str] | None, log: bool,
               bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(position of each trial on the binning scale, bin edges, bin centres to plot)."""
    if labels is not None:
        edges = np.arange(len(labels) + 1) - 0.5
        return col, edges, np.arange(len(labels), dtype=np.float64)
    pos = np.log10(col) if log else col
    lo, hi = float(np.nanmin(pos)), float(np.nanmax(pos))
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, bins + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    return pos, edges, (10 ** centres if log else centres)


def plot_contour(study: Any, *, params: Sequence[str] | None = None, objective: int = 0,
                 directions: Sequence[Direction | str] | None = None,
                 target_name: str | None = None, bins: int = 30,
                 max_points: int = MAX_POINTS) -> Any:
    """The objective over two parameters (`params`, default the first two): the mean
    value of the trials in each of `bins` x `bins` cells (over at most 20,000 trials, the
    best always among them), contoured, with the trials on top (at most `max_points`)."""
    view, dirs = _setup(study, objective, directions)
    return contour_figure(view, dirs, params=params, objective=objective,
                          target_name=target_name, bins=bins, max_points=max_points)


def contour_figure(view: FrameView, directions: Sequence[Direction], *,
                   params: Sequence[str] | None = None, objective: int = 0,
                   target_name: str | None = None, bins: int = 30,
                   max_points: int = MAX_POINTS) -> Any:
    """`plot_contour` over a frame's columns."""
    names = _names(view, params)
    direction = directions[objective]
    if len(names) < 2:
        raise ValueError(f"a contour plot needs two parameters; the trials have {names}")
    px, py = names[0], names[1]
    rows = np.flatnonzero(view.present(px) & view.present(py))
    label = target_name or objective_label(objective, len(directions))
    z = view.values[rows, objective].astype(np.float64)
    if len(rows) > MAX_BINNED:  # the cell means of a large sample: the same picture
        idx = sample_indices(len(rows), MAX_BINNED, keep=_best_first(z, direction, 200))
        rows, z = rows[idx], z[idx]
    fig = go().Figure()
    axes = []
    if len(rows):
        dx, dy = view.distribution(px), view.distribution(py)
        (fx, lx), (fy, ly) = view.column(px), view.column(py)
        cx, cy = fx[rows], fy[rows]
        xpos, xedges, xc = _axis_bins(cx, lx, is_log(dx), bins)
        ypos, yedges, yc = _axis_bins(cy, ly, is_log(dy), bins)
        total, _, _ = np.histogram2d(xpos, ypos, bins=(xedges, yedges), weights=z)
        count, _, _ = np.histogram2d(xpos, ypos, bins=(xedges, yedges))
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        fig.add_trace(go().Contour(
            x=xc if lx is None else lx, y=yc if ly is None else ly, z=mean.T,
            connectgaps=True, colorscale="Viridis",
            reversescale=direction is Direction.MINIMIZE, colorbar={"title": label},
            name=f"mean {label}"))
        idx = sample_indices(len(rows), max_points,
                             keep=_best_first(z, direction, max_points // 10))
        fig.add_trace(go().Scattergl(
            x=cx[idx] if lx is None else [lx[int(i)] for i in cx[idx]],
            y=cy[idx] if ly is None else [ly[int(i)] for i in cy[idx]],
            mode="markers", name="trials", customdata=view.numbers[rows][idx],
            marker={"color": "black", "size": 4, "opacity": 0.6},
            hovertemplate="trial %{customdata}<extra></extra>"))
        axes = [("xaxis", dx, lx), ("yaxis", dy, ly)]
    layout: dict[str, Any] = {"title": f"Contour of {label}", "template": "plotly_white",
                              "xaxis_title": px, "yaxis_title": py}
    for axis, dist, labels in axes:
        if is_log(dist):
            layout[f"{axis}_type"] = "log"
        elif labels is not None:
            layout[f"{axis}_type"] = "category"
    fig.update_layout(**layout)
    return fig


__all__ = ["contour_figure", "parallel_figure", "plot_contour", "plot_parallel_coordinate",
           "plot_slice", "slice_figure"]
