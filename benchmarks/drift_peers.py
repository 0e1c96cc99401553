"""Peer drift detectors on the shifts of `benchmarks.drift_story`, run in their own venv.

    python3 -m venv /work/venv-driftpeers
    /work/venv-driftpeers/bin/pip install -r benchmarks/requirements-drift-peers.txt
    /work/venv-driftpeers/bin/python benchmarks/drift_peers.py --repeats 20 \
        --out benchmarks/results/drift_peers.json
    python -m benchmarks.drift_story --repeats 20 --peer-path benchmarks/results/drift_peers.json

Evidently and alibi-detect pin numpy/pandas versions the project's venv cannot take, so
this script imports nothing of tuneforge or of the benchmark package: it rebuilds the
same reference/current halves (same seeds, same shifted columns; a SHA-256 of each pair
is written so `drift_story` refuses results made on other data) and counts, per shift,
how often each peer flags drift:

- `evidently-dataset`: Evidently's DataDriftPreset "dataset drift" (its defaults: KS per
  numeric column under 1,000 rows, the dataset drifts when half the columns do);
- `evidently-any-column`: any column flagged by the same report (no multiplicity control);
- `alibi-ks`: alibi-detect's KSDrift (per-feature KS, Bonferroni at p 0.05).
A peer that does not import here is left out, with the reason in ``unavailable``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

SHIFTS = (0.0, 0.1, 0.25, 0.5, 1.0)  # as benchmarks.drift_story
N_REFERENCE = 284  # the first 284 rows of each permutation are the reference half


def _data() -> np.ndarray:
    from sklearn.datasets import load_breast_cancer

    return np.asarray(load_breast_cancer().data, dtype=float)


def pair(X: np.ndarray, r: int, shift: float) -> tuple[np.ndarray, np.ndarray]:
    """Repeat `r`'s reference and shifted current halves (drift_story's derivation)."""
    rng = np.random.default_rng([r, int(shift * 100)])
    order = rng.permutation(len(X))
    ref, cur = X[order[:N_REFERENCE]], X[order[N_REFERENCE:]].copy()
    cols = rng.choice(X.shape[1], 3, replace=False)
    cur[:, cols] += shift * cur[:, cols].std(0)
    return ref, cur


def digest(ref: np.ndarray, cur: np.ndarray) -> str:
    """A short SHA-256 of the two halves: the same data on both sides, or a refusal."""
    h = hashlib.sha256(np.ascontiguousarray(ref).tobytes())
    h.update(np.ascontiguousarray(cur).tobytes())
    return h.hexdigest()[:16]


def _evidently() -> Any:
    import pandas as pd
    from evidently import Report
    from evidently.presets import DataDriftPreset

    def run(ref: np.ndarray, cur: np.ndarray) -> dict[str, bool]:
        cols = [f"f{i}" for i in range(ref.shape[1])]
        snap = Report([DataDriftPreset()]).run(pd.DataFrame(cur, columns=cols),
                                               pd.DataFrame(ref, columns=cols))
        for metric in snap.dict()["metrics"]:
            # Evidently 0.7 names it in "metric_name"; older 0.6 releases in "metric_id"
            name = metric.get("metric_name") or metric.get("metric_id")
            if "DriftedColumnsCount" in str(name):
                value = metric["value"]
                return {"evidently-dataset": bool(value["share"] >= 0.5),
                        "evidently-any-column": bool(value["count"] > 0)}
        raise RuntimeError("Evidently's report has no DriftedColumnsCount metric")
    return run


def _alibi() -> Any:
    from alibi_detect.cd import KSDrift

    def run(ref: np.ndarray, cur: np.ndarray) -> dict[str, bool]:
        detector = KSDrift(ref.astype(np.float32), p_val=0.05, correction="bonferroni")
        return {"alibi-ks": bool(detector.predict(cur.astype(np.float32))["data"]["is_drift"])}
    return run


def _version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/drift_peers.json"))
    args = p.parse_args(argv)
    import warnings
    warnings.filterwarnings("ignore")
    peers, unavailable = {}, {}
    for name, make in (("evidently", _evidently), ("alibi-detect", _alibi)):
        try:
            peers[name] = make()
        except Exception as exc:  # not installed in this venv: reported, the rest runs
            unavailable[name] = f"{type(exc).__name__}: {exc}"[:300]
    if not peers:
        sys.exit(f"no peer drift detector imports here: {unavailable}")
    X = _data()
    rows, digests = [], {}
    for shift in SHIFTS:
        hits: dict[str, int] = {}
        seconds: dict[str, float] = {}
        for r in range(args.repeats):
            ref, cur = pair(X, r, shift)
            digests[f"{shift:g}/{r}"] = digest(ref, cur)
            for run in peers.values():
                t = time.perf_counter()
                flags = run(ref, cur)
                dt = time.perf_counter() - t
                for method, flag in flags.items():
                    hits[method] = hits.get(method, 0) + flag
                    # one report gives both Evidently flags: each costs the whole report
                    seconds[method] = seconds.get(method, 0.0) + dt
        rows += [{"shift": shift, "method": m, "rate": n / args.repeats,
                  "seconds_per_check": seconds[m] / args.repeats} for m, n in hits.items()]
        print(shift, {m: n / args.repeats for m, n in hits.items()}, flush=True)
    payload = {"benchmark": "drift_peers", "repeats": args.repeats, "detection": rows,
               "digests": digests, "unavailable": unavailable,
               "versions": {n: _version(n) for n in ("evidently", "alibi-detect", "numpy",
                                                     "pandas", "scipy", "scikit-learn")},
               "python": platform.python_version(),
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=1))


if __name__ == "__main__":
    main()
