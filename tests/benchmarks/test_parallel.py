"""benchmarks/parallel.py: the hardware-ceiling rows and the CPU accounting that tells a
run's own worker processes from other users' load."""

from __future__ import annotations

import multiprocessing as mp
import time

from benchmarks import _env, parallel


def _spin(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
    time.sleep(5)  # alive (not reaped) when the parent looks


def test_a_live_child_s_cpu_counts_as_this_run_s_own() -> None:
    before = _env.cpu_snapshot()
    base = _env.descendants_cpu()  # earlier tests may leave live children (a kept pool)
    child = mp.get_context("fork").Process(target=_spin, args=(0.3,))
    child.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _env.descendants_cpu() - base < 0.25:
            time.sleep(0.05)
        after = _env.cpu_snapshot()
        assert child.is_alive()  # not in RUSAGE_CHILDREN yet: only /proc sees it
        assert after["own"] - before["own"] >= 0.25  # (/proc counts in clock ticks)
    finally:
        child.kill()
        child.join()


def test_ceiling_rows_run_the_objective_with_no_tuner(tmp_path) -> None:
    loops, _ = parallel.calibrate(0.005)
    for config in ("bare-1", "bare-2"):
        run = parallel.run_config(config, trials=6, loops=loops, seed=0, workdir=str(tmp_path))
        assert run["n_complete"] == 6 and run["own_cpu_s"] > 0
    rows = parallel.summarize([
        {**run, "config": c, "trials_per_s": tps, "active_trials_per_s": tps}
        for c, tps in (("bare-1", 10.0), ("bare-2", 18.0), ("tuneforge-mem-2", 15.0))])
    text = parallel.against_ceiling(rows)
    assert "ceiling speed-up (bare pool of 2 / plain loop): 1.80x" in text
    assert "tuneforge n_jobs=2 (2 processes, in-memory study): 83% of the bare pool" in text
