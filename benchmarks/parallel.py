"""overhead/parallel: trials per second on a CPU-bound objective, 1 vs 2 workers.

    python -m benchmarks.parallel [--trials 40] [--repeats 3]
                                  [--out benchmarks/results/parallel.json]

The objective is about 0.2 s of pure-Python work (the loop count is calibrated once, on
this machine, at the start) on two suggested floats. Configurations:

- tuneforge, n_jobs=1 and n_jobs=2 on the default in-memory study (the workers' storage
  calls go to the driver), and on a fresh SQLite file;
- Optuna, n_jobs=1 and n_jobs=2 (Optuna's n_jobs runs *threads*, in-memory storage);
- Optuna, 1 process and 2 processes sharing an RDB SQLite storage
  (``optuna.storages.RDBStorage`` + multiprocessing: what Optuna users do for CPU-bound
  objectives).

Two rows give the ceiling, no tuner at all: the same work on random points in a plain
loop, and in a multiprocessing pool of 2 processes started (and warmed) before the clock;
each library's 2-worker row is also given as a share of that pool's throughput. "CPU ms
per trial" is the CPU time of the run's process and all its workers (start-up included)
per trial: a measure of overhead that a loaded machine hardly moves (compare with the
ceiling rows, whose CPU is the objective's alone).

Both libraries use their random sampler, so the comparison is of the parallel machinery,
not of sampling cost. Each (configuration, repeat) runs in its own fresh process with one
BLAS thread and its imports done before the clock starts; the clock is the wall time of
the whole optimization (worker start-up included, as a user sees it), and the objective
is timed from outside only. Reported: the median over repeats of trials/s, and the
speed-up = throughput(2 workers) / throughput(1 worker) of each library. "Active" trials/s
= trials / (last trial completed - first trial started), i.e. without worker start-up.

The machines are shared: each run waits for a quiet CPU first, and a run during which
other processes (not the run's own workers, alive or ended) used more than 5% of the
machine's CPU is marked disturbed. A
configuration is re-run (at most repeats x (1 + --retry-noisy) times, within
--max-minutes) until it has --repeats undisturbed runs; medians use the undisturbed runs
(all runs, flagged, when none was). Every run, disturbed or not, is kept in the JSON.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import _env

MODULE = "benchmarks.parallel"
DEFAULT_OUT = _env.RESULTS_DIR / "parallel.json"


# -- the objective ---------------------------------------------------------------------
def burn(x: float, y: float, loops: int) -> float:
    """Pure-Python CPU work whose result depends on x and y (no numpy, holds the GIL)."""
    a, b, s = x, y, 0.0
    for i in range(loops):
        a = (a * 1.000001 + b * 0.5 + i * 1e-7) % 7.3
        s += a * a
    return s / loops + (x - 1.0) ** 2 + (y + 2.0) ** 2


class Burn:
    """The objective: a module-level callable so that worker processes can unpickle it."""

    def __init__(self, loops: int) -> None:
        self.loops = loops

    def __call__(self, trial: Any) -> float:
        x = trial.suggest_float("x", -5.0, 5.0)
        y = trial.suggest_float("y", -5.0, 5.0)
        return burn(x, y, self.loops)


def calibrate(seconds: float) -> tuple[int, float]:
    """A loop count for which one call of `burn` takes about `seconds` here; and the
    fastest measured seconds per call at that count."""
    loops = 20_000
    while True:  # grow until a call is long enough to time well
        t0 = time.perf_counter()
        burn(0.3, -0.7, loops)
        dt = time.perf_counter() - t0
        if dt > 0.05:
            break
        loops *= 2
    for _ in range(4):  # refine on the fastest of five calls (the least disturbed)
        loops = max(1, int(loops * seconds / dt))
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            burn(0.3, -0.7, loops)
            times.append(time.perf_counter() - t0)
        dt = min(times)
        if abs(dt / seconds - 1.0) < 0.03:
            break
    return loops, dt


# -- configurations ----------------------------------------------------------------------
CONFIGS: dict[str, dict[str, Any]] = {
    "tuneforge-mem-1": {"library": "tuneforge", "workers": 1, "memory": True,
                        "label": "tuneforge n_jobs=1 (default in-memory study)"},
    "tuneforge-mem-2": {"library": "tuneforge", "workers": 2, "memory": True,
                        "label": "tuneforge n_jobs=2 (2 processes, in-memory study)"},
    "tuneforge-1": {"library": "tuneforge", "workers": 1,
                    "label": "tuneforge n_jobs=1 (SQLite)"},
    "tuneforge-2": {"library": "tuneforge", "workers": 2,
                    "label": "tuneforge n_jobs=2 (2 processes, SQLite)"},
    "bare-1": {"library": "bare", "workers": 1,
               "label": "ceiling: the objective in a plain loop (no tuner)"},
    "bare-2": {"library": "bare", "workers": 2,
               "label": "ceiling: a started pool of 2 processes (no tuner)"},
    "optuna-1": {"library": "optuna", "workers": 1,
                 "label": "Optuna n_jobs=1 (in-memory)"},
    "optuna-2threads": {"library": "optuna", "workers": 2,
                        "label": "Optuna n_jobs=2 (2 threads, in-memory)"},
    "optuna-rdb-1": {"library": "optuna", "workers": 1,
                     "label": "Optuna 1 process (RDB SQLite)"},
    "optuna-rdb-2procs": {"library": "optuna", "workers": 2,
                          "label": "Optuna 2 processes (multiprocessing + RDB SQLite)"},
}
BASELINES = {"tuneforge-mem-2": "tuneforge-mem-1", "tuneforge-2": "tuneforge-1",
             "bare-2": "bare-1",
             "optuna-2threads": "optuna-1",
             "optuna-rdb-2procs": "optuna-rdb-1"}


def _optuna_rdb(url: str) -> Any:
    import optuna

    # a generous lock timeout: the default (5 s) is a known source of "database is locked"
    return optuna.storages.RDBStorage(url, engine_kwargs={"connect_args": {"timeout": 30}})


def _optuna_worker(url: str, name: str, loops: int, n_trials: int) -> None:
    """One Optuna worker process: open the shared RDB study, run its share of trials."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=name, storage=_optuna_rdb(url),
                              sampler=optuna.samplers.RandomSampler())
    study.optimize(Burn(loops), n_trials=n_trials)


def _timed_burn(args: tuple[float, float, int]) -> tuple[float, float]:
    """One call of the objective's work in a bare pool process: its start and end."""
    t0 = time.time()
    burn(*args)
    return t0, time.time()


def _run_bare(workers: int, trials: int, loops: int, seed: int,
              ) -> tuple[float, list[tuple[float, float]], dict[str, float], dict[str, float]]:
    """The hardware ceiling: the same work on the same random points with no tuner, in
    this process or in a pool of processes started (and warmed) before the clock."""
    import multiprocessing as mp
    import random

    rng = random.Random(seed)
    jobs = [(rng.uniform(-5, 5), rng.uniform(-5, 5), loops) for _ in range(trials)]
    if workers == 1:
        cpu0 = _env.cpu_snapshot()
        t0 = time.perf_counter()
        spans = [_timed_burn(job) for job in jobs]
        wall = time.perf_counter() - t0
        return wall, spans, cpu0, _env.cpu_snapshot()
    with mp.get_context("fork").Pool(workers) as pool:
        pool.map(abs, range(workers), chunksize=1)  # every process up before the clock
        cpu0 = _env.cpu_snapshot()
        t0 = time.perf_counter()
        spans = pool.map(_timed_burn, jobs, chunksize=1)
        wall = time.perf_counter() - t0
        cpu1 = _env.cpu_snapshot()
    return wall, spans, cpu0, cpu1


def _span(starts: list[float], ends: list[float]) -> float:
    return (max(ends) - min(starts)) if starts and ends else float("nan")


def run_config(config: str, *, trials: int, loops: int, seed: int, workdir: str) -> dict[str, Any]:
    """Run one configuration once (in this process); return its measurements."""
    spec = CONFIGS[config]
    objective = Burn(loops)
    db = os.path.join(workdir, f"{config}-{seed}.db")
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    url = f"sqlite:///{db}"
    if spec["library"] == "bare":
        wall, spans, cpu0, cpu1 = _run_bare(spec["workers"], trials, loops, seed)
        done = spans
    elif spec["library"] == "tuneforge":
        import tuneforge as tf

        study = tf.create_study(study_name="parallel", seed=seed, sampler=tf.RandomSampler(),
                                storage=None if spec.get("memory") else url)
        cpu0 = _env.cpu_snapshot()
        t0 = time.perf_counter()
        study.optimize(objective, n_trials=trials, n_jobs=spec["workers"])
        wall = time.perf_counter() - t0
        cpu1 = _env.cpu_snapshot()
        done = [t for t in study.trials if t.state is tf.TrialState.COMPLETE]
        spans = [(t.datetime_start, t.datetime_complete) for t in done
                 if t.datetime_start is not None and t.datetime_complete is not None]
    else:
        import multiprocessing as mp

        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        sampler = optuna.samplers.RandomSampler(seed=seed)
        if config.startswith("optuna-rdb"):
            study = optuna.create_study(study_name="parallel", storage=_optuna_rdb(url),
                                        sampler=sampler)
        else:
            study = optuna.create_study(study_name="parallel", sampler=sampler)
        if config == "optuna-rdb-2procs":
            ctx = mp.get_context("spawn")  # as tuneforge does: no fork of a live engine
            shares = [trials // 2 + (i < trials % 2) for i in range(2)]
            cpu0 = _env.cpu_snapshot()
            t0 = time.perf_counter()
            procs = [ctx.Process(target=_optuna_worker, args=(url, "parallel", loops, n))
                     for n in shares]
            for p in procs:
                p.start()
            for p in procs:
                p.join()
            wall = time.perf_counter() - t0
            cpu1 = _env.cpu_snapshot()
            if any(p.exitcode != 0 for p in procs):
                raise RuntimeError(f"an Optuna worker failed: {[p.exitcode for p in procs]}")
        else:
            cpu0 = _env.cpu_snapshot()
            t0 = time.perf_counter()
            study.optimize(objective, n_trials=trials, n_jobs=spec["workers"])
            wall = time.perf_counter() - t0
            cpu1 = _env.cpu_snapshot()
        done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
        spans = [(t.datetime_start.timestamp(), t.datetime_complete.timestamp()) for t in done
                 if t.datetime_start and t.datetime_complete]
    active = _span([s for s, _ in spans], [e for _, e in spans])
    durations = [e - s for s, e in spans]
    return {
        "config": config, "seed": seed, "wall_s": wall, "n_complete": len(done),
        "trials_per_s": len(done) / wall,
        "active_s": active, "active_trials_per_s": len(done) / active if active > 0 else None,
        "median_trial_s": _env.median(durations),  # start -> complete, storage clock
        # CPU of this process and its workers (start-up included): hardly moved by load
        "own_cpu_s": round(cpu1["own"] - cpu0["own"], 4),
        **_env.foreign_cpu(cpu0, cpu1),
    }


def _disturbed(run: dict[str, Any]) -> bool:
    """Other processes took more than 5% of the machine's CPU during the run."""
    return run["foreign_cpu_s"] > max(0.5, 0.05 * run["wall_s"] * _env.nproc())


# -- the driver --------------------------------------------------------------------------
def summarize(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for config, spec in CONFIGS.items():
        every = [r for r in runs if r["config"] == config]
        if not every:
            continue
        quiet = [r for r in every if not r.get("disturbed")]
        mine = quiet or every  # a disturbed run measures the neighbours, not the library
        tps = [r["trials_per_s"] for r in mine]
        active = [r["active_trials_per_s"] for r in mine if r["active_trials_per_s"]]
        rows[config] = {
            "config": config, "label": spec["label"], "library": spec["library"],
            "workers": spec["workers"], "repeats": len(mine),
            "median_trials_per_s": _env.median(tps), "min_trials_per_s": min(tps),
            "max_trials_per_s": max(tps),
            "median_active_trials_per_s": _env.median(active) if active else None,
            "median_wall_s": _env.median([r["wall_s"] for r in mine]),
            "disturbed_runs": len(every) - len(quiet), "all_disturbed": not quiet,
            "median_trial_s": _env.median([r["median_trial_s"] for r in mine]),
            "median_cpu_ms_per_trial": _env.median(
                [1000 * r["own_cpu_s"] / max(r["n_complete"], 1) for r in mine]),
            "speedup": None, "active_speedup": None,
        }
    for config, base in BASELINES.items():
        if config in rows and base in rows:
            rows[config]["speedup"] = (rows[config]["median_trials_per_s"]
                                       / rows[base]["median_trials_per_s"])
            a = rows[config]["median_active_trials_per_s"]
            b = rows[base]["median_active_trials_per_s"]
            if a and b:
                rows[config]["active_speedup"] = a / b
    return list(rows.values())


def table(summary: list[dict[str, Any]], seconds_per_call: float, trials: int) -> str:
    ideal = 1.0 / seconds_per_call
    out = []
    for r in summary:
        speed = "" if r["speedup"] is None else f"{r['speedup']:.2f}x"
        aspeed = "" if r["active_speedup"] is None else f"{r['active_speedup']:.2f}x"
        active = r["median_active_trials_per_s"]
        out.append([
            r["label"], r["workers"],
            f"{r['median_trials_per_s']:.2f}",
            f"{r['min_trials_per_s']:.2f}-{r['max_trials_per_s']:.2f}",
            f"{r['median_trials_per_s'] / (ideal * r['workers']):.0%}",
            speed, "" if active is None else f"{active:.2f}", aspeed,
            f"{r['median_trial_s']:.3f}", f"{r['median_cpu_ms_per_trial']:.0f}",
            f"{0 if r['all_disturbed'] else r['repeats']} / {r['disturbed_runs']}"
            f"{' (median of disturbed)' if r['all_disturbed'] else ''}",
        ])
    return _env.markdown_table(
        ["configuration", "workers", "trials/s (median)", "range", "of ideal", "speed-up",
         "active trials/s", "active speed-up", "s per trial", "CPU ms per trial",
         "runs clean / disturbed"], out)


def against_ceiling(summary: list[dict[str, Any]]) -> str:
    """Each parallel configuration's throughput as a share of the bare pool's (the most
    this machine gives two processes of this objective), and the ceiling's speed-up."""
    rows = {r["config"]: r for r in summary}
    bare = rows.get("bare-2")
    if bare is None:
        return ""
    lines = []
    if bare["speedup"] is not None:
        lines.append(f"ceiling speed-up (bare pool of 2 / plain loop): {bare['speedup']:.2f}x")
    for r in summary:
        if r["workers"] == 2 and r["library"] != "bare":
            share = r["median_trials_per_s"] / bare["median_trials_per_s"]
            lines.append(f"{r['label']}: {share:.0%} of the bare pool's trials/s")
    return "\n".join(lines)


def _child(args: argparse.Namespace) -> int:
    result = run_config(args.child, trials=args.trials, loops=args.loops, seed=args.seed,
                        workdir=args.workdir)
    _env.emit_result(result)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.parallel",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=0.2,
                        help="target seconds of one objective call (default 0.2)")
    parser.add_argument("--configs", default=",".join(CONFIGS),
                        help="comma-separated subset of: " + ", ".join(CONFIGS))
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--timeout", type=float, default=300.0, help="cap per run (s)")
    parser.add_argument("--quiet-wait", type=float, default=30.0,
                        help="before each run, wait up to this many seconds for other "
                             "processes to leave the CPU (default 30)")
    parser.add_argument("--retry-noisy", type=int, default=2,
                        help="a configuration is run at most repeats x (1 + this) times to "
                             "collect --repeats runs that other processes did not disturb "
                             "(shared machines); default 2")
    parser.add_argument("--max-minutes", type=float, default=15.0,
                        help="stop collecting runs after this long (default 15)")
    # internal: one measured run in this (fresh) process
    parser.add_argument("--child", choices=list(CONFIGS), help=argparse.SUPPRESS)
    parser.add_argument("--loops", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args)

    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown:
        parser.error(f"unknown configs {unknown}; known: {', '.join(CONFIGS)}")
    _env.pin_single_thread()
    info = _env.machine_info(MODULE, sys.argv[1:] if argv is None else argv)
    _env.wait_quiet(max_wait=120.0)
    loops, per_call = calibrate(args.seconds)
    print(f"# overhead/parallel  {_env.describe(info)}")
    print(f"objective: {loops} loops = {per_call * 1000:.0f} ms per call; "
          f"{args.trials} trials x {args.repeats} repeats x {len(configs)} configs", flush=True)
    workdir = tempfile.mkdtemp(prefix="tuneforge-bench-parallel-")
    runs: list[dict[str, Any]] = []
    clean = {c: 0 for c in configs}
    tries = {c: 0 for c in configs}
    max_tries = args.repeats * (1 + args.retry_noisy)
    t_start = time.perf_counter()
    deadline = t_start + 60.0 * args.max_minutes
    try:
        # Rounds over the configurations (interleaved, so drift hits all alike) until each
        # has --repeats runs that no other process disturbed, or its tries or time run out.
        while time.perf_counter() < deadline:
            todo = [c for c in configs if clean[c] < args.repeats and tries[c] < max_tries]
            if not todo:
                break
            for config in todo:
                if time.perf_counter() >= deadline:
                    break
                _env.wait_quiet(max_wait=args.quiet_wait)
                r = _env.run_child(MODULE, ["--child", config, "--trials", str(args.trials),
                                            "--loops", str(loops), "--seed", str(clean[config]),
                                            "--workdir", workdir], timeout=args.timeout)
                r["attempt"] = tries[config]
                r["disturbed"] = _disturbed(r)
                tries[config] += 1
                clean[config] += not r["disturbed"]
                runs.append(r)
                print(f"  {config:18s} {r['trials_per_s']:6.2f} trials/s ({r['n_complete']} "
                      f"trials in {r['wall_s']:.2f} s; median trial {r['median_trial_s']:.3f} s;"
                      f" other processes used {r['foreign_cpu_s']:.1f} CPU s"
                      f"{', DISTURBED' if r['disturbed'] else ''})", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    summary = summarize(runs)
    text = table(summary, per_call, args.trials)
    text += "\n\n" + against_ceiling(summary)
    print()
    print(text)
    print(f"\nideal: {1 / per_call:.2f} trials/s per worker; "
          f"total {time.perf_counter() - t_start:.0f} s")
    payload = {
        "suite": "overhead", "benchmark": "parallel", "env": info,
        "settings": {"trials": args.trials, "repeats": args.repeats, "configs": configs,
                     "target_seconds_per_call": args.seconds, "loops": loops,
                     "measured_seconds_per_call": per_call,
                     "samplers": "tuneforge RandomSampler / optuna RandomSampler",
                     "clock": "wall time of the whole optimization, worker start-up included"},
        "summary": summary, "runs": runs, "table_markdown": text,
    }
    out = _env.write_json(args.out, payload)
    Path(out).with_suffix(".md").write_text(
        f"# overhead/parallel\n\n{_env.describe(info)}\n\n`{info['command']}`\n\n"
        f"objective: {per_call * 1000:.0f} ms per call ({loops} loops)\n\n{text}\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    # Run through the importable module, so that pickled objectives name
    # `benchmarks.parallel.Burn` (importable by worker processes), not `__main__.Burn`.
    from benchmarks import parallel as _self

    sys.exit(_self.main())
