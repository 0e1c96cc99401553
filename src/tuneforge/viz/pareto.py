"""Figures of several objectives: the Pareto front (2-D or 3-D) and the hypervolume of
the front found so far, trial after trial."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tuneforge.math.hypervolume import hypervolume, reference_point
from tuneforge.math.pareto import non_dominated_mask
from tuneforge.trial.records import Direction
from tuneforge.viz._data import MAX_POINTS, as_history, complete, objective_label, sample_indices
from tuneforge.viz._plotly import BEST_COLOR, go


def _costs(study: Any, directions: Sequence[Direction | str] | None
           ) -> tuple[list[Any], np.ndarray, np.ndarray, tuple[Direction, ...]]:
    history = as_history(study, directions)
    dirs = history.directions
    if len(dirs) < 2:
        raise ValueError(f"a Pareto front needs two or more objectives; this study has "
                         f"{len(dirs)}")
    done = complete(history.trials(), len(dirs))
    values = np.array([t.values for t in done], dtype=np.float64).reshape(-1, len(dirs))
    signs = np.array([-1.0 if d is Direction.MAXIMIZE else 1.0 for d in dirs])
    return done, values, values * signs, dirs


def plot_pareto_front(study: Any, *, objectives: Sequence[int] | None = None,
                      directions: Sequence[Direction | str] | None = None,
                      target_names: Sequence[str] | None = None,
                      max_points: int = MAX_POINTS) -> Any:
    """Every COMPLETE trial in objective space, the non-dominated ones highlighted: 2-D
    for two `objectives` (indices; default the first two, or three when the study has
    three or more), 3-D for three. Dominated trials beyond `max_points` are sampled."""
    done, values, costs, dirs = _costs(study, directions)
    axes = list(objectives) if objectives is not None else list(range(min(len(dirs), 3)))
    if len(axes) not in (2, 3) or any(not 0 <= k < len(dirs) for k in axes):
        raise ValueError(f"objectives must be 2 or 3 indices in 0..{len(dirs) - 1}, "
                         f"got {axes}")
    front = non_dominated_mask(costs) if len(done) else np.zeros(0, dtype=bool)
    labels = [objective_label(k, len(dirs), target_names) for k in axes]
    numbers = np.array([t.number for t in done], dtype=int)
    fig = go().Figure()
    for name, mask, color, size in (("dominated", ~front, "#9ecae1", 5),
                                    ("Pareto front", front, BEST_COLOR, 8)):
        idx = np.flatnonzero(mask)
        if name == "dominated":
            idx = idx[sample_indices(len(idx), max_points)]
        cols = [values[idx, k] for k in axes]
        common: dict[str, Any] = {"mode": "markers", "name": f"{name} ({len(idx)})",
                                  "customdata": numbers[idx],
                                  "marker": {"color": color, "size": size}}
        if len(axes) == 2:
            fig.add_trace(go().Scattergl(x=cols[0], y=cols[1], hovertemplate=(
                "trial %{customdata}<br>%{x}, %{y}<extra></extra>"), **common))
        else:
            fig.add_trace(go().Scatter3d(x=cols[0], y=cols[1], z=cols[2], **common))
    title = f"Pareto front ({int(front.sum())} of {len(done)} trials)"
    if len(axes) == 2:
        fig.update_layout(xaxis_title=f"{labels[0]} ({dirs[axes[0]].value})",
                          yaxis_title=f"{labels[1]} ({dirs[axes[1]].value})")
    else:
        fig.update_layout(scene={"xaxis_title": labels[0], "yaxis_title": labels[1],
                                 "zaxis_title": labels[2]})
    fig.update_layout(title=title, template="plotly_white")
    return fig


def hypervolume_history(costs: np.ndarray, ref: np.ndarray,
                        checkpoints: np.ndarray) -> np.ndarray:
    """Hypervolume (all objectives minimized, against `ref`) of the first c rows of
    `costs` (n, m) for each c in `checkpoints` (increasing): the front is carried over
    from one checkpoint to the next, so the cost follows the front, not n."""
    out = np.zeros(len(checkpoints))
    front = np.zeros((0, costs.shape[1]))
    last, hv = 0, 0.0
    for i, c in enumerate(checkpoints):
        if c > last:
            pool = np.vstack([front, costs[last:c]])
            new_front = pool[non_dominated_mask(pool)]
            if len(new_front) != len(front) or not np.array_equal(new_front, front):
                front = new_front
                hv = hypervolume(front, ref)
            last = int(c)
        out[i] = hv
    return out


def plot_hypervolume_history(study: Any, *, reference: Sequence[float] | None = None,
                             directions: Sequence[Direction | str] | None = None,
                             max_points: int = 500) -> Any:
    """The hypervolume of the Pareto front of the trials so far, by trial number, against
    `reference` (in the objectives' own units; default: the final front's nadir plus 10 %
    of its range). Evaluated at most at `max_points` trial counts."""
    done, _, costs, dirs = _costs(study, directions)
    signs = np.array([-1.0 if d is Direction.MAXIMIZE else 1.0 for d in dirs])
    fig = go().Figure()
    if len(done):
        if reference is None:
            ref = reference_point(costs)
        else:
            if len(reference) != len(dirs):
                raise ValueError(f"reference has {len(reference)} values; the study has "
                                 f"{len(dirs)} objectives")
            ref = np.asarray(reference, dtype=np.float64) * signs
        ends = np.unique(np.linspace(1, len(done), min(max_points, len(done))).astype(int))
        hv = hypervolume_history(costs, ref, ends)
        numbers = np.array([t.number for t in done])[ends - 1]
        fig.add_trace(go().Scatter(x=numbers, y=hv, mode="lines", name="hypervolume",
                                   line={"shape": "hv"}))
        fig.update_layout(meta={"reference": (ref * signs).tolist()})
    fig.update_layout(title="Hypervolume of the front so far", xaxis_title="trial",
                      yaxis_title="hypervolume", template="plotly_white")
    return fig


__all__ = ["hypervolume_history", "plot_hypervolume_history", "plot_pareto_front"]
