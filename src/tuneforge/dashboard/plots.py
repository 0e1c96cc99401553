"""Which figures a study can show, and each one built from the live study as Plotly JSON
(tuneforge.viz does the drawing and the down-sampling)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tuneforge.storage.cached import Snapshot
from tuneforge.trial.records import TrialRecord, TrialState
from tuneforge.viz import curves

SINGLE = ("history", "intermediate", "parallel", "slice", "contour", "importance", "edf",
          "timeline", "cv", "gap")
MULTI = ("pareto", "hypervolume", "parallel", "slice", "intermediate", "timeline", "cv", "gap")


class Features:
    """What a study's trials have to show (learning curves, CV folds, ...), kept up to date
    from the trials that changed, so a 100,000-trial study is not scanned on every poll."""

    def __init__(self) -> None:
        self.have: set[str] = set()
        self.params: dict[str, None] = {}
        self.seen = -1  # the cursor these features are up to date with

    def update(self, trials: Sequence[TrialRecord]) -> None:
        for t in trials:
            if t.intermediate:
                self.have.add("intermediate")
            if t.datetime_start is not None:
                self.have.add("timeline")
            if t.state.is_finished:
                if "cv" not in self.have and curves.cv_scores(t) is not None:
                    self.have.add("cv")
                if "gap" not in self.have and curves.train_validation(t) is not None:
                    self.have.add("gap")
            if t.state is TrialState.COMPLETE:
                self.have.add("done")
                for k in t.params:
                    self.params.setdefault(k, None)

    def plots(self, n_objectives: int) -> list[str]:
        """The plots with something to show, in page order."""
        out = []
        for k in (SINGLE if n_objectives == 1 else MULTI):
            if k in ("intermediate", "cv", "gap", "timeline") and k not in self.have:
                continue
            if k in ("history", "edf", "pareto", "hypervolume") and "done" not in self.have:
                continue
            if k in ("parallel", "slice", "importance") and not self.params:
                continue
            if k == "contour" and len(self.params) < 2:
                continue
            out.append(k)
        return out


def available(trials: Sequence[TrialRecord], n_objectives: int) -> list[str]:
    """The plots with something to show for these trials, in page order."""
    f = Features()
    f.update(trials)
    return f.plots(n_objectives)


def build(kind: str, trials: list[TrialRecord], directions: Any, *, objective: int,
          params: list[str] | None, names: Sequence[str] | None,
          importance: Any = None) -> Any:
    """The figure `kind` (a name from SINGLE or MULTI)."""
    from tuneforge import viz

    h = Snapshot(tuple(directions), trials)
    target = names[objective] if names and objective < len(names) else None
    if kind == "history":
        return viz.plot_optimization_history(h, objective=objective, target_name=target)
    if kind == "edf":
        return viz.plot_edf(h, objective=objective, target_name=target)
    if kind == "timeline":
        return viz.plot_timeline(h)
    if kind == "intermediate":
        return viz.plot_intermediate_values(h)
    if kind == "parallel":
        return viz.plot_parallel_coordinate(h, objective=objective, params=params,
                                            target_name=target)
    if kind == "slice":
        return viz.plot_slice(h, objective=objective, params=params, target_name=target)
    if kind == "contour":
        return viz.plot_contour(h, objective=objective, params=params, target_name=target)
    if kind == "pareto":
        return viz.plot_pareto_front(h, target_names=names)
    if kind == "hypervolume":
        return viz.plot_hypervolume_history(h)
    if kind == "cv":
        return viz.plot_cv_folds(h)
    if kind == "gap":
        return viz.plot_train_validation_gap(h)
    if kind == "importance":
        return viz.plot_param_importances(importance)
    raise ValueError(f"unknown plot {kind!r}; plots are {', '.join(sorted({*SINGLE, *MULTI}))}")


def warm_up() -> None:
    """Import plotly and build one tiny figure of each trace type the pages use, so the
    first page a user opens does not pay for plotly's lazy imports."""
    from tuneforge.viz._plotly import go

    g = go()
    for trace in (g.Scatter, g.Scattergl, g.Bar, g.Parcoords, g.Contour, g.Scatter3d):
        figure_json(g.Figure(trace()))


def figure_json(fig: Any) -> str:
    """A figure as the JSON text plotly.js reads (numpy arrays included)."""
    import plotly.io

    text: str = plotly.io.to_json(fig, validate=False, engine="json")
    return text


def as_dict(text: str) -> Any:
    return json.loads(text)


__all__ = ["MULTI", "SINGLE", "Features", "available", "build", "figure_json"]
