"""Figures over the search space: parallel coordinates, slices and contours of the
objective against the parameters."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tuneforge.trial.records import Direction, TrialRecord
from tuneforge.viz._data import (
    MAX_POINTS,
    as_history,
    check_objective,
    complete,
    distribution_of,
    is_log,
    numeric_column,
    objective_label,
    param_names,
    sample_indices,
)
from tuneforge.viz._plotly import go

MAX_BINNED = 20_000  # trials averaged into a contour's cells


def _setup(study: Any, objective: int, directions: Sequence[Direction | str] | None,
           params: Sequence[str] | None) -> tuple[list[TrialRecord], Direction, list[str], str]:
    history = as_history(study, directions)
    check_objective(objective, history.directions)
    n_obj = len(history.directions)
    done = complete(history.trials(), n_obj)
    names = param_names(done)
    if params is not None:
        unknown = [p for p in params if p not in names]
        if unknown:
            raise ValueError(f"unknown parameter(s) {unknown}; the COMPLETE trials have "
                             f"{names or 'no parameters'}")
        names = list(params)
    return done, history.directions[objective], names, objective_label(objective, n_obj)


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
    done, direction, names, label = _setup(study, objective, directions, params)
    done = [t for t in done if all(n in t.params for n in names)]
    y = np.array([t.values[objective] for t in done], dtype=np.float64)  # type: ignore[index]
    idx = sample_indices(len(done), max_points, keep=_best_first(y, direction, max_points // 10))
    done, y = [done[i] for i in idx], y[idx]
    label = target_name or label
    dims: list[dict[str, Any]] = [{"label": label, "values": y}]
    for name in names:
        dist = distribution_of(done, name)
        col, labels = numeric_column(done, name, dist)
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
    from plotly.subplots import make_subplots

    done, direction, names, label = _setup(study, objective, directions, params)
    label = target_name or label
    y_all = np.array([t.values[objective] for t in done], dtype=np.float64)  # type: ignore[index]
    idx = sample_indices(len(done), max_points,
                         keep=_best_first(y_all, direction, max_points // 10))
    done, y_all = [done[i] for i in idx], y_all[idx]
    numbers = np.array([t.number for t in done])
    cols = max(min(len(names), 4), 1)
    rows = max(math.ceil(len(names) / cols), 1)
    fig = make_subplots(rows=rows, cols=cols, shared_yaxes=True,
                        subplot_titles=names or None, horizontal_spacing=0.04)
    for k, name in enumerate(names):
        r, c = divmod(k, cols)
        dist = distribution_of(done, name)
        col, labels = numeric_column(done, name, dist)
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
                      height=max(350, 300 * rows))
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
    done, direction, names, label = _setup(study, objective, directions, params)
    if len(names) < 2:
        raise ValueError(f"a contour plot needs two parameters; the trials have {names}")
    px, py = names[0], names[1]
    done = [t for t in done if px in t.params and py in t.params]
    label = target_name or label
    z = np.array([t.values[objective] for t in done], dtype=np.float64)  # type: ignore[index]
    if len(done) > MAX_BINNED:  # the cell means of a large sample: the same picture
        idx = sample_indices(len(done), MAX_BINNED, keep=_best_first(z, direction, 200))
        done, z = [done[i] for i in idx], z[idx]
    fig = go().Figure()
    axes = []
    if len(done):
        dx, dy = distribution_of(done, px), distribution_of(done, py)
        (cx, lx), (cy, ly) = numeric_column(done, px, dx), numeric_column(done, py, dy)
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
        idx = sample_indices(len(done), max_points,
                             keep=_best_first(z, direction, max_points // 10))
        fig.add_trace(go().Scattergl(
            x=cx[idx] if lx is None else [lx[int(i)] for i in cx[idx]],
            y=cy[idx] if ly is None else [ly[int(i)] for i in cy[idx]],
            mode="markers", name="trials", customdata=np.array([t.number for t in done])[idx],
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


__all__ = ["plot_contour", "plot_parallel_coordinate", "plot_slice"]
