"""Transfer learning on scikit-learn's digits: does fine-tuning a pretrained CNN beat
training from scratch when both are tuned with the same budget, and does tuning the
fine-tuning recipe beat its defaults?

    python -m benchmarks.finetune_transfer [--pair noisy|plain] [--seeds 3] [--trials 12]
        [--labels 5] [--out benchmarks/results/finetune-transfer-<pair>.json]
        [--plot benchmarks/plots/finetune-transfer-<pair>.png]

Source task: a small CNN (3 conv layers with batch norm, global pooling, a linear head)
pretrained on clean digits (every other image of the 1,797). Target task, `--pair`:

- `noisy` (the example the docs show): the other images, with Gaussian pixel noise
  (sigma 0.3, one fixed draw) - the same ten digits seen by a worse sensor;
- `plain`: source digits 0-4, target digits 5-9, no noise (other classes).

Per seed, the target gets `labels` labelled images per class for training and as many
for validation; every other target image is the held-out test set. Arms, each selecting
on validation accuracy only and reporting the selected model's test accuracy:

- `scratch-tuned`: the CNN from random weights, `trials` TPE trials over
  `FineTuneSpace(backbone_groups=0)` (optimizer, learning rate, weight decay, batch
  size, epochs, schedule, dropout; nothing to freeze);
- `finetune-default`: the pretrained CNN with a new head, the usual recipe (AdamW,
  lr 1e-3, weight decay 1e-2, batch 32, constant rate, every layer trained), one run;
- `finetune-tuned`: the pretrained CNN, `trials` TPE trials over the whole
  `FineTuneSpace` (also how many layer groups to freeze, discriminative learning rates,
  gradual unfreezing, L2-SP).

Every run stops early (patience 8) and trains at most 40 epochs; tuned arms prune with
the median rule. Forgetting is the drop of source-task validation accuracy (the old
head on the fine-tuned backbone); gap is train minus validation accuracy at the best
epoch. One torch thread.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks import _env

MODULE = "benchmarks.finetune_transfer"
ARMS = ("scratch-tuned", "finetune-default", "finetune-tuned")
NOISE = 0.3
MAX_EPOCHS = 40
PATIENCE = 8


def _torch() -> Any:
    import torch

    torch.set_num_threads(1)
    return torch


def cnn(n_classes: int) -> Any:
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, n_classes))


def tasks(pair: str) -> dict[str, Any]:
    """Source train/validation tensors and the target pool (images, labels 0..n-1)."""
    torch = _torch()
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)
    y = torch.tensor(digits.target)
    if pair == "noisy":
        source = torch.arange(len(y)) % 2 == 0
        noise = torch.randn(X.shape, generator=torch.Generator().manual_seed(7))
        Xt, yt = (X[~source] + NOISE * noise[~source]).clamp(0, 1), y[~source]
    elif pair == "plain":
        source = y < 5
        Xt, yt = X[~source], y[~source] - 5
    else:
        raise ValueError(f"unknown pair {pair!r}; choose noisy or plain")
    Xs, ys = X[source], y[source]
    cut = len(ys) * 5 // 6
    order = torch.randperm(len(ys), generator=torch.Generator().manual_seed(0))
    return {"source_train": (Xs[order[:cut]], ys[order[:cut]]),
            "source_val": (Xs[order[cut:]], ys[order[cut:]]),
            "n_source": int(ys.max()) + 1, "target": (Xt, yt), "n_target": int(yt.max()) + 1}


def pretrain(data: dict[str, Any], epochs: int = 15) -> tuple[dict[str, Any], float]:
    """The source model's weights and its source validation accuracy."""
    torch = _torch()
    from tuneforge.integrations.torch import FineTuneConfig, fine_tune

    torch.manual_seed(0)
    model = cnn(data["n_source"])
    cfg = FineTuneConfig(optimizer="adamw", head_lr=3e-3, batch_size=64, epochs=epochs,
                         schedule="cosine")
    result = fine_tune(model, cfg, train=data["source_train"], validation=data["source_val"],
                       seed=0)
    return {k: v.clone() for k, v in model.state_dict().items()}, result.best_score


def target_split(data: dict[str, Any], seed: int, labels: int) -> tuple[Any, Any, Any]:
    """`labels` train and `labels` validation images per class; the rest is the test set."""
    import numpy as np

    X, y = data["target"]
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[], [], []]
    for c in range(data["n_target"]):
        idx = np.flatnonzero(y.numpy() == c)
        rng.shuffle(idx)
        parts[0] += idx[:labels].tolist()
        parts[1] += idx[labels:2 * labels].tolist()
        parts[2] += idx[2 * labels:].tolist()
    return tuple((X[p], y[p]) for p in parts)  # type: ignore[return-value]


def _test_accuracy(model: Any, test: tuple[Any, Any]) -> float:
    from tuneforge.integrations.torch.loop import accuracy, evaluate

    return evaluate(model, test, accuracy)


def _build(data: dict[str, Any], weights: dict[str, Any] | None, seed: int,
           dropout: float) -> tuple[Any, Any]:
    torch = _torch()
    from tuneforge.integrations.torch import SourceTask, replace_head

    torch.manual_seed(seed)
    if weights is None:
        model = cnn(data["n_target"])
        model[-1] = torch.nn.Sequential(torch.nn.Dropout(dropout), model[-1])
        return model, None
    model = cnn(data["n_source"])
    model.load_state_dict(weights)
    swap = replace_head(model, data["n_target"], dropout=dropout)
    return model, SourceTask(*data["source_val"], head=swap.old, path=swap.path)


def run_arm(arm: str, data: dict[str, Any], weights: dict[str, Any], seed: int,
            labels: int, trials: int) -> dict[str, Any]:
    """One arm on one seed: the selected model's scores."""
    import tuneforge as tf
    from tuneforge.integrations.torch import FineTuneConfig, FineTuneSpace, fine_tune

    train, val, test = target_split(data, seed, labels)
    pretrained = None if arm == "scratch-tuned" else weights
    started = time.perf_counter()

    def one(config: Any, trial: Any = None) -> float:
        model, source = _build(data, pretrained, seed, config.dropout)
        result = fine_tune(model, config, train=train, validation=val, trial=trial,
                           source=source, patience=PATIENCE, seed=seed)
        # the test set is scored for the record only; selection reads validation alone
        rows[trial.number if trial is not None else -1] = {
            "val_acc": result.best_score, "test_acc": _test_accuracy(model, test),
            **result.attrs()}
        return result.best_score

    rows: dict[int, dict[str, Any]] = {}
    if arm == "finetune-default":
        one(FineTuneConfig(epochs=MAX_EPOCHS))
        best = rows[-1]
        n_trials = 1
    else:
        n_groups = 0 if arm == "scratch-tuned" else 6  # 3 conv + 3 norm groups below the head
        space = FineTuneSpace(backbone_groups=n_groups, head_lr=(1e-4, 3e-2),
                              batch_sizes=(8, 16, 32), epochs=(10, MAX_EPOCHS),
                              l2sp=arm == "finetune-tuned")
        study = tf.create_study(direction="maximize", sampler=tf.TPESampler(seed=seed),
                                pruner=tf.MedianPruner(n_startup_trials=4,
                                                       n_warmup_steps=10))
        study.optimize(lambda t: one(space.suggest(t), t), n_trials=trials)
        complete = [t for t in study.trials if t.state is tf.TrialState.COMPLETE]
        best_trial = max(complete, key=lambda t: (t.value, -t.number))
        best = {**rows[best_trial.number], "params": dict(best_trial.params)}
        n_trials = trials
    return {"arm": arm, "seed": seed, "trials": n_trials,
            "seconds": time.perf_counter() - started, **best}


def summarize(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for arm in ARMS:
        mine = [r for r in runs if r["arm"] == arm]
        if not mine:
            continue

        def stat(key: str, rows: list[dict[str, Any]] = mine) -> tuple[float, float] | None:
            vals = [r[key] for r in rows if r.get(key) is not None]
            if not vals:
                return None
            return statistics.fmean(vals), statistics.pstdev(vals) if len(vals) > 1 else 0.0

        rows.append({"arm": arm, "test_acc": stat("test_acc"), "val_acc": stat("val_acc"),
                     "gap": stat("gap"), "forgetting": stat("forgetting"),
                     "overfitting": sum(bool(r.get("overfitting")) for r in mine),
                     "seeds": len(mine), "seconds": sum(r["seconds"] for r in mine)})
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    def fmt(pair: tuple[float, float] | None) -> str:
        return "-" if pair is None else f"{pair[0]:.3f} ± {pair[1]:.3f}"

    return _env.markdown_table(
        ["arm", "test accuracy", "validation accuracy", "train-val gap", "forgetting",
         "overfitting flagged", "seconds"],
        [[r["arm"], fmt(r["test_acc"]), fmt(r["val_acc"]), fmt(r["gap"]),
          fmt(r["forgetting"]), f"{r['overfitting']}/{r['seeds']}", f"{r['seconds']:.0f}"]
         for r in rows])


def plot(runs: list[dict[str, Any]], rows: list[dict[str, Any]], path: Path,
         title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for i, row in enumerate(rows):
        mean, sd = row["test_acc"]
        ax.bar(i, mean, yerr=sd, color=("#9aa5b1", "#f0b429", "#2f855a")[i], capsize=4)
        points = [r["test_acc"] for r in runs if r["arm"] == row["arm"]]
        ax.scatter([i] * len(points), points, color="black", s=12, zorder=3)
    ax.set_xticks(range(len(rows)), [r["arm"] for r in rows])
    ax.set_ylabel("held-out target test accuracy")
    ax.set_ylim(0, 1)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog=MODULE, description=__doc__.split("\n")[0])
    parser.add_argument("--pair", choices=("noisy", "plain"), default="noisy")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--labels", type=int, default=5)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--plot", type=Path)
    args = parser.parse_args(argv)
    _env.pin_single_thread()
    started = time.perf_counter()
    data = tasks(args.pair)
    weights, source_acc = pretrain(data)
    print(f"pretrained on the source task: validation accuracy {source_acc:.3f}")
    runs = []
    for seed in range(args.seeds):
        for arm in ARMS:
            run = run_arm(arm, data, weights, seed, args.labels, args.trials)
            print(f"seed {seed} {arm:>16}: test {run['test_acc']:.3f} "
                  f"(val {run['val_acc']:.3f}, {run['seconds']:.0f}s)", flush=True)
            runs.append(run)
    rows = summarize(runs)
    text = table(rows)
    print(text)
    total = time.perf_counter() - started
    print(f"total {total:.0f}s")
    payload = {"machine": _env.machine_info(MODULE, argv), "pair": args.pair,
               "labels_per_class": args.labels, "trials": args.trials, "seeds": args.seeds,
               "source_val_acc": source_acc, "total_seconds": total, "summary": rows,
               "runs": runs, "table": text}
    out = args.out or _env.RESULTS_DIR / f"finetune-transfer-{args.pair}.json"
    _env.write_json(out, payload)
    plot(runs, rows, args.plot or _env.REPO_ROOT / "benchmarks" / "plots" /
         f"finetune-transfer-{args.pair}.png",
         f"digits, {args.pair} target, {args.labels} labels/class, {args.trials} trials/arm")
    return payload


if __name__ == "__main__":
    main()
