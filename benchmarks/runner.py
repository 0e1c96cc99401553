"""`python -m benchmarks run`: expand a suite, skip what the results file already holds,
run the rest (each in its own process), and save the file after every run."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from benchmarks import _env, results, suites

# Versions recorded with every results file.
PACKAGES = ("tuneforge", "numpy", "scipy", "scikit-learn", "optuna", "cmaes", "torch",
            "hyperopt", "scikit-optimize", "coco-experiment", "pymoo", "matplotlib")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--suite", required=True, choices=sorted(suites.SUITES))
    p.add_argument("--optimizers", default=None,
                   help="comma list (default: the suite's own list)")
    p.add_argument("--problems", default=None, help="comma list (default: all of the suite's)")
    p.add_argument("--seeds", type=int, default=None, help="number of seeds (0..N-1)")
    p.add_argument("--budget", type=int, default=None,
                   help="evaluations per run (fidelity: wall-clock seconds); replaces the "
                        "suite's budgets")
    p.add_argument("--workers", type=int, default=None,
                   help="runs at a time (default: the suite's, 1 for measured suites)")
    p.add_argument("--time-cap", type=float, default=None, help="seconds per run")
    p.add_argument("--out", default=None,
                   help="results file (default: benchmarks/results/SUITE.json)")
    p.add_argument("--quiet-wait", type=float, default=0.0,
                   help="before each run, wait up to this many seconds for the machine to "
                        "be quiet (benchmarks._env.wait_quiet); 0: never")
    p.add_argument("--with-machinery", action="store_true",
                   help="overhead suite: also run benchmarks.storage and benchmarks.parallel "
                        "with their defaults")
    p.add_argument("--dry-run", action="store_true", help="list the runs to do, run nothing")


def run_command(args: argparse.Namespace, argv: list[str]) -> int:
    _env.pin_single_thread()  # inherited by every spawned run
    suite = suites.SUITES[args.suite]
    out = args.out or str(_env.RESULTS_DIR / f"{args.suite}.json")
    plan = suites.plan(args.suite, optimizers=args.optimizers, problems=args.problems,
                       seeds=args.seeds, budget=args.budget, time_cap=args.time_cap)
    try:
        doc = results.load(out)
    except (ValueError, OSError) as exc:  # not ours, or unreadable: never overwrite it
        print(f"cannot use {out}: {exc}", file=sys.stderr)
        return 2
    if doc["suite"] not in (None, args.suite):
        print(f"{out} holds suite {doc['suite']!r}, not {args.suite!r}", file=sys.stderr)
        return 2
    done = results.finished_keys(doc, {r.key: r.extra["instance"] for r in plan
                                       if "instance" in r.extra})
    todo = [r for r in plan if r.key not in done]
    print(f"suite {args.suite}: {len(plan)} runs, {len(plan) - len(todo)} already in {out}, "
          f"{len(todo)} to run")
    if args.dry_run:
        for r in todo:
            print("  ", r.key)
        return 0
    info = _env.machine_info("benchmarks", argv)
    info["packages"] = _env.package_versions(PACKAGES)
    doc["suite"] = args.suite
    doc.setdefault("meta", {})["machine"] = {k: v for k, v in info.items()
                                             if k not in ("command", "date", "git_commit")}
    doc["meta"].setdefault("invocations", []).append(
        {"command": info["command"], "date": info["date"], "git_commit": info["git_commit"]})
    results.save(out, doc)

    specs = _available(todo, doc, out)
    t_start = time.monotonic()
    count = [0]

    def on_result(rec: dict[str, Any]) -> None:
        results.add(doc, rec)
        results.save(out, doc)
        count[0] += 1
        extra = ""
        if rec.get("final") is not None:
            extra = f" final={rec['final']:.4g} evals={rec.get('n_evals')}"
        if rec.get("wall_s") is not None:
            extra += f" wall={rec['wall_s']:.2f}s"
        err = (rec.get("error") or "").splitlines()[:1]
        print(f"[{count[0]}/{len(specs)} {time.monotonic() - t_start:6.1f}s] {rec['key']}: "
              f"{rec['status']}{extra}{' ' + err[0] if err and rec['status'] != 'ok' else ''}",
              flush=True)

    if specs:
        from benchmarks import pool
        workers = args.workers or suite.workers
        quiet = args.quiet_wait
        if quiet > 0 and workers == 1:
            specs = [dict(s, _quiet_wait=quiet) for s in specs]
        pool.run_all(specs, workers=workers, on_result=on_result)
    print(f"done in {time.monotonic() - t_start:.1f} s; wrote {out}")
    if args.with_machinery and args.suite == "overhead":
        _machinery()
    return 0


def _available(todo: list[suites.Run], doc: dict[str, Any], out: str) -> list[dict[str, Any]]:
    """Specs for the runs whose optimizer can run here; the others are recorded as
    unavailable (and tried again on the next resume)."""
    if not todo:
        return []
    from benchmarks import adapters

    reasons: dict[str, str | None] = {}
    for name in sorted({r.optimizer for r in todo}):
        if todo[0].kind == "fidelity" or name not in adapters.REGISTRY:
            reasons[name] = None
            continue
        try:
            reasons[name] = adapters.availability(name)
        except Exception as exc:  # a broken adapter is unavailable, not fatal
            reasons[name] = f"{type(exc).__name__}: {exc}"
        if reasons[name]:
            print(f"  {name} unavailable: {reasons[name]}")
    specs = []
    for r in todo:
        if reasons.get(r.optimizer):
            results.add(doc, dict(r.as_dict(), key=r.key, status="unavailable",
                                  error=reasons[r.optimizer]))
        else:
            specs.append(dict(r.as_dict(), key=r.key))
    results.save(out, doc)
    return specs


def _machinery() -> None:
    """The storage and parallel parts of the overhead suite (owned by benchmarks.storage
    and benchmarks.parallel; they write benchmarks/results/{storage,parallel}.json/.md)."""
    from benchmarks import parallel, storage

    for name, mod in (("storage", storage), ("parallel", parallel)):
        print(f"overhead/{name}: python -m benchmarks.{name}")
        rc = mod.main([])
        if rc:
            print(f"benchmarks.{name} exited with {rc}", file=sys.stderr)
