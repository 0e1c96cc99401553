"""online/change-point: batches until an online model recovers its pre-change score
after a known change, for our loop (adapt on the fly + re-tune) against a fixed
configuration and against retraining without re-tuning.

    python -m benchmarks.online [--seeds 5] [--batches 70] [--change 30]
                                [--out benchmarks/results/online.json]

The stream: batches of 120 rows drawn with replacement from scikit-learn's digits
(pixels / 16); from batch `change` on, every image is inverted (1 - pixel) and its
label mapping rotated (label -> (label + 3) mod 10), a concept and covariate change at
once. The model: SGDClassifier(loss="log_loss", learning_rate="constant") with eta0 and
alpha; all methods start from the same tuned values (eta0 0.01, alpha 1e-4) and score
each batch before learning it (prequential accuracy).

- `fixed`: keeps learning with the same hyperparameters (no detection);
- `retrain`: on a drop lasting 3 batches, a fresh model with the same hyperparameters
  trained on the last 5 batches;
- `tuneforge`: `tuneforge.online.OnlineTuner`: eta0 x3 and alpha / 3 on each drop
  (back towards the tuned values on recovery), and on a drop lasting 3 batches a
  12-trial TPE study over eta0 log[1e-4, 1], alpha log[1e-6, 1e-1] on the last 5
  batches, then a fresh model with the new values.

Reported: batches from the change until the score is back within 0.02 of its mean over
the 5 batches before the change for 2 batches in a row (`recovery_batches`), and the
mean accuracy over the 20 batches after the change.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from benchmarks import _env

MODULE = "benchmarks.online"
DEFAULT_OUT = _env.RESULTS_DIR / "online.json"


def stream(seed: int, n_batches: int, change: int, size: int = 120) -> list[tuple[Any, Any]]:
    import numpy as np
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    rng = np.random.default_rng(seed)
    out = []
    for b in range(n_batches):
        idx = rng.integers(0, len(y), size)
        Xb, yb = X[idx], y[idx]
        if b >= change:
            Xb, yb = 1.0 - Xb, (yb + 3) % 10
        out.append((Xb, yb))
    return out


def run_method(method: str, seed: int, n_batches: int, change: int) -> dict[str, Any]:
    from sklearn.linear_model import SGDClassifier

    import tuneforge as tf
    from tuneforge.online import Adapt, OnlineTuner, recovery_batches

    def make(params: Any) -> Any:
        return SGDClassifier(loss="log_loss", learning_rate="constant", random_state=seed,
                             **params)

    params = {"eta0": 0.01, "alpha": 1e-4}
    kw: dict[str, Any] = {"classes": list(range(10)), "seed": seed}
    if method == "fixed":
        tuner = OnlineTuner(make, dict(params), patience=0, **kw)
    elif method == "retrain":
        tuner = OnlineTuner(make, dict(params), patience=3, **kw)
    else:
        tuner = OnlineTuner(make, dict(params), patience=3,
                            adapt={"eta0": Adapt(3.0, 1e-4, 1.0), "alpha": Adapt(1 / 3, 1e-6, 0.1)},
                            space={"eta0": tf.Float(1e-4, 1.0, log=True),
                                   "alpha": tf.Float(1e-6, 0.1, log=True)}, **kw)
    steps = tuner.run(stream(seed, n_batches, change))
    scores = [s.score for s in steps]
    scores[0] = scores[1]  # the first batch has no model yet
    return {"method": method, "seed": seed,
            "recovery": recovery_batches(scores, change),
            "after_mean": statistics.fmean(scores[change:change + 20]),
            "before_mean": statistics.fmean(scores[change - 5:change]),
            "actions": [s.action for s in steps if s.action != "learn"],
            "scores": scores}


def main(argv: list[str] | None = None) -> None:
    _env.pin_single_thread()
    p = argparse.ArgumentParser(prog=MODULE, description=(__doc__ or "").split("\n")[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--batches", type=int, default=70)
    p.add_argument("--change", type=int, default=30)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = p.parse_args(argv)
    import warnings
    warnings.filterwarnings("ignore")
    rows = [run_method(m, s, args.batches, args.change)
            for s in range(args.seeds) for m in ("fixed", "retrain", "tuneforge")]
    lines = ["| method | batches to recover, per seed | median | mean accuracy, 20 batches "
             "after the change |", "|---|---|---|---|"]
    for m in ("fixed", "retrain", "tuneforge"):
        rs = [r for r in rows if r["method"] == m]
        rec = [r["recovery"] for r in rs]
        finite = sorted(v if v is not None else 10 ** 9 for v in rec)
        med = finite[len(finite) // 2]
        lines.append(f"| {m} | {', '.join('never' if v is None else str(v) for v in rec)} | "
                     f"{'never' if med == 10 ** 9 else med} | "
                     f"{statistics.fmean(r['after_mean'] for r in rs):.3f} |")
    table = "\n".join(lines)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"benchmark": "online",
                                    "meta": _env.machine_info(MODULE, argv or sys.argv[1:]),
                                    "rows": rows, "table": table}, indent=1))


if __name__ == "__main__":
    main()
