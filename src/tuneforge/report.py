"""`tuneforge report`: one self-contained HTML file of a study (plotly.js inlined, every
figure, the best trials, importance, CV vs hold-out, the environment) that opens offline."""

from __future__ import annotations

import datetime as _dt
import html
import json
import os
import platform
import tempfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from tuneforge.exceptions import TuneforgeError
from tuneforge.storage.base import Storage, find_study, redact
from tuneforge.storage.cached import Snapshot, StudyView
from tuneforge.study import analysis
from tuneforge.trial.records import Direction, TrialRecord, TrialState

PACKAGES = ("tuneforge", "numpy", "scipy", "scikit-learn", "plotly", "optuna", "torch")
HOLDOUT_ATTR = "holdout_check"  # written by automl.select (its HOLDOUT_ATTR)

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222}
body{max-width:1280px}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.9em;margin:6px 0}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef2f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#777}.warn{color:#b45309;font-weight:600}.ok{color:#15803d}
.fig{border:1px solid #eee;margin:10px 0}
"""


def _num(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return html.escape(json.dumps(v) if isinstance(v, (dict, list)) else str(v))


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, id_: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(
        f"<td class='num'>{_num(c)}</td>" if isinstance(c, (int, float)) and
        not isinstance(c, bool) else f"<td>{_num(c)}</td>" for c in r) + "</tr>" for r in rows)
    ident = f" id='{id_}'" if id_ else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _best_rows(trials: list[TrialRecord], directions: tuple[Direction, ...],
               k: int = 10) -> list[TrialRecord]:
    if len(directions) > 1:
        return analysis.pareto_trials(trials, directions)[:50]
    done = [t for t in trials if t.state is TrialState.COMPLETE and t.values]
    sign = -1.0 if directions[0] is Direction.MAXIMIZE else 1.0
    return sorted(done, key=lambda t: (sign * t.values[0], t.number))[:k]  # type: ignore[index]


def _environment(storage: Storage) -> list[tuple[str, str]]:
    rows = [("generated", _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")),
            ("python", platform.python_version()), ("platform", platform.platform()),
            ("storage", redact(storage.url) if storage.url else "in memory")]
    for name in PACKAGES:
        try:
            rows.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            continue
    return rows


def _holdout(attrs: dict[str, Any]) -> str:
    """The CV-vs-hold-out section, from the study attribute automl.select writes."""
    check = attrs.get(HOLDOUT_ATTR)
    if not isinstance(check, dict):
        return ("<p class='muted'>No hold-out check recorded (automl.select and "
                "`tuneforge run` record one when a hold-out is kept).</p>")
    cls = "warn" if check.get("overtuned") else "ok"
    out = f"<p class='{cls}' id='holdout-message'>{html.escape(str(check.get('message', '')))}</p>"
    fams = check.get("families") or []
    if fams:
        out += _table(["family", "trial", "CV score", "hold-out score"],
                      [[f.get("family"), f.get("trial"), f.get("cv_score"),
                        f.get("holdout_score")] for f in fams], id_="holdout")
    return out


def build_report(trials: list[TrialRecord], directions: tuple[Direction, ...], *,
                 study_name: str, study_attrs: dict[str, Any] | None = None,
                 environment: Sequence[tuple[str, str]] = (), importance: bool = True,
                 metric_names: Sequence[str] | None = None) -> str:
    """The report's HTML text (pure: the trials in, the page out)."""
    from tuneforge import viz
    from tuneforge.dashboard.plots import available, build
    from tuneforge.viz._plotly import plotly_js

    attrs = dict(study_attrs or {})
    counts = {s.value: sum(t.state is s for t in trials) for s in TrialState}
    parts = [f"<h1>Study {html.escape(study_name)}</h1>",
             f"<p>{len(trials)} trials (" + ", ".join(f"{k.lower()} {v}" for k, v in
                                                       counts.items() if v) + ")"
             f"; directions {', '.join(d.value for d in directions)}</p>"]
    best = _best_rows(trials, directions)
    names = list(metric_names or [f"value {i}" if len(directions) > 1 else "value"
                                  for i in range(len(directions))])
    params: dict[str, None] = {}
    for t in best:
        params.update(dict.fromkeys(t.params))
    title = "Pareto front" if len(directions) > 1 else "Best trials"
    parts.append(f"<h2>{title}</h2>")
    parts.append(_table(["trial", *names, *params], [
        [t.number, *(t.values or ()), *(t.params.get(p, "") for p in params)] for t in best],
        id_="best") if best else "<p class='muted'>No COMPLETE trial.</p>")
    imp = None
    kinds = available(trials, len(directions))
    if importance and "importance" in kinds:
        from tuneforge.importance import fanova_importance, permutation_importance

        n_done = sum(t.state is TrialState.COMPLETE for t in trials)
        fn = fanova_importance if n_done <= 5000 else permutation_importance
        try:
            imp = fn(trials, directions, study_name=study_name)
        except (TuneforgeError, ValueError) as exc:
            parts.append(f"<p class='muted'>Importance not computed: {html.escape(str(exc))}</p>")
    if imp is not None:
        parts.append("<h2>Hyperparameter importance</h2>")
        parts.append(_table(["parameter", "importance", "95 % low", "95 % high"],
                            [[p.name, p.mean, p.low, p.high] for p in imp.params],
                            id_="importance"))
    parts.append("<h2>CV vs hold-out</h2>" + _holdout(attrs))
    parts.append("<h2>Figures</h2>")
    snap = Snapshot(directions, trials)
    for kind in kinds:
        if kind == "importance":
            if imp is None:
                continue
            fig = viz.plot_param_importances(imp)
        else:
            fig = build(kind, list(snap.trials()), directions, objective=0, params=None,
                        names=metric_names)
        parts.append("<div class='fig'>" + fig.to_html(
            full_html=False, include_plotlyjs=False, div_id=f"fig-{kind}",
            config={"displaylogo": False, "responsive": True}) + "</div>")
    if attrs:
        parts.append("<h2>Study attributes</h2>" + _table(
            ["name", "value"], [[k, v] for k, v in attrs.items()], id_="attrs"))
    parts.append("<h2>Environment</h2>" + _table(["", ""], list(environment), id_="env"))
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>tuneforge report: {html.escape(study_name)}</title>"
            f"<style>{_CSS}</style><script>{plotly_js()}</script></head><body>"
            + "\n".join(parts) + "</body></html>")


def write_report(storage: Storage, study_name: str, out: str | os.PathLike[str], *,
                 importance: bool = True) -> Path:
    """Write the report of `study_name` in `storage` to `out` (atomically); returns it."""
    ref = find_study(storage, study_name)
    view = StudyView(storage, ref)
    state = view.refresh()
    names = state.system_attrs.get("metric_names")
    html_text = build_report(state.trials(), ref.directions, study_name=ref.name,
                             study_attrs=dict(state.user_attrs), importance=importance,
                             environment=_environment(storage),
                             metric_names=[str(n) for n in names]
                             if isinstance(names, list) else None)
    target = Path(out)
    if not target.parent.is_dir():
        raise TuneforgeError(f"cannot write the report to {str(target)!r}: folder "
                             f"{str(target.parent)!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".html", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(html_text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a report is to be shared
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


__all__ = ["build_report", "write_report"]
