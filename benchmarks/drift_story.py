"""transfer/drift: synthetic drift of known size on a real dataset, end to end: detection
power and false alarms, then re-tuning and the champion/challenger decision.

    python -m benchmarks.drift_story [--repeats 20] [--out benchmarks/results/drift_story.md]
                                     [--peer-path /tmp/peers | drift_peers.json]

Data: scikit-learn's breast cancer table (569 rows, 30 numeric features). Each repeat
splits it at random into a reference half and a current half; the current half is then
shifted: `shift` reference standard deviations added to 3 random features (0 = no
drift). Detection is counted per method over `repeats` repeats:

- `tuneforge-features`: `drift.check(joint=False)`, any feature flagged (KS, BH at 0.05);
- `tuneforge-joint`: the classifier two-sample test alone (3-fold, binomial null);
- `evidently`: Evidently's DataDriftPreset "dataset drift" flag (its defaults: KS per
  numeric column under 1,000 rows, drift when half the columns drift), when it imports
  (`--peer-path`: a directory it was installed to with `pip install --target`);
- with `--peer-path FILE.json`: the rows `benchmarks/drift_peers.py` wrote in the peers'
  own venv (Evidently, alibi-detect) on the same halves, checked by their SHA-256.

The story: a LogisticRegression(C log[1e-4, 1e2], liblinear) study is tuned on the
reference rows (25 trials), then `tuneforge.retune.retune` meets three kinds of new data:
fresh rows of the same distribution (expected: no drift, nothing re-tuned), a units change
upstream (every feature x 1e-4: drift, and a champion whose C was right for the old scale
loses to a challenger re-tuned over C log[1e-4, 1e4]), and a mean shift of 0.5 sd on 3
features (drift, but the old configuration may still be fine: promotion only if
significantly better). On this table the 0.5 sd shift also breaks the near-deterministic
relations between features (radius, perimeter, area), which the classifier test sees.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import _env

MODULE = "benchmarks.drift_story"
DEFAULT_OUT = _env.RESULTS_DIR / "drift_story.md"
SHIFTS = (0.0, 0.1, 0.25, 0.5, 1.0)


def _data() -> tuple[Any, Any]:
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(return_X_y=True)


def _shifted(X: Any, rng: Any, shift: float, k: int = 3) -> Any:
    Xc = X.copy()
    cols = rng.choice(X.shape[1], k, replace=False)
    Xc[:, cols] += shift * X[:, cols].std(0)
    return Xc


def _evidently(ref: Any, cur: Any) -> bool | None:
    try:
        import pandas as pd
        from evidently import Report
        from evidently.presets import DataDriftPreset
    except Exception:  # not installed here: reported as unavailable
        return None
    cols = [f"f{i}" for i in range(ref.shape[1])]
    snap = Report([DataDriftPreset()]).run(pd.DataFrame(cur, columns=cols),
                                           pd.DataFrame(ref, columns=cols))
    for metric in snap.dict()["metrics"]:
        # Evidently 0.7 names it in "metric_name"; older 0.6 releases in "metric_id"
        if "DriftedColumnsCount" in str(metric.get("metric_name") or metric.get("metric_id")):
            value = metric["value"]
            return bool(value["share"] >= 0.5)
    return None


def detection(repeats: int, digests: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Detection rates per shift and method; `digests` (filled when given) gets the
    SHA-256 of each repeat's halves, as `benchmarks.drift_peers.digest` computes it."""
    import numpy as np

    from benchmarks.drift_peers import digest
    from tuneforge import drift

    X, _ = _data()
    rows = []
    for shift in SHIFTS:
        hits = {"tuneforge-features": 0, "tuneforge-joint": 0, "evidently": 0}
        peer_ok = True
        seconds = {"tuneforge-features": 0.0, "tuneforge-joint": 0.0, "evidently": 0.0}
        for r in range(repeats):
            rng = np.random.default_rng([r, int(shift * 100)])
            order = rng.permutation(len(X))
            ref, cur = X[order[:284]], _shifted(X[order[284:]], rng, shift)
            if digests is not None:
                digests[f"{shift:g}/{r}"] = digest(ref, cur)
            t = time.perf_counter()
            hits["tuneforge-features"] += drift.check(ref, cur, joint=False).drifted
            seconds["tuneforge-features"] += time.perf_counter() - t
            t = time.perf_counter()
            joint = drift.classifier_test([f"x{i}" for i in range(X.shape[1])], list(ref.T),
                                          list(cur.T), [False] * X.shape[1], alpha=0.05,
                                          cv=3, seed=r)
            hits["tuneforge-joint"] += joint.drifted
            seconds["tuneforge-joint"] += time.perf_counter() - t
            t = time.perf_counter()
            peer = _evidently(ref, cur)
            seconds["evidently"] += time.perf_counter() - t
            if peer is None:
                peer_ok = False
            else:
                hits["evidently"] += peer
        for method, n in hits.items():
            if method == "evidently" and not peer_ok:
                continue
            rows.append({"shift": shift, "method": method, "rate": n / repeats,
                         "seconds_per_check": seconds[method] / repeats})
    return rows


def story(seed: int = 0) -> list[dict[str, Any]]:
    import warnings

    import numpy as np
    from sklearn.linear_model import LogisticRegression

    import tuneforge as tf
    from tuneforge.evaluate import cross_val_objective
    from tuneforge.retune import retune

    warnings.filterwarnings("ignore")
    X, y = _data()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    ref, new = order[:284], order[284:]
    storage = tf.InMemoryStorage()
    space = {"C": tf.Float(1e-4, 1e2, log=True)}
    wide = {"C": tf.Float(1e-4, 1e4, log=True)}  # re-tunes may go past the old range
    objective = cross_val_objective(LogisticRegression(solver="liblinear"), X[ref], y[ref],
                                    space=space, cv=3)
    prod = tf.create_study("prod", storage=storage, direction=objective.direction,
                           sampler=tf.TPESampler(seed=seed))
    prod.optimize(objective, n_trials=25)
    cases = {"same distribution": X[new],
             "units changed (x 1e-4)": X[new] * 1e-4,
             "3 features +0.5 sd": _shifted(X[new], rng, 0.5)}
    out = []
    for label, Xn in cases.items():
        d = retune(prod, Xn, y[new], X_reference=X[ref], budget=20, seed=seed, joint=True,
                   space=wide)
        c = d.comparison
        out.append({"case": label, "triggered": d.triggered, "reason": d.reason,
                    "study": d.study_name, "champion": d.champion_params,
                    "challenger": d.challenger_params,
                    "champion_loss": None if c is None else c.champion_loss,
                    "challenger_loss": None if c is None else c.challenger_loss,
                    "p_value": None if c is None else c.p_value,
                    "test": None if c is None else c.test, "promoted": d.promoted,
                    "warm_source": None if d.study_name is None else
                    tf.load_study(d.study_name, storage=storage)
                    .system_attrs["warm_start"]["sources"]})
    return out


def markdown(rows: list[dict[str, Any]], cases: list[dict[str, Any]], repeats: int,
             meta: dict[str, Any]) -> str:
    methods = sorted({r["method"] for r in rows})
    lines = ["# Drift on a real dataset, end to end", "",
             f"Generated by `python -m benchmarks.drift_story --repeats {repeats}` on "
             f"{meta.get('date', '?')} ({meta.get('nproc', '?')} CPUs, a shared, loaded "
             "machine).", "",
             "## Detection rate (breast cancer halves; shift in reference sd on 3 of 30 "
             f"features; {repeats} repeats; alpha 0.05)", "",
             "| method | " + " | ".join(f"shift {s:g}" for s in SHIFTS) + " | s per check |",
             "|---|" + "---|" * (len(SHIFTS) + 1)]
    for m in methods:
        rs = {r["shift"]: r for r in rows if r["method"] == m}
        secs = sum(r["seconds_per_check"] for r in rs.values()) / max(len(rs), 1)
        lines.append(f"| {m} | " + " | ".join(f"{rs[s]['rate']:.2f}" if s in rs else "-"
                                                for s in SHIFTS) + f" | {secs:.3f} |")
    lines += ["", "Shift 0 is the false-alarm rate; the other columns are power."]
    if meta.get("peers"):
        lines += ["", "Peers, run in their own venv on the same halves (checked by SHA-256; "
                  "`benchmarks/drift_peers.py`): " + ", ".join(
                      f"{k} {v}" for k, v in meta["peers"].items()) + ". `evidently-dataset`"
                  " is its DataDriftPreset's dataset-drift flag (half the columns drifted), "
                  "`evidently-any-column` any column flagged by that report (no correction "
                  "for 30 tests), `alibi-ks` KSDrift with Bonferroni."]
    lines += ["",
              "## Re-tuning (LogisticRegression on breast cancer, 25-trial study over C "
              "log[1e-4, 1e2] on the reference half; 20-trial warm-started re-tune over "
              "C log[1e-4, 1e4]; 30 % of the new rows as fresh hold-out)", "",
              "| new data | drift found | why | champion C | challenger C | hold-out error "
              "champion -> challenger | p (test) | promoted |", "|---|---|---|---|---|---|---|---|"]
    for c in cases:
        ch = c["challenger"] or {}
        err = "-" if c["champion_loss"] is None else \
            f"{c['champion_loss']:.3f} -> {c['challenger_loss']:.3f}"
        p = "-" if c["p_value"] is None else f"{c['p_value']:.3g} ({c['test']})"
        lines.append(f"| {c['case']} | {'yes' if c['triggered'] else 'no'} | {c['reason']} | "
                     f"{c['champion']['C']:.3g} | "
                     f"{'-' if 'C' not in ch else format(ch['C'], '.3g')} | {err} | {p} | "
                     f"{'yes' if c['promoted'] else 'no'} |")
    lines += ["", "Each re-tune is a study linked to `prod` (user attributes `retunes` on "
              "`prod`, `retune` with the decision and the drift report on the new study), "
              "warm-started from `prod` (`system_attrs['warm_start']`)."]
    return "\n".join(lines) + "\n"


def peer_rows(data: dict[str, Any], digests: dict[str, str], where: Path) -> dict[str, Any]:
    """The detection rows of a `drift_peers` result, refused (SystemExit naming the
    file) when it was made on other halves or another number of repeats."""
    theirs = data.get("digests") or {}
    if data.get("benchmark") != "drift_peers" or theirs != digests:
        bad = sorted(k for k in digests if theirs.get(k) != digests[k])[:3]
        raise SystemExit(f"{where}: not made on this run's data (repeats "
                         f"{data.get('repeats')!r} vs {len(digests) // len(SHIFTS)}; halves "
                         f"that differ: {bad or 'all'}); rerun benchmarks/drift_peers.py "
                         "with the same --repeats")
    return {"rows": list(data["detection"]),
            "versions": {k: v for k, v in (data.get("versions") or {}).items() if v},
            "unavailable": data.get("unavailable") or {}}


def main(argv: list[str] | None = None) -> None:
    _env.pin_single_thread()
    p = argparse.ArgumentParser(prog=MODULE, description=(__doc__ or "").split("\n")[0])
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--peer-path", default=None)
    args = p.parse_args(argv)
    peer_file = Path(args.peer_path) if args.peer_path and \
        args.peer_path.endswith(".json") else None  # read after our own runs
    if args.peer_path and peer_file is None:
        sys.path.append(args.peer_path)  # after ours: the peer's copies never shadow ours
    import warnings
    warnings.filterwarnings("ignore")
    meta = _env.machine_info(MODULE, argv or sys.argv[1:])
    digests: dict[str, str] = {}
    rows = detection(args.repeats, digests)
    cases = story()
    if peer_file is not None:
        if not peer_file.is_file():
            raise SystemExit(f"--peer-path {peer_file}: no such file; write it with "
                             "benchmarks/drift_peers.py in the peers' venv first")
        peers = peer_rows(json.loads(peer_file.read_text()), digests, peer_file)
        meta["peers"] = peers["versions"]
        rows = [r for r in rows if r["method"] != "evidently"] + peers["rows"]
    text = markdown(rows, cases, args.repeats, meta)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    args.out.with_suffix(".json").write_text(json.dumps({"benchmark": "drift_story",
                                                         "meta": meta, "detection": rows,
                                                         "story": cases}, indent=1,
                                                        default=str))


if __name__ == "__main__":
    main()
