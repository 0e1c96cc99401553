"""What every benchmark result carries, and how every measured run is started.

BENCHMARKS.md: each run is its own process with one BLAS/OpenMP thread and its imports
done before the clock starts; results carry the machine (nproc, CPU model), the date,
the package versions and the command. This module is shared by the `overhead` scripts
and, later, by the `python -m benchmarks run` runner.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
RESULT_MARK = "@@BENCH-RESULT "   # a child's result line on stdout: the mark, then JSON

PACKAGES = ("numpy", "tuneforge", "optuna", "sqlalchemy", "scipy")


# -- processes ---------------------------------------------------------------------------
def single_thread_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of `base` (default: os.environ) with one BLAS/OpenMP thread, for a child."""
    env = dict(os.environ if base is None else base)
    for var in THREAD_VARS:
        env[var] = "1"
    root = str(REPO_ROOT)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in paths:
        env["PYTHONPATH"] = os.pathsep.join([root, *paths])
    return env


def pin_single_thread() -> None:
    """Set the thread variables in this process (before numpy is imported, to take
    effect here) so that every process it starts inherits them."""
    for var in THREAD_VARS:
        os.environ[var] = "1"


def run_child(module: str, args: Sequence[str], *, timeout: float = 600.0) -> dict[str, Any]:
    """Run ``python -m module args`` in a fresh single-threaded process; return the JSON
    it printed after RESULT_MARK. Raises RuntimeError with its stderr when it fails."""
    cmd = [sys.executable, "-m", module, *args]
    try:
        proc = subprocess.run(cmd, cwd=REPO_ROOT, env=single_thread_env(), text=True,
                              capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{shlex.join(cmd)} ran past its {timeout:.0f} s cap") from None
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            if proc.returncode != 0:
                break
            return json.loads(line[len(RESULT_MARK):])
    raise RuntimeError(f"{shlex.join(cmd)} failed (exit {proc.returncode}):\n"
                       f"{proc.stderr[-4000:]}{proc.stdout[-2000:]}")


def emit_result(result: Mapping[str, Any]) -> None:
    """In a child: hand `result` to the parent (see run_child)."""
    sys.stdout.write(RESULT_MARK + json.dumps(result) + "\n")
    sys.stdout.flush()


# -- noise: CPU used by others while a run was measured -------------------------------------
def descendants_cpu() -> float:
    """CPU seconds used so far by this process's live descendants (/proc; 0 elsewhere):
    worker processes kept alive across a run are ours, not other users' load."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    parent: dict[int, int] = {}
    used: dict[int, float] = {}
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return 0.0
    for entry in entries:
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # ended meanwhile
        fields = text[text.rfind(")") + 2:].split()  # after "pid (comm) "
        try:
            parent[int(entry)] = int(fields[1])
            used[int(entry)] = (int(fields[11]) + int(fields[12])) / tick  # utime stime
        except (IndexError, ValueError):
            continue
    me, total = os.getpid(), 0.0
    for pid in parent:
        p, seen = parent[pid], 0
        while p not in (0, 1, me) and p in parent and seen < 64:
            p, seen = parent[p], seen + 1
        if p == me and pid != me:
            total += used[pid]
    return total


def cpu_snapshot() -> dict[str, float]:
    """Machine-wide busy and steal CPU seconds (/proc/stat), and this process's own CPU
    seconds plus that of its children, reaped or alive. Diff two with `foreign_cpu`."""
    import resource

    own = descendants_cpu()
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        ru = resource.getrusage(who)
        own += ru.ru_utime + ru.ru_stime
    busy = steal = float("nan")
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        tick = os.sysconf("SC_CLK_TCK")
        v = [int(x) for x in fields]
        busy = (v[0] + v[1] + v[2] + v[5] + v[6]) / tick   # user nice system irq softirq
        steal = (v[7] if len(v) > 7 else 0) / tick
    except (OSError, ValueError, IndexError):
        pass
    return {"busy": busy, "steal": steal, "own": own}


def foreign_cpu(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    """CPU seconds spent by other processes (`foreign_cpu_s`, ~0 on a quiet machine) and
    stolen by the hypervisor (`steal_s`) between two snapshots."""
    own = after["own"] - before["own"]
    return {"foreign_cpu_s": round(after["busy"] - before["busy"] - own, 3),
            "steal_s": round(after["steal"] - before["steal"], 3)}


def wait_quiet(*, max_wait: float = 90.0, threshold: float = 0.15, probe: float = 1.0) -> float:
    """Wait (at most `max_wait` s) until the other processes on this shared machine use
    less than `threshold` of a core over a `probe`-second window; returns the last usage
    seen (cores). Call it while this process is idle, before starting a measured run."""
    deadline = time.monotonic() + max_wait
    while True:
        a = cpu_snapshot()
        time.sleep(probe)
        used = foreign_cpu(a, cpu_snapshot())["foreign_cpu_s"] / probe
        if used < threshold or time.monotonic() >= deadline:
            return used


# -- machine facts ---------------------------------------------------------------------
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def nproc() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def package_versions(names: Sequence[str] = PACKAGES) -> dict[str, str | None]:
    """Installed versions, read from package metadata (nothing is imported)."""
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _git_commit() -> str | None:
    try:
        proc = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.strip() or None


def command_line(module: str | None = None, argv: Sequence[str] | None = None) -> str:
    """The command that produced a result, e.g. ``python -m benchmarks.parallel --trials 40``."""
    args = list(sys.argv[1:] if argv is None else argv)
    head = ["python", "-m", module] if module else ["python", sys.argv[0]]
    return shlex.join([*head, *args])


def machine_info(module: str | None = None, argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Everything a result must carry about where and how it was measured."""
    return {
        "nproc": nproc(),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "packages": package_versions(),
        "git_commit": _git_commit(),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command": command_line(module, argv),
        "thread_env": {v: os.environ.get(v) for v in THREAD_VARS},
    }


def describe(info: Mapping[str, Any]) -> str:
    """One line for the top of a printed table."""
    pk = info["packages"]
    return (f"{info['cpu_model']} x{info['nproc']} | Python {info['python']} | "
            f"tuneforge {pk.get('tuneforge')} | optuna {pk.get('optuna')} | "
            f"numpy {pk.get('numpy')} | {info['date']}")


# -- numbers and tables ------------------------------------------------------------------
def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), sep, *(line(r) for r in cells[1:])])


def write_json(path: str | os.PathLike[str], payload: Mapping[str, Any]) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n")
    return out
