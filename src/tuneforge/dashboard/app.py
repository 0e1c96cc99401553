"""The FastAPI app: a read-only JSON API over one storage, and the static page that draws
it. There is no route that writes, runs code or reads a file outside a trial's artifacts."""

from __future__ import annotations

import asyncio
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Any

from tuneforge.dashboard import plots
from tuneforge.dashboard.live import LiveStorage, LiveStudy
from tuneforge.dashboard.plots import Features
from tuneforge.dashboard.table import MAX_LIMIT, parse_states, row, safe, select
from tuneforge.exceptions import StudyNotFoundError, TuneforgeError, missing_extra
from tuneforge.storage.artifacts import ArtifactStore, default_root
from tuneforge.storage.base import Storage
from tuneforge.study import analysis
from tuneforge.trial.records import TrialRecord, TrialState

MAX_CHANGES = 1000          # changed rows sent per poll; beyond, the page re-reads its page
MAX_WAIT = 30.0            # longest a /changes request may wait for a new event (s)
WAIT_SECONDS = 10.0        # how long the study page's /changes requests wait
WAIT_STEP = 0.05           # how often a waiting request looks for new events (s)
IMPORTANCE_MAX_AGE = 30.0   # seconds before a live study's importance is recomputed
FANOVA_LIMIT = 5000         # COMPLETE trials above which the page uses permutation importance


def _fastapi() -> Any:
    try:
        import fastapi
    except ImportError:
        raise missing_extra("fastapi", "dashboard") from None
    return fastapi


def _static(name: str) -> str:
    return (resources.files("tuneforge.dashboard") / "static" / name).read_text("utf-8")


def _summary(live: LiveStudy) -> dict[str, Any]:
    """Counts and best trial(s), computed once per cursor (every poll asks for them)."""
    with live.lock:
        return dict(live.cached("summary", lambda: _compute_summary(live)))


def _compute_summary(live: LiveStudy) -> dict[str, Any]:
    f = live.features()  # counts and best kept from the changed trials: no full scan
    dirs = live.ref.directions
    return {"id": live.ref.study_id, "name": live.ref.name,
            "directions": [d.value for d in dirs], "n_trials": sum(f.counts.values()),
            "states": {s.value: f.counts.get(s.value, 0) for s in TrialState},
            "cursor": live.cursor, "best": _best(live, f)}


def _best(live: LiveStudy, f: Features) -> list[dict[str, Any]]:
    dirs = live.ref.directions
    if len(dirs) == 1:
        return [] if f.best is None else [row(f.best)]
    try:
        done = [f.complete[n] for n in sorted(f.complete)]
        return [row(t) for t in analysis.pareto_trials(done, dirs)[:50]]
    except TuneforgeError:
        return []


def _metric_names(live: LiveStudy) -> list[str] | None:
    names = live.state.system_attrs.get("metric_names")
    return [str(n) for n in names] if isinstance(names, list) else None


def _artifact_dir(storage: Storage, live: LiveStudy, t: TrialRecord) -> Path | None:
    root = live.state.system_attrs.get("artifact_root")
    try:
        base = Path(root) if isinstance(root, str) else default_root(storage)
    except TuneforgeError:
        return None
    folder = ArtifactStore(base).checkpoint_dir(live.ref.name, t.key).parent
    return folder if folder.is_dir() else None


def create_app(storage: Storage, *, poll_seconds: float = 1.0) -> Any:
    """The dashboard app over `storage` (open it read-only). `poll_seconds`: how often
    the page asks for changes."""
    fastapi = _fastapi()
    from fastapi.responses import HTMLResponse, JSONResponse, Response

    hub = LiveStorage(storage, min_interval=WAIT_STEP)
    app = fastapi.FastAPI(title="tuneforge dashboard", docs_url=None, redoc_url=None,
                          openapi_url=None)
    app.state.hub = hub
    warmed = threading.Event()  # set when `warm` (below) has loaded every study
    importance_cache: dict[int, tuple[float, int, Any]] = {}

    def ok(payload: Any) -> Any:
        return JSONResponse(safe(payload))

    @app.exception_handler(TuneforgeError)
    def _tuneforge_error(request: Any, exc: Exception) -> Any:
        status = 404 if isinstance(exc, StudyNotFoundError) else 500
        return JSONResponse({"error": str(exc)}, status_code=status)

    @app.exception_handler(ValueError)
    def _bad_input(request: Any, exc: Exception) -> Any:
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.exception_handler(KeyError)
    def _missing(request: Any, exc: Exception) -> Any:
        return JSONResponse({"error": str(exc.args[0]) if exc.args else "not found"},
                            status_code=404)

    def study_by_id(study_id: int) -> LiveStudy:
        for ref in hub.refs():
            if ref.study_id == study_id:
                return hub.study(ref.name)
        raise StudyNotFoundError(f"no study with id {study_id}")

    # -- pages -------------------------------------------------------------------------
    page = _static("index.html")

    @app.get("/", response_class=HTMLResponse)
    def index() -> Any:
        return HTMLResponse(page)

    @app.get("/study/{study_id}", response_class=HTMLResponse)
    def study_page(study_id: int) -> Any:
        return HTMLResponse(page)

    @app.get("/study/{study_id}/trial/{number}", response_class=HTMLResponse)
    def trial_page(study_id: int, number: int) -> Any:
        return HTMLResponse(page)

    @app.get("/favicon.ico")
    def favicon() -> Any:
        return Response(_static("favicon.svg"), media_type="image/svg+xml")

    @app.get("/static/{name}")
    def static(name: str) -> Any:
        if name == "plotly.min.js":
            from tuneforge.viz._plotly import plotly_js

            return Response(plotly_js(), media_type="application/javascript",
                            headers={"Cache-Control": "max-age=86400"})
        kinds = {"app.js": "application/javascript", "app.css": "text/css"}
        if name not in kinds:
            raise KeyError(f"no static file {name!r}")
        return Response(_static(name), media_type=kinds[name])

    # -- API ---------------------------------------------------------------------------
    @app.get("/api/config")
    def config() -> Any:
        return ok({"poll_seconds": poll_seconds, "wait_seconds": WAIT_SECONDS,
                   "read_only": True, "warm": warmed.is_set(),
                   "storage": storage.url and _redacted(storage.url)})

    @app.get("/api/studies")
    def studies() -> Any:
        return ok([_summary(hub.study(ref.name)) for ref in hub.refs()])

    @app.get("/api/studies/{study_id}")
    def study(study_id: int) -> Any:
        live = study_by_id(study_id)
        out = _summary(live)
        out.update(params=live.param_names(), metric_names=_metric_names(live),
                   plots=live.plots(),
                   user_attrs=dict(live.state.user_attrs),
                   system_attrs=dict(live.state.system_attrs),
                   best_trials=out["best"])
        return ok(out)

    def changes_since(live: LiveStudy, after: int) -> dict[str, Any]:
        with live.lock:
            numbers, study_changed = live.changed_since(after)
            trials = live.trials()
            out = _summary(live)
            plots_now = live.plots()
        rows = [row(trials[n]) for n in numbers[-MAX_CHANGES:] if n < len(trials)]
        out.update(changed=rows, n_changed=len(numbers), study_changed=study_changed,
                   truncated=len(numbers) > MAX_CHANGES, plots=plots_now)
        return out

    @app.get("/api/studies/{study_id}/changes")
    async def changes(study_id: int, after: int = -1, wait: float = 0.0) -> Any:
        """What changed after cursor `after`; with `wait` > 0 the answer is held until
        something does (long polling: a new trial reaches the page within WAIT_STEP)."""
        from starlette.concurrency import run_in_threadpool

        if not 0.0 <= wait <= MAX_WAIT:
            raise ValueError(f"wait must be 0..{MAX_WAIT:g} seconds, got {wait:g}")
        deadline = time.monotonic() + wait
        while True:
            live = await run_in_threadpool(study_by_id, study_id)
            if live.cursor > after or time.monotonic() >= deadline:
                break
            await asyncio.sleep(WAIT_STEP)
        return ok(await run_in_threadpool(changes_since, live, after))

    @app.get("/api/studies/{study_id}/trials")
    def trials(study_id: int, state: str | None = None, q: str = "", sort: str = "number",
               desc: bool = False, offset: int = 0, limit: int = 50) -> Any:
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be 1..{MAX_LIMIT}, got {limit}")
        if offset < 0:
            raise ValueError(f"offset must be >= 0, got {offset}")
        live = study_by_id(study_id)
        states = parse_states(state)
        picked = live.cached(("table", state, q, sort, desc), lambda: select(
            live.trials(), n_objectives=len(live.ref.directions), states=states, q=q,
            sort=sort, desc=desc))
        return ok({"total": len(picked), "offset": offset, "cursor": live.cursor,
                   "rows": [row(t) for t in picked[offset:offset + limit]]})

    @app.get("/api/studies/{study_id}/trials/{number}")
    def trial(study_id: int, number: int) -> Any:
        live = study_by_id(study_id)
        t = live.trial(number)
        out = analysis.record_to_json(t)
        out.update(duration=t.duration, last_heartbeat=t.last_heartbeat, key=t.key,
                   fail_reason=t.system_attrs.get("fail_reason"),
                   traceback=t.system_attrs.get("traceback"),
                   directions=[d.value for d in live.ref.directions],
                   artifacts=_artifacts(live, t))
        return ok(out)

    def _artifacts(live: LiveStudy, t: TrialRecord) -> list[dict[str, Any]]:
        folder = _artifact_dir(storage, live, t)
        if folder is None:
            return []
        return [{"path": p.relative_to(folder).as_posix(), "bytes": p.stat().st_size}
                for p in sorted(folder.rglob("*")) if p.is_file()][:200]

    @app.get("/api/studies/{study_id}/trials/{number}/artifacts/{path:path}")
    def artifact(study_id: int, number: int, path: str) -> Any:
        live = study_by_id(study_id)
        t = live.trial(number)
        folder = _artifact_dir(storage, live, t)
        target = (folder / path).resolve() if folder is not None else None
        if folder is None or target is None or not target.is_file() \
                or not target.is_relative_to(folder.resolve()):
            raise KeyError(f"trial {number} has no artifact {path!r}")
        return Response(target.read_bytes(), media_type="application/octet-stream",
                        headers={"Content-Disposition": f'attachment; filename="{target.name}"'})

    @app.get("/api/studies/{study_id}/plots/{kind}")
    def plot(study_id: int, kind: str, objective: int = 0, params: str = "") -> Any:
        live = study_by_id(study_id)
        chosen = [p for p in params.split(",") if p] or None
        if not 0 <= objective < len(live.ref.directions):
            raise ValueError(f"objective={objective} but the study has "
                             f"{len(live.ref.directions)} objective(s)")
        imp = importance_of(live, objective) if kind == "importance" else None

        with live.lock:  # what the figure draws, taken at one cursor (cheap)
            stamp = (live.features().stamp(kind), tuple(live.param_names()),
                     str(_metric_names(live)))
            key = ("plot", kind, objective, params, id(imp))
            hit = live.cached_value(key, stamp)
            if hit is None:
                data = plots.inputs(kind, live.trials(), live.features())
                trials, names = live.trials(), _metric_names(live)
        if hit is not None:
            return Response(hit, media_type="application/json")
        if kind not in plots.SINGLE and kind not in plots.MULTI:
            raise ValueError(f"unknown plot {kind!r}; plots are "
                             f"{', '.join(sorted({*plots.SINGLE, *plots.MULTI}))}")
        # the figure is built without the lock: polls and new events are not held up
        fig = plots.build(kind, trials, live.ref.directions, objective=objective,
                          params=chosen, names=names, importance=imp,
                          data=data)
        text = plots.figure_json(fig)
        live.store(key, stamp, text)
        return Response(text, media_type="application/json")

    def importance_of(live: LiveStudy, objective: int) -> Any:
        from tuneforge.importance import fanova_importance, permutation_importance

        trials = live.trials()
        n_done = sum(t.state is TrialState.COMPLETE for t in trials)
        key = live.ref.study_id * 100 + objective
        hit = importance_cache.get(key)
        now = time.monotonic()
        if hit is not None and (hit[1] == n_done or (now - hit[0] < IMPORTANCE_MAX_AGE
                                                     and n_done < hit[1] * 1.1)):
            return hit[2]
        fn = fanova_importance if n_done <= FANOVA_LIMIT else permutation_importance
        imp = fn(trials, live.ref.directions, objective=objective, repeats=3,
                 study_name=live.ref.name)
        importance_cache[key] = (now, n_done, imp)
        return imp

    def warm() -> None:
        """Load every study, then build the figure each study page draws first, so
        that the first visitor waits for neither (serve runs this in the background);
        `/api/config` says ``warm: true`` once it is done."""
        try:
            hub.warm()
            for ref in hub.refs():
                try:
                    plot(ref.study_id, "history" if len(ref.directions) == 1 else "pareto")
                except (TuneforgeError, ValueError):
                    continue  # reported when the study is opened
        finally:
            warmed.set()

    app.state.warm = warm

    @app.get("/api/studies/{study_id}/importance")
    def importance(study_id: int, objective: int = 0) -> Any:
        return ok(importance_of(study_by_id(study_id), objective).to_json())

    return app


def _redacted(url: str) -> str:
    from tuneforge.storage.base import redact

    return redact(url)


__all__ = ["create_app"]
