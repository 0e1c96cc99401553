"""Which figures a study can show, and each one built from the live study as Plotly JSON
(tuneforge.viz does the drawing and the down-sampling)."""

from __future__ import annotations

import heapq
import json
import threading
from collections import Counter
from collections.abc import Sequence
from typing import Any

from tuneforge.storage.cached import Snapshot
from tuneforge.study import analysis
from tuneforge.trial.records import Direction, TrialRecord, TrialState
from tuneforge.viz import curves
from tuneforge.viz.frame import TrialFrame

SINGLE = ("history", "intermediate", "parallel", "slice", "contour", "importance", "edf",
          "timeline", "cv", "gap")
TIMELINE_TRIALS = 1000  # the latest trials the timeline draws
# lines of the page's parallel coordinates (the best tenth among them): plotly.js draws
# them with WebGL, and without a GPU 2,000 lines take seconds to draw on every update
PARALLEL_LINES = 500
MULTI = ("pareto", "hypervolume", "parallel", "slice", "intermediate", "timeline", "cv", "gap")


class Features:
    """What a study's trials have to show, kept up to date from the trials that changed,
    so a poll of a 100,000-trial study costs the new events only: the COMPLETE trials as
    columns (`TrialFrame`), the state counts, the best trial, and which trials have
    learning curves, CV folds or a train/validation pair."""

    def __init__(self, directions: Sequence[Direction] = (Direction.MINIMIZE,)) -> None:
        self.directions = tuple(directions)
        self.n_objectives = n_objectives = len(self.directions)
        self.have: set[str] = set()
        self.params: dict[str, None] = {}
        self.seen = -1  # the cursor these features are up to date with
        self.frame = TrialFrame(n_objectives)
        self.counts: Counter[str] = Counter()
        self.best: TrialRecord | None = None     # single objective: the best so far
        self.complete: dict[int, TrialRecord] = {}  # number -> COMPLETE trial
        self.curves: set[int] = set()     # trials with intermediate values
        self.cv: set[int] = set()         # trials with CV fold scores
        self.gap: set[int] = set()        # finished trials with a train/validation pair
        self.started: set[int] = set()    # trials with a start time
        self._state: dict[int, str] = {}  # number -> its state when last seen
        # bumped whenever a trial a subset figure draws changes: its figure is rebuilt
        # only then (a new trial without a learning curve leaves that figure as it is)
        self.versions: Counter[str] = Counter()
        self.n_read = 0                   # trials read by `update` (tests count them)

    def update(self, trials: Sequence[TrialRecord]) -> None:
        """Fold in `trials`, the ones that changed (each read once per change)."""
        self.n_read += len(trials)
        finished: list[TrialRecord] = []
        counts, last_state, versions = self.counts, self._state, self.versions
        for t in trials:
            number, state = t.number, t.state.value
            old = last_state.get(number)
            if old != state:
                if old is not None:
                    counts[old] -= 1
                counts[state] += 1
                last_state[number] = state
            attrs = bool(t.user_attrs)  # CV folds and train/validation pairs live there
            for name, members, yes in (
                    ("intermediate", self.curves, bool(t.intermediate)),
                    ("timeline", self.started, t.datetime_start is not None),
                    ("cv", self.cv, attrs and curves.cv_scores(t) is not None),
                    ("gap", self.gap, attrs and t.state.is_finished
                     and curves.train_validation(t) is not None)):
                if yes:
                    members.add(number)
                    versions[name] += 1
                elif number in members:
                    members.discard(number)
                    versions[name] += 1
            if t.state is TrialState.COMPLETE and number not in self.complete:
                self.complete[number] = t
                finished.append(t)
                for k in t.params:
                    self.params.setdefault(k, None)
        self.frame.add(finished)
        if self.n_objectives == 1 and finished:
            done = [t for t in finished if t.values is not None]
            pool = ([self.best] if self.best is not None else []) + done
            if pool:  # a min over a total order: the old best against the new ones
                self.best = analysis.best_trial(pool, self.directions)
        for name, members in (("intermediate", self.curves), ("timeline", self.started),
                              ("cv", self.cv), ("gap", self.gap)):
            if members:
                self.have.add(name)
            else:
                self.have.discard(name)
        if self.complete:
            self.have.add("done")

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

    def stamp(self, kind: str) -> tuple[int, int]:
        """What figure `kind` depends on, as a number that changes whenever it does: a
        figure cached under an unchanged stamp is still the figure of the study now."""
        if kind in self.versions or kind in ("intermediate", "timeline", "cv", "gap"):
            return 0, self.versions[kind]
        return 1, len(self.complete)  # value, parameter and front plots: COMPLETE trials

    def subset(self, trials: Sequence[TrialRecord], numbers: set[int]) -> list[TrialRecord]:
        """The trials `numbers`, in number order."""
        return [trials[n] for n in sorted(numbers) if n < len(trials)]


def available(trials: Sequence[TrialRecord], n_objectives: int) -> list[str]:
    """The plots with something to show for these trials, in page order."""
    f = Features((Direction.MINIMIZE,) * n_objectives)
    f.update(trials)
    return f.plots(n_objectives)


def inputs(kind: str, trials: Sequence[TrialRecord], features: Features) -> Any:
    """What figure `kind` draws, taken from the live study: quick, and made of values no
    later update changes (a frame view, fresh lists), so that the figure itself can be
    built without holding the study's lock while new events are applied."""
    f = features
    if kind in ("history", "edf", "parallel", "slice", "contour"):
        return f.frame.view()
    if kind == "timeline":
        return [trials[n] for n in sorted(heapq.nlargest(TIMELINE_TRIALS, f.started))]
    members = {"intermediate": f.curves, "cv": f.cv, "gap": f.gap}.get(kind)
    if members is not None:
        return f.subset(trials, members)
    if kind in ("pareto", "hypervolume"):
        return [f.complete[n] for n in sorted(f.complete)]
    return None


def build(kind: str, trials: list[TrialRecord], directions: Any, *, objective: int,
          params: list[str] | None, names: Sequence[str] | None,
          importance: Any = None, features: Features | None = None,
          data: Any = None) -> Any:
    """The figure `kind` (a name from SINGLE or MULTI). With `features` (the live
    study's, up to date with `trials`) or `data` (their `inputs`) only the trials a figure
    draws are read: the frame's columns for the value and parameter plots, the members of
    each subset for the others; the figure is the same as over every trial."""
    from tuneforge import viz
    from tuneforge.viz import history as vh
    from tuneforge.viz import params as vp

    warm_up()  # plotly's lazy imports, once and in one thread (see `warm_up`)
    dirs = tuple(directions)
    if data is None and kind != "importance":
        if features is None:
            features = Features(dirs)
            features.update(trials)
        data = inputs(kind, trials, features)
    target = names[objective] if names and objective < len(names) else None
    if kind == "history":
        return vh.history_figure(data, dirs, objective=objective, target_name=target)
    if kind == "edf":
        return vh.edf_figure(data, dirs, objective=objective, target_name=target)
    if kind == "timeline":
        return viz.plot_timeline(Snapshot(dirs, data), max_trials=TIMELINE_TRIALS)
    if kind == "intermediate":
        return viz.plot_intermediate_values(Snapshot(dirs, data))
    if kind == "parallel":
        return vp.parallel_figure(data, dirs, objective=objective, params=params,
                                  target_name=target, max_points=PARALLEL_LINES)
    if kind == "slice":
        return vp.slice_figure(data, dirs, objective=objective, params=params,
                               target_name=target)
    if kind == "contour":
        return vp.contour_figure(data, dirs, objective=objective, params=params,
                                 target_name=target)
    if kind == "pareto":
        return viz.plot_pareto_front(Snapshot(dirs, data), target_names=names)
    if kind == "hypervolume":
        return viz.plot_hypervolume_history(Snapshot(dirs, data))
    if kind == "cv":
        return viz.plot_cv_folds(Snapshot(dirs, data))
    if kind == "gap":
        return viz.plot_train_validation_gap(Snapshot(dirs, data))
    if kind == "importance":
        return viz.plot_param_importances(importance)
    raise ValueError(f"unknown plot {kind!r}; plots are {', '.join(sorted({*SINGLE, *MULTI}))}")


_WARM_LOCK = threading.Lock()
_warmed = False


def warm_up() -> None:
    """Import plotly and build one tiny figure of each trace type the pages use, so the
    first page a user opens does not pay for plotly's lazy imports. `build` calls it
    first too. Plotly's validators look pandas up in `sys.modules` without importing
    it, so while another server thread is importing pandas (for importance, say) a
    figure could see it half-initialized and fail (an error 500 on the slice plot):
    pandas, when installed, is imported here, before any figure is built."""
    global _warmed
    if _warmed:
        return
    with _WARM_LOCK:
        if _warmed:
            return
        import contextlib

        import numpy as np

        with contextlib.suppress(ImportError):
            import pandas  # noqa: F401
        from plotly.subplots import make_subplots

        from tuneforge.viz._plotly import go

        g = go()
        for trace in (g.Scatter, g.Scattergl, g.Bar, g.Parcoords, g.Contour, g.Scatter3d):
            figure_json(g.Figure(trace()))
        fig = make_subplots(rows=1, cols=2, shared_yaxes=True)
        fig.add_trace(g.Scatter(x=np.arange(3.0), y=np.arange(3.0)), row=1, col=1)
        figure_json(fig)
        _warmed = True


def figure_json(fig: Any) -> str:
    """A figure as the JSON text plotly.js reads (numpy arrays included)."""
    import plotly.io

    text: str = plotly.io.to_json(fig, validate=False, engine=_json_engine())
    return text


def _json_engine() -> str:
    """orjson (the `dashboard` extra) writes a figure's arrays several times faster."""
    try:
        import orjson  # noqa: F401
    except ImportError:
        return "json"
    return "orjson"


def as_dict(text: str) -> Any:
    return json.loads(text)


__all__ = ["MULTI", "SINGLE", "Features", "available", "build", "figure_json"]
