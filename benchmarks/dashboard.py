"""dashboard: first paint and live-update time of a big study in the browser, side by side
with optuna-dashboard on the same trials.

    python -m benchmarks.dashboard [--trials 100000] [--updates 3] [--workdir DIR]
                                   [--peer-cap 1200] [--out FILE]

1. The same --trials trials (5 floats in [-5, 5], value = sum of squares, every 50th
   trial PRUNED with 3 intermediate values, times 0.1 s apart) are written fast: for
   tuneforge straight through the storage API (events appended in batches of 1,000
   trials), for Optuna by a bulk insert into the tables its RDB storage created.
2. Each dashboard is started as its own process (``tuneforge dashboard`` and
   ``optuna-dashboard``) and asked once for its study list (server load time).
3. Debian's Chromium (Playwright) opens the study page. **First paint**: from navigation
   until the history plot is drawn over every trial (tuneforge: its history plot drawn and
   its trial counter at --trials, plus the page's own ``tfStats.firstPaintMs``; its plot
   draws about 2,000 points of any number; optuna-dashboard: a plot trace with every
   COMPLETE trial).
4. **Update**: another process appends 10 trials; the time until the page shows them
   (tuneforge: counter and redrawn plots; optuna-dashboard: the plot trace grown),
   the poll interval included, repeated --updates times; for tuneforge also the page's
   own redraw time (``tfStats.lastUpdateMs``: fetch and draw after a change).

Timings are wall-clock on this machine (often shared: rerun quietly to quote them).
optuna-dashboard is a bench-only peer (benchmarks/requirements.txt); when it does not
import, its column says so.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import _env

NAME = "big"
N_PARAMS = 5
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
T0 = 1_700_000_000.0


def trials_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(params (n, 5), values (n,)) of the benchmark study."""
    x = np.random.default_rng(seed).uniform(-5, 5, size=(n, N_PARAMS))
    return x, (x ** 2).sum(axis=1)


def build_tuneforge(path: Path, n: int, *, start: int = 0) -> float:
    """Append trials start..start+n-1 to the SQLite study (created when start == 0)."""
    from tuneforge.space.distributions import Float
    from tuneforge.storage import events as ev
    from tuneforge.storage.sqlite import SQLiteStorage
    from tuneforge.trial.records import Direction

    t0 = time.perf_counter()
    storage = SQLiteStorage(path)
    if start == 0:
        ref = storage.create_study(NAME, [Direction.MINIMIZE])
    else:
        ref = next(r for r in storage.list_studies() if r.name == NAME)
    dist = Float(-5.0, 5.0).to_json()
    dref = ev.distribution_ref(dist)
    x, y = trials_data(start + n)
    batch: list[dict[str, Any]] = [] if start else [ev.distribution_defined(dref, dist)]
    for i in range(start, start + n):
        key = f"t{i:08d}"
        t = T0 + 0.1 * i if start == 0 else time.time()
        batch.append(dict(ev.trial_created(key, state="RUNNING", token="bench"), t=t))
        batch += [dict(ev.param_set(key, f"x{j}", float(x[i, j]), distribution_ref=dref), t=t)
                  for j in range(N_PARAMS)]
        batch.append(dict(ev.attr_set(key, "worker", f"bench:{i % 4}", scope="system"), t=t))
        if i % 50 == 49:
            batch += [dict(ev.intermediate(key, s, float(y[i]) + 3 - s), t=t) for s in range(3)]
            batch.append(dict(ev.finished(key, "PRUNED", None), t=t + 0.05))
        else:
            batch.append(dict(ev.finished(key, "COMPLETE", [float(y[i])]), t=t + 0.08))
        if len(batch) >= 8000:
            storage.append(ref, batch)
            batch = []
    if batch:
        storage.append(ref, batch)
    return time.perf_counter() - t0


def build_optuna(path: Path, n: int, *, start: int = 0) -> float:
    """The same trials in Optuna's RDB SQLite schema (bulk insert into its tables)."""
    import optuna
    import sqlalchemy as sa
    from optuna.distributions import FloatDistribution, distribution_to_json
    from optuna.storages._rdb import models

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    t0 = time.perf_counter()
    url = f"sqlite:///{path}"
    storage = optuna.storages.RDBStorage(url)
    if start == 0:
        study = optuna.create_study(study_name=NAME, storage=storage)
    else:
        study = optuna.load_study(study_name=NAME, storage=storage)
    sid = study._study_id
    dist = distribution_to_json(FloatDistribution(-5.0, 5.0))
    x, y = trials_data(start + n)
    complete, pruned = optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED
    finite = models.TrialValueModel.TrialValueType.FINITE
    ifinite = models.TrialIntermediateValueModel.TrialIntermediateValueType.FINITE
    with storage.engine.begin() as conn:
        base = conn.execute(sa.select(sa.func.coalesce(
            sa.func.max(models.TrialModel.__table__.c.trial_id), 0))).scalar_one()
        trows, prows, vrows, irows = [], [], [], []
        for i in range(start, start + n):
            tid = base + i - start + 1
            t = _dt.datetime.utcfromtimestamp(T0 + 0.1 * i if start == 0 else time.time())
            is_pruned = i % 50 == 49
            trows.append({"trial_id": tid, "number": i, "study_id": sid,
                          "state": pruned if is_pruned else complete, "datetime_start": t,
                          "datetime_complete": t + _dt.timedelta(seconds=0.08)})
            prows += [{"trial_id": tid, "param_name": f"x{j}", "param_value": float(x[i, j]),
                       "distribution_json": dist} for j in range(N_PARAMS)]
            if is_pruned:
                irows += [{"trial_id": tid, "step": s, "intermediate_value": float(y[i]) + 3 - s,
                           "intermediate_value_type": ifinite} for s in range(3)]
            else:
                vrows.append({"trial_id": tid, "objective": 0, "value": float(y[i]),
                              "value_type": finite})
        conn.execute(sa.insert(models.TrialModel.__table__), trows)
        conn.execute(sa.insert(models.TrialParamModel.__table__), prows)
        conn.execute(sa.insert(models.TrialValueModel.__table__), vrows)
        if irows:
            conn.execute(sa.insert(models.TrialIntermediateValueModel.__table__), irows)
    return time.perf_counter() - t0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(cmd: list[str], ready: str, cap: float = 3600.0) -> Iterator[tuple[str, float]]:
    """Start a dashboard process; yields (base URL, seconds until `ready` answered).
    TimeoutError when it has not answered within `cap` seconds."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(_env.REPO_ROOT / "src"), str(_env.REPO_ROOT), os.environ.get("PYTHONPATH", "")]))
    t0 = time.perf_counter()
    proc = subprocess.Popen([*cmd, "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        while True:
            left = cap - (time.perf_counter() - t0)
            if left <= 0:
                raise TimeoutError(f"{cmd[0]} did not answer {ready} within {cap:g} s")
            try:
                urllib.request.urlopen(base + ready, timeout=max(left, 1)).read()
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"{cmd[0]} exited with {proc.returncode}") from None
                time.sleep(0.2)
        yield base, time.perf_counter() - t0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


# "the page shows at least N trials": tuneforge's history plot is down-sampled (about
# 2,000 points drawn of any number), so its count is the page's trial counter once the
# history plot is drawn; optuna-dashboard draws every point: its largest plot trace.
def tf_shows(n: int, updates: int = 0) -> str:
    return ("(() => { const c = document.getElementById('n-trials'); const d = "
            "document.getElementById('plot-history'); return !!(c && d && d.data && "
            f"window.tfStats.firstPaintMs !== null && window.tfStats.updates >= {updates} && "
            f"parseInt(c.textContent) >= {n}) }})()")


def od_shows(n: int, updates: int = 0) -> str:
    return ("(() => { let best = -1; for (const d of document.querySelectorAll("
            "'.js-plotly-plot')) { for (const t of d.data || []) { const k = t.x ? "
            f"(t.x.length || 0) : 0; if (k > best) best = k; }} }} return best >= {n} }})()")


def wait_warm(base: str, cap: float = 600.0) -> float:
    """Seconds until tuneforge's server says (`/api/config`) its start-up warm-up is done."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < cap:
        with urllib.request.urlopen(base + "/api/config", timeout=10) as r:
            if json.loads(r.read()).get("warm"):
                return time.perf_counter() - t0
        time.sleep(0.1)
    raise TimeoutError(f"the dashboard did not finish warming up within {cap:g} s")


def measure(page: Any, url: str, shows: Any, n_shown: int, step: int, append: Any,
            updates: int, own_stats: bool, cap: float = 1200.0) -> dict[str, Any]:
    """First paint (navigation until `shows(n_shown)`, at most `cap` seconds), then
    `updates` rounds of: append 10 trials, wait until the page shows `step` more."""
    t0 = time.perf_counter()
    page.goto(url, timeout=cap * 1000)
    page.wait_for_function(shows(n_shown), timeout=cap * 1000, polling=50)
    out: dict[str, Any] = {"first_paint_s": time.perf_counter() - t0}
    if own_stats:
        out["page_first_paint_s"] = page.evaluate("window.tfStats.firstPaintMs") / 1000
    lat, redraw = [], []
    for k in range(updates):
        append(k)
        a0 = time.perf_counter()
        page.wait_for_function(shows(n_shown + step * (k + 1), k + 1 if own_stats else 0),
                               timeout=300_000, polling=50)
        lat.append(time.perf_counter() - a0)
        if own_stats:
            redraw.append(page.evaluate("window.tfStats.lastUpdateMs") / 1000)
    out["update_latency_s"] = lat
    if redraw:
        out["page_redraw_s"] = redraw
    return out


def run(n: int, updates: int, workdir: Path, save: Any = None,
        peer_cap: float = 1200.0) -> dict[str, Any]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    tf_db, od_db = workdir / "tf.db", workdir / "optuna.db"
    for p in (tf_db, od_db):
        p.unlink(missing_ok=True)
    res: dict[str, Any] = {"trials": n, "machine": _env.machine_info("benchmarks.dashboard")}
    res["tuneforge_build_s"] = build_tuneforge(tf_db, n)
    n_complete = n - n // 50
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True,
                                     args=CHROMIUM_ARGS)
        cmd = [sys.executable, "-m", "tuneforge.cli", "dashboard", "--storage",
               f"sqlite:///{tf_db}", "--poll", "1"]
        with server(cmd, "/api/studies") as (base, ready):
            # first paint as soon as the server answers (its warm-up still running) ...
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            r = measure(page, f"{base}/study/1", tf_shows, n, 10,
                        lambda k: build_tuneforge(tf_db, 10, start=n + 10 * k), updates, True)
            res["tuneforge"] = dict(r, server_ready_s=ready)
            page.close()
            # ... and once it says it has finished warming up, in a fresh browser context
            # (no cached plotly.js): what a user sees who opens the page a little later
            warm_s = wait_warm(base) + ready
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            again = measure(ctx.new_page(), f"{base}/study/1", tf_shows, n + 10 * updates,
                            0, lambda k: None, 0, True)
            res["tuneforge"].update(server_warm_s=warm_s,
                                    warm_first_paint_s=again["first_paint_s"],
                                    warm_page_first_paint_s=again.get("page_first_paint_s"))
            ctx.close()
        if save is not None:
            save(res)  # kept even if the peer's part never finishes
        try:
            import optuna_dashboard  # noqa: F401
        except ImportError as exc:
            res["optuna_dashboard"] = {"unavailable": str(exc)}
        else:
            res["optuna_build_s"] = build_optuna(od_db, n)
            exe = shutil.which("optuna-dashboard", path=str(Path(sys.executable).parent))
            cmd = [exe or "optuna-dashboard", f"sqlite:///{od_db}", "--host", "127.0.0.1"]
            t0 = time.perf_counter()
            try:
                with server(cmd, "/api/studies", cap=peer_cap) as (base, ready):
                    page = browser.new_page(viewport={"width": 1400, "height": 1000})
                    left = max(peer_cap - (time.perf_counter() - t0), 1.0)
                    r = measure(page, f"{base}/dashboard/studies/1", od_shows, n_complete, 9,
                                lambda k: build_optuna(od_db, 10, start=n + 10 * k),
                                updates, False, cap=left)
                    res["optuna_dashboard"] = dict(r, server_ready_s=ready)
            except (TimeoutError, PlaywrightTimeout) as exc:  # recorded, not fatal
                res["optuna_dashboard"] = {
                    "unavailable": f"not shown within --peer-cap {peer_cap:g} s ({exc})"[:300],
                    "gave_up_after_s": time.perf_counter() - t0}
        browser.close()
    return res


def table(res: dict[str, Any]) -> str:
    def col(r: dict[str, Any] | None) -> list[str]:
        if not r or "unavailable" in r:
            return ["unavailable"] * 8

        def sec(key: str) -> str:
            return "-" if r.get(key) is None else f"{r[key]:.2f}"
        return [sec("server_ready_s"), sec("first_paint_s"), sec("page_first_paint_s"),
                sec("server_warm_s"), sec("warm_first_paint_s"),
                f"{_env.median(r['update_latency_s']):.2f}",
                f"{max(r['update_latency_s']):.2f}" if r["update_latency_s"] else "-",
                f"{_env.median(r['page_redraw_s']):.2f}" if r.get("page_redraw_s") else "-"]
    rows = list(zip(["server ready: answers (s)", "first paint at once, wall (s)",
                     "first paint at once, page's own (s)", "server warm (s)",
                     "first paint once warm, wall (s)", "update latency, median (s)",
                     "update latency, max (s)", "redraw after a change, median (s)"],
                    col(res.get("tuneforge")), col(res.get("optuna_dashboard")), strict=True))
    return _env.markdown_table([f"{res['trials']} trials", "tuneforge dashboard",
                                "optuna-dashboard"], rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100_000)
    parser.add_argument("--updates", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--peer-cap", type=float, default=1200.0,
                        help="seconds optuna-dashboard is given to show the study")
    parser.add_argument("--out", default=str(_env.RESULTS_DIR / "dashboard.json"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tf-dash-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        res = run(args.trials, args.updates, workdir,
                  save=lambda partial: _env.write_json(args.out, partial),
                  peer_cap=args.peer_cap)
    _env.write_json(args.out, res)
    print(_env.describe(res["machine"]))
    print(f"built: tuneforge {res['tuneforge_build_s']:.1f} s"
          + (f", optuna {res['optuna_build_s']:.1f} s" if "optuna_build_s" in res else ""))
    print(table(res))
    print(json.dumps({k: res[k] for k in ("tuneforge", "optuna_dashboard") if k in res}))


if __name__ == "__main__":
    main()
