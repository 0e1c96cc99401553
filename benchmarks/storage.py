"""overhead/storage: the cost of the storage per trial, and of loading a big study.

    python -m benchmarks.storage [--trials 1000] [--load 10000] [--postgres URL]

1. Per-trial cost of one complete cycle -- ask, suggest 5 floats, tell -- measured at the
   start (trials 0-99) and at the end (the last 100 of --trials), for tuneforge in-memory
   and SQLite, and Optuna in-memory and RDB SQLite (and both on PostgreSQL with
   --postgres). Both use their random sampler, so the cycle cost is the storage and the
   study machinery. A flat end/start ratio means the cost of a trial does not grow with
   the number of trials already stored.
2. Time to load a --load-trial study in a fresh process: ``tf.load_study(...)`` then
   ``len(study.trials)`` against ``optuna.load_study(...).trials`` from RDB SQLite.
   The tuneforge study is built with ask/tell (realistic events; its build time and the
   cycle cost at its end are reported too). The Optuna study is made with ask/tell in
   memory and bulk-inserted into Optuna's own RDB schema in one transaction (an ask/tell
   build on RDB SQLite costs ~10-20 ms a trial here, minutes for 10,000), then checked
   by loading it back with Optuna.

Every measured run is its own process with one BLAS thread, imports done before the clock.
Database files live in a fresh temporary folder on the local disk (--workdir to choose).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks import _env

MODULE = "benchmarks.storage"
DEFAULT_OUT = _env.RESULTS_DIR / "storage.json"
N_PARAMS = 5

BACKENDS = {
    "tuneforge-memory": "tuneforge in-memory",
    "tuneforge-sqlite": "tuneforge SQLite",
    "tuneforge-postgres": "tuneforge PostgreSQL",
    "optuna-memory": "Optuna in-memory",
    "optuna-sqlite": "Optuna RDB SQLite",
    "optuna-postgres": "Optuna RDB PostgreSQL",
}


# -- storage plumbing -----------------------------------------------------------------------
def _sqlite_url(workdir: str, name: str) -> str:
    path = os.path.join(workdir, name)
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    return f"sqlite:///{path}"


def _optuna_url(url: str) -> str:
    """Optuna (SQLAlchemy) needs the driver named: postgresql+psycopg://..."""
    return re.sub(r"^postgres(ql)?(\+psycopg\d?)?://", "postgresql+psycopg://", url) \
        if url.startswith("postgres") else url


def _pg_schema_url(url: str, schema: str) -> str:
    """`url` with libpq options that put the session in `schema` (tuneforge and Optuna
    both have a table called `studies`, so they share a database but not a schema)."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def prepare_postgres(url: str) -> dict[str, str]:
    """Fresh schemas `tf_bench` and `optuna_bench` in the database at `url`; the URL
    each library should use."""
    import psycopg

    plain = re.sub(r"^postgres(ql)?\+psycopg\d?://", "postgresql://", url)
    with psycopg.connect(plain, autocommit=True) as conn:
        for schema in ("tf_bench", "optuna_bench"):
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.execute(f"CREATE SCHEMA {schema}")
    return {"tuneforge": _pg_schema_url(plain, "tf_bench"),
            "optuna": _optuna_url(_pg_schema_url(plain, "optuna_bench"))}


def _optuna_storage(url: str) -> Any:
    import optuna

    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs = {"engine_kwargs": {"connect_args": {"timeout": 30}}}
    return optuna.storages.RDBStorage(url, **kwargs)


# -- one cycle benchmark (in a child) ------------------------------------------------------------
def _quiet_optuna() -> Any:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def cycle(backend: str, *, trials: int, url: str | None, seed: int = 0) -> dict[str, Any]:
    """ask -> 5 x suggest_float -> tell, `trials` times; milliseconds per phase per trial."""
    from time import perf_counter

    name = f"cycle-{uuid.uuid4().hex[:8]}"
    if backend.startswith("tuneforge"):
        import tuneforge as tf

        study: Any = tf.create_study(study_name=name, storage=url, seed=seed)
    else:
        optuna = _quiet_optuna()
        storage = None if url is None else _optuna_storage(url)
        study = optuna.create_study(study_name=name, storage=storage,
                                    sampler=optuna.samplers.RandomSampler(seed=seed))
    names = [f"x{i}" for i in range(N_PARAMS)]
    ask_ms, suggest_ms, tell_ms, cycle_ms = [], [], [], []
    for _ in range(trials):
        t0 = perf_counter()
        trial = study.ask()
        t1 = perf_counter()
        value = 0.0
        for n in names:
            value += trial.suggest_float(n, -5.0, 5.0) ** 2
        t2 = perf_counter()
        study.tell(trial, value)
        t3 = perf_counter()
        ask_ms.append((t1 - t0) * 1e3)
        suggest_ms.append((t2 - t1) * 1e3)
        tell_ms.append((t3 - t2) * 1e3)
        cycle_ms.append((t3 - t0) * 1e3)
    n_stored = len(study.trials)
    if n_stored != trials:
        raise RuntimeError(f"{backend}: {n_stored} trials stored, expected {trials}")
    rnd = lambda xs: [round(x, 4) for x in xs]  # noqa: E731  (0.1 us is plenty)
    return {"backend": backend, "trials": trials, "ask_ms": rnd(ask_ms),
            "suggest_ms": rnd(suggest_ms), "tell_ms": rnd(tell_ms), "cycle_ms": rnd(cycle_ms)}


def window_stats(run: dict[str, Any], window: int) -> dict[str, Any]:
    n = run["trials"]
    w = min(window, n)
    out: dict[str, Any] = {"backend": run["backend"], "trials": n, "window": w}
    for phase in ("cycle", "ask", "suggest", "tell"):
        xs = run[f"{phase}_ms"]
        out[f"{phase}_ms_start"] = _env.median(xs[:w])
        out[f"{phase}_ms_end"] = _env.median(xs[-w:])
    out["end_over_start"] = out["cycle_ms_end"] / out["cycle_ms_start"]
    out["tell_end_over_start"] = out["tell_ms_end"] / out["tell_ms_start"]
    return out


# -- the big study: build and load (in children) --------------------------------------
def build_tuneforge(url: str, name: str, n: int, window: int, seed: int = 0) -> dict[str, Any]:
    """A realistic n-trial study, written with ask / 5 suggests / tell."""
    t0 = time.perf_counter()
    import tuneforge as tf

    study = tf.create_study(study_name=name, storage=url, seed=seed)
    cyc = []
    names = [f"x{i}" for i in range(N_PARAMS)]
    for _ in range(n):
        a = time.perf_counter()
        trial = study.ask()
        study.tell(trial, sum(trial.suggest_float(k, -5.0, 5.0) ** 2 for k in names))
        cyc.append((time.perf_counter() - a) * 1e3)
    build_s = time.perf_counter() - t0
    return {"library": "tuneforge", "method": "ask/tell", "n": n, "build_s": build_s,
            "cycle_ms_start": _env.median(cyc[:window]),
            "cycle_ms_end": _env.median(cyc[-window:])}


def copy_tuneforge(source_url: str, url: str, name: str) -> dict[str, Any]:
    """The study `name` of `source_url`, copied event by event (in one append) into `url`:
    the same events an ask/tell build writes, without a network round trip per event."""
    t0 = time.perf_counter()
    from tuneforge.storage.base import find_study
    from tuneforge.storage.url import open_storage

    src = open_storage(source_url)
    ref = find_study(src, name)
    events = [e for _, e in src.read(ref)]
    dst = open_storage(url)
    dst.append(dst.create_study(name, ref.directions), events)
    n = len(__import__("tuneforge").load_study(name, storage=url).trials)
    return {"library": "tuneforge", "method": f"copy of the ask/tell-built SQLite study's "
            f"{len(events)} events", "n": n, "build_s": time.perf_counter() - t0}


def build_optuna(url: str, name: str, n: int, seed: int = 0) -> dict[str, Any]:
    """An n-trial Optuna study: ask/tell in memory, then one bulk insert into the RDB
    tables Optuna created (TrialModel, TrialParamModel, TrialValueModel), then verified
    by loading it back with Optuna."""
    t0 = time.perf_counter()
    optuna = _quiet_optuna()
    import sqlalchemy as sa
    from optuna.distributions import distribution_to_json
    from optuna.storages._rdb import models

    mem = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    names = [f"x{i}" for i in range(N_PARAMS)]
    for _ in range(n):
        trial = mem.ask()
        mem.tell(trial, sum(trial.suggest_float(k, -5.0, 5.0) ** 2 for k in names))
    source = mem.trials
    storage = _optuna_storage(url)
    study = optuna.create_study(study_name=name, storage=storage)
    study_id = study._study_id
    utc = lambda d: d.astimezone(_dt.timezone.utc).replace(tzinfo=None)  # noqa: E731  naive UTC
    method = "ask/tell in memory + bulk insert into Optuna's RDB tables"
    try:
        with storage.engine.begin() as conn:
            base = conn.execute(sa.select(sa.func.coalesce(
                sa.func.max(models.TrialModel.__table__.c.trial_id), 0))).scalar_one()
            trial_rows, param_rows, value_rows = [], [], []
            for t in source:
                tid = base + t.number + 1
                trial_rows.append({"trial_id": tid, "number": t.number, "study_id": study_id,
                                   "state": t.state, "datetime_start": utc(t.datetime_start),
                                   "datetime_complete": utc(t.datetime_complete)})
                for k, v in t.params.items():
                    dist = t.distributions[k]
                    param_rows.append({"trial_id": tid, "param_name": k,
                                       "param_value": dist.to_internal_repr(v),
                                       "distribution_json": distribution_to_json(dist)})
                value_rows.append({"trial_id": tid, "objective": 0, "value": t.value,
                                   "value_type": models.TrialValueModel.TrialValueType.FINITE})
            conn.execute(sa.insert(models.TrialModel.__table__), trial_rows)
            conn.execute(sa.insert(models.TrialParamModel.__table__), param_rows)
            conn.execute(sa.insert(models.TrialValueModel.__table__), value_rows)
    except Exception as exc:  # a schema this code does not know: the slow, public path
        method = f"add_trials (bulk insert failed: {type(exc).__name__}: {exc})"
        storage = _optuna_storage(url)
        optuna.delete_study(study_name=name, storage=storage)
        study = optuna.create_study(study_name=name, storage=storage)
        study.add_trials(source)
    build_s = time.perf_counter() - t0
    back = optuna.load_study(study_name=name, storage=url).trials
    if len(back) != n or any(back[i].params != source[i].params or back[i].value != source[i].value
                             for i in (0, n // 2, n - 1)):
        raise RuntimeError("the bulk-built Optuna study does not read back as written")
    return {"library": "optuna", "method": method, "n": n, "build_s": build_s}


def load_tuneforge(url: str, name: str) -> dict[str, Any]:
    import tuneforge as tf
    import tuneforge.storage.sqlite  # noqa: F401  imports before the clock

    if url.startswith("postgres"):
        import tuneforge.storage.postgres  # noqa: F401
    t0 = time.perf_counter()
    study = tf.load_study(name, storage=url)
    n = len(study.trials)
    return {"library": "tuneforge", "load_s": time.perf_counter() - t0, "n": n}


def load_optuna(url: str, name: str) -> dict[str, Any]:
    import optuna.storages._rdb.storage  # noqa: F401  imports before the clock
    import sqlalchemy.orm  # noqa: F401

    optuna = _quiet_optuna()

    t0 = time.perf_counter()
    trials = optuna.load_study(study_name=name, storage=url).trials
    n = len(trials)
    return {"library": "optuna", "load_s": time.perf_counter() - t0, "n": n}


# -- the driver --------------------------------------------------------------------------------
def _child(args: argparse.Namespace) -> int:
    kind = args.child
    if kind == "cycle":
        result = cycle(args.backend, trials=args.trials, url=args.url or None)
    elif kind == "build-tuneforge":
        result = build_tuneforge(args.url, args.name, args.load, args.window)
    elif kind == "copy-tuneforge":
        result = copy_tuneforge(args.source, args.url, args.name)
    elif kind == "build-optuna":
        result = build_optuna(args.url, args.name, args.load)
    elif kind == "load-tuneforge":
        result = load_tuneforge(args.url, args.name)
    elif kind == "load-optuna":
        result = load_optuna(args.url, args.name)
    else:
        raise SystemExit(f"unknown child {kind!r}")
    _env.emit_result(result)
    return 0


def _how(method: str) -> str:
    return ("ask/tell" if method == "ask/tell" else "event copy" if method.startswith("copy")
            else "bulk insert" if "bulk insert into" in method else "add_trials")


def _fmt(x: float | None, digits: int = 3) -> str:
    return "" if x is None else f"{x:.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.storage",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=1000,
                        help="ask/tell cycles per backend (default 1000)")
    parser.add_argument("--load", type=int, default=10000,
                        help="trials in the study to load (default 10000; 0 skips)")
    parser.add_argument("--load-repeats", type=int, default=5,
                        help="fresh processes per library for the load time (median)")
    parser.add_argument("--window", type=int, default=100,
                        help="trials at the start and at the end whose median is reported")
    parser.add_argument("--postgres", default=None, metavar="URL",
                        help="also measure PostgreSQL (postgresql://user@host/db); "
                             "uses fresh schemas tf_bench and optuna_bench in it")
    parser.add_argument("--backends", default=None,
                        help="comma-separated subset of: " + ", ".join(BACKENDS))
    parser.add_argument("--workdir", default=None,
                        help="folder for the SQLite files (default: a fresh temporary one)")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--timeout", type=float, default=600.0, help="cap per run (s)")
    parser.add_argument("--quiet-wait", type=float, default=15.0,
                        help="before each run, wait up to this many seconds for other "
                             "processes to leave the CPU (default 15)")
    # internal: one measured run in this (fresh) process
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--backend", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--url", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--name", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--source", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args)

    _env.pin_single_thread()
    tf_source = ""
    info = _env.machine_info(MODULE, sys.argv[1:] if argv is None else argv)
    if args.backends:
        backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    else:
        backends = [b for b in BACKENDS if args.postgres or not b.endswith("postgres")]
    unknown = [b for b in backends if b not in BACKENDS]
    if unknown:
        parser.error(f"unknown backends {unknown}; known: {', '.join(BACKENDS)}")
    if any(b.endswith("postgres") for b in backends) and not args.postgres:
        parser.error("the postgres backends need --postgres URL")
    pg = prepare_postgres(args.postgres) if args.postgres else None
    own_workdir = args.workdir is None
    workdir = tempfile.mkdtemp(prefix="tuneforge-bench-storage-") if own_workdir else args.workdir
    os.makedirs(workdir, exist_ok=True)
    print(f"# overhead/storage  {_env.describe(info)}")
    print(f"{args.trials} ask/5 suggests/tell cycles per backend; load {args.load} trials "
          f"x {args.load_repeats} fresh processes; files in {workdir}", flush=True)
    t_start = time.perf_counter()

    def url_for(backend: str, stem: str) -> str:
        lib = backend.split("-")[0]
        if backend.endswith("memory"):
            return ""
        if backend.endswith("postgres"):
            assert pg is not None
            return pg[lib]
        return _sqlite_url(workdir, f"{stem}-{lib}.db")

    def child(args_: list[str]) -> dict[str, Any]:
        _env.wait_quiet(max_wait=args.quiet_wait, probe=0.5)  # the machine is shared
        return _env.run_child(MODULE, args_, timeout=args.timeout)

    cycles, cycle_runs = [], []
    load_rows: list[dict[str, Any]] = []
    try:
        # 1. per-trial cost
        for backend in backends:
            run = child(["--child", "cycle", "--backend", backend, "--trials", str(args.trials),
                         "--url", url_for(backend, "cycle")])
            stats = window_stats(run, args.window)
            cycles.append(stats)
            cycle_runs.append(run)
            print(f"  {backend:20s} cycle {stats['cycle_ms_start']:8.3f} ms -> "
                  f"{stats['cycle_ms_end']:8.3f} ms (x{stats['end_over_start']:.2f})", flush=True)
        # 2. the big study
        if args.load > 0:
            kinds = [k for k in ("sqlite", "postgres") if k == "sqlite" or pg]
            for kind in kinds:
                name = f"load-{args.load}"
                urls = {lib: url_for(f"{lib}-{kind}", "load") for lib in ("tuneforge", "optuna")}
                if kind == "sqlite":
                    tf_build = child(["--child", "build-tuneforge", "--url", urls["tuneforge"],
                                      "--name", name, "--load", str(args.load),
                                      "--window", str(args.window)])
                    tf_source = urls["tuneforge"]
                else:  # ask/tell over the network costs ~13 ms a trial: copy the events
                    tf_build = child(["--child", "copy-tuneforge", "--source", tf_source,
                                      "--url", urls["tuneforge"], "--name", name])
                builds = {
                    "tuneforge": tf_build,
                    "optuna": child(["--child", "build-optuna", "--url", urls["optuna"],
                                     "--name", name, "--load", str(args.load)]),
                }
                for lib, b in builds.items():
                    print(f"  built {lib} {kind} study: {b['n']} trials in {b['build_s']:.1f} s "
                          f"({b['method']})", flush=True)
                loads: dict[str, list[float]] = {"tuneforge": [], "optuna": []}
                for _ in range(args.load_repeats):  # alternate, so drift hits both alike
                    for lib in ("tuneforge", "optuna"):
                        r = child(["--child", f"load-{lib}", "--url", urls[lib], "--name", name])
                        if r["n"] != args.load:
                            raise RuntimeError(f"{lib} loaded {r['n']} trials, not {args.load}")
                        loads[lib].append(r["load_s"])
                size = {lib: (os.path.getsize(urls[lib][len("sqlite:///"):])
                              if kind == "sqlite" else None) for lib in urls}
                for lib in ("tuneforge", "optuna"):
                    load_rows.append({
                        "library": lib, "storage": kind, "n": args.load,
                        "build": builds[lib], "load_s": loads[lib],
                        "median_load_s": _env.median(loads[lib]),
                        "db_bytes": size[lib],
                    })
                    print(f"  load {lib:9s} {kind}: median {_env.median(loads[lib]):.3f} s "
                          f"{[round(x, 3) for x in loads[lib]]}", flush=True)
    finally:
        if own_workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    w = args.window
    cycle_table = _env.markdown_table(
        ["backend", f"ms/trial, trials 0-{w - 1}", f"ms/trial, last {w} of {args.trials}",
         "end/start", "tell ms start", "tell ms end", "ask ms start -> end",
         "5 suggests ms start -> end"],
        [[BACKENDS[c["backend"]], _fmt(c["cycle_ms_start"]), _fmt(c["cycle_ms_end"]),
          f"{c['end_over_start']:.2f}", _fmt(c["tell_ms_start"]), _fmt(c["tell_ms_end"]),
          f"{_fmt(c['ask_ms_start'])} -> {_fmt(c['ask_ms_end'])}",
          f"{_fmt(c['suggest_ms_start'])} -> {_fmt(c['suggest_ms_end'])}"] for c in cycles])
    load_table = ""
    if load_rows:
        rows = []
        for r in load_rows:
            b = r["build"]
            extra = ""
            if "cycle_ms_end" in b:
                extra = f"{b['cycle_ms_start']:.3f} -> {b['cycle_ms_end']:.3f}"
            rows.append([
                f"{'tuneforge' if r['library'] == 'tuneforge' else 'Optuna'} {r['storage']}",
                f"{r['median_load_s']:.3f}",
                f"{min(r['load_s']):.3f}-{max(r['load_s']):.3f}",
                "" if r["db_bytes"] is None else f"{r['db_bytes'] / 2**20:.1f}",
                f"{b['build_s']:.1f} ({_how(b['method'])})",
                extra,
            ])
        load_table = _env.markdown_table(
            ["study", f"load {args.load} trials, s (median of {args.load_repeats})", "range",
             "file MiB", "build s (how)", f"build ms/trial, first -> last {w}"], rows)
    print()
    print(cycle_table)
    if load_table:
        print()
        print(load_table)
    print(f"\ntotal {time.perf_counter() - t_start:.0f} s")
    payload = {
        "suite": "overhead", "benchmark": "storage", "env": info,
        "settings": {"trials": args.trials, "load": args.load, "load_repeats": args.load_repeats,
                     "window": w, "params_per_trial": N_PARAMS, "backends": backends,
                     "postgres": bool(pg),
                     "samplers": "tuneforge RandomSampler / optuna RandomSampler"},
        "cycle": cycles, "load": load_rows,
        "cycle_table_markdown": cycle_table, "load_table_markdown": load_table,
        "cycle_runs": cycle_runs,
    }
    out = _env.write_json(args.out, payload)
    Path(out).with_suffix(".md").write_text(
        f"# overhead/storage\n\n{_env.describe(info)}\n\n`{info['command']}`\n\n"
        f"## Per-trial cost (ask + 5 suggest_float + tell), median ms\n\n{cycle_table}\n"
        + (f"\n## Loading a {args.load}-trial study in a fresh process\n\n{load_table}\n"
           if load_table else ""))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    from benchmarks import storage as _self

    sys.exit(_self.main())
