"""Figures per trial: learning curves (intermediate values), the train-vs-validation
gap, and the cross-validation fold scores with their spread."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tuneforge.trial.records import Direction, TrialRecord, TrialState
from tuneforge.viz._data import as_history, sample_indices
from tuneforge.viz._plotly import STATE_COLORS, go

CV_ATTR = "cv"  # the user attribute the CV objectives write (evaluate.cv, sklearn search)
_VALIDATION_PREFIXES = ("val_", "valid_", "validation_")


def plot_intermediate_values(study: Any, *, directions: Sequence[Direction | str] | None = None,
                             max_trials: int = 200) -> Any:
    """Each trial's reported values by step (its learning curve); PRUNED ones faded and
    dashed, FAIL ones dotted. Beyond `max_trials` curves, the best COMPLETE ones, every
    RUNNING one and a fixed-seed sample of the rest are drawn."""
    history = as_history(study, directions)
    trials = [t for t in history.trials() if t.intermediate]
    keep: list[int] = [i for i, t in enumerate(trials) if t.state is TrialState.RUNNING]
    if len(history.directions) == 1:
        done = [(i, t.values[0]) for i, t in enumerate(trials)
                if t.state is TrialState.COMPLETE and t.values and math.isfinite(t.values[0])]
        sign = -1.0 if history.directions[0] is Direction.MAXIMIZE else 1.0
        keep += [i for i, _ in sorted(done, key=lambda p: sign * p[1])[:max_trials // 10]]
    chosen = [trials[i] for i in sample_indices(len(trials), max_trials, keep=keep[:max_trials])]
    fig = go().Figure()
    for t in chosen:
        steps = sorted(t.intermediate)
        pruned = t.state is TrialState.PRUNED
        fig.add_trace(go().Scatter(
            x=steps, y=[t.intermediate[s] for s in steps], mode="lines+markers",
            name=f"trial {t.number}", legendgroup=t.state.value,
            opacity=0.3 if pruned else 1.0,
            line={"color": STATE_COLORS[t.state.value],
                  "dash": "dash" if pruned else "dot" if t.state is TrialState.FAIL
                  else "solid", "width": 1 if pruned else 1.5},
            marker={"size": 3}, meta=t.state.value,
            hovertemplate=f"trial {t.number} ({t.state.value})<br>step %{{x}}: %{{y}}"
                          "<extra></extra>"))
    shown = "" if len(chosen) == len(trials) else f" ({len(chosen)} of {len(trials)} trials)"
    fig.update_layout(title="Intermediate values" + shown, xaxis_title="step",
                      yaxis_title="reported value", showlegend=len(chosen) <= 20,
                      template="plotly_white")
    return fig


def _mean(xs: Any) -> float | None:
    vals = [float(x) for x in xs or () if isinstance(x, (int, float)) and math.isfinite(x)]
    return sum(vals) / len(vals) if vals else None


def train_validation(t: TrialRecord, metric: str | None = None
                     ) -> tuple[str, float, float] | None:
    """(metric, train, validation) of a trial, from the CV record's train and test fold
    scores (``user_attrs["cv"]``), else from user attributes ``train_<m>`` beside
    ``val_<m>``, ``valid_<m>`` or ``validation_<m>``; None when neither is recorded."""
    cv = t.user_attrs.get(CV_ATTR)
    if isinstance(cv, Mapping) and isinstance(cv.get("train_scores"), Mapping):
        train, test = cv["train_scores"], cv.get("scores") or {}
        for m in ([metric] if metric else list(train)):
            a, b = _mean(train.get(m)), _mean(test.get(m))
            if a is not None and b is not None:
                return str(m), a, b
    for name, value in t.user_attrs.items():
        if not name.startswith("train_") or not isinstance(value, (int, float)):
            continue
        m = name[len("train_"):]
        if metric and m != metric:
            continue
        for prefix in _VALIDATION_PREFIXES:
            other = t.user_attrs.get(prefix + m)
            if isinstance(other, (int, float)):
                return m, float(value), float(other)
    return None


def plot_train_validation_gap(study: Any, *, metric: str | None = None,
                              directions: Sequence[Direction | str] | None = None,
                              max_trials: int = 500) -> Any:
    """Train and validation score of each finished trial that recorded both, and their
    gap (train - validation) on a second axis: a large gap is over-fitting."""
    history = as_history(study, directions)
    rows = [(t.number, r) for t in history.trials() if t.state.is_finished
            and (r := train_validation(t, metric)) is not None]
    rows = [rows[i] for i in sample_indices(len(rows), max_trials)]
    x = [n for n, _ in rows]
    train = np.array([r[1] for _, r in rows], dtype=np.float64)
    val = np.array([r[2] for _, r in rows], dtype=np.float64)
    name = rows[0][1][0] if rows else (metric or "score")
    fig = go().Figure()
    fig.add_trace(go().Scatter(x=x, y=train, mode="markers", name=f"train {name}"))
    fig.add_trace(go().Scatter(x=x, y=val, mode="markers", name=f"validation {name}"))
    fig.add_trace(go().Bar(x=x, y=train - val, name="gap (train - validation)", yaxis="y2",
                           opacity=0.35, marker={"color": "#9467bd"}))
    fig.update_layout(title="Train vs validation", xaxis_title="trial", yaxis_title=name,
                      yaxis2={"title": "gap", "overlaying": "y", "side": "right"},
                      template="plotly_white")
    return fig


def cv_scores(t: TrialRecord, metric: str | None = None) -> tuple[str, list[float]] | None:
    """(metric, fold scores) from a trial's CV record, or None."""
    cv = t.user_attrs.get(CV_ATTR)
    scores = cv.get("scores") if isinstance(cv, Mapping) else None
    if not isinstance(scores, Mapping) or not scores:
        return None
    name = metric if metric is not None else next(iter(scores))
    folds = [float(v) for v in scores.get(name) or () if isinstance(v, (int, float))
             and math.isfinite(v)]
    return (str(name), folds) if folds else None


def plot_cv_folds(study: Any, *, metric: str | None = None,
                  directions: Sequence[Direction | str] | None = None,
                  max_trials: int = 300) -> Any:
    """Each trial's cross-validation fold scores (points) and their mean with one
    standard deviation (error bars): a trial that wins by its mean within the folds'
    spread has not clearly won."""
    history = as_history(study, directions)
    rows = [(t.number, r) for t in history.trials() if (r := cv_scores(t, metric)) is not None]
    rows = [rows[i] for i in sample_indices(len(rows), max_trials)]
    name = rows[0][1][0] if rows else (metric or "score")
    fx = [n for n, (_, folds) in rows for _ in folds]
    fy = [v for _, (_, folds) in rows for v in folds]
    means = [float(np.mean(f)) for _, (_, f) in rows]
    stds = [float(np.std(f)) for _, (_, f) in rows]
    fig = go().Figure()
    fig.add_trace(go().Scatter(x=fx, y=fy, mode="markers", name="fold score",
                               marker={"size": 4, "opacity": 0.45, "color": "#7f7f7f"}))
    fig.add_trace(go().Scatter(x=[n for n, _ in rows], y=means, mode="markers",
                               name="mean ± std", error_y={"type": "data", "array": stds},
                               marker={"size": 7, "color": STATE_COLORS["COMPLETE"]}))
    fig.update_layout(title=f"Cross-validation folds ({name})", xaxis_title="trial",
                      yaxis_title=name, template="plotly_white")
    return fig


__all__ = ["cv_scores", "plot_cv_folds", "plot_intermediate_values",
           "plot_train_validation_gap", "train_validation"]
