"""fidelity/pbt: a learning-rate schedule for a small network, found by population-based
training, against the best fixed learning rate and Ray Tune's PBT, at equal epochs.

    python -m benchmarks.pbt [--seeds 3] [--population 8] [--epochs 30] [--interval 3]
                             [--first-seed 0] [--add]
                             [--methods tuneforge-pbt,tuneforge-pbt-async,fixed-grid,ray-pbt]
                             [--out benchmarks/results/pbt.json]
                             [--plot benchmarks/plots/pbt-digits-mlp.png]

The problem: a 64-32-10 ReLU network on scikit-learn's digits (pixels / 16; a fixed
stratified 60/20/20 train/validation/test split, seed 0), plain minibatch SGD with
momentum 0.9, batch 32, on cross-entropy; the one hyperparameter is the learning rate,
log-uniform in [1e-3, 1], and it may change every `interval` epochs. The score every
method selects on is the validation cross-entropy at the end of training (lower is
better); the test cross-entropy and accuracy of the selected network are reported beside
it (PBT selects on the validation set many times, so the test set is the honest check).

Every method trains population x epochs epochs in all (8 x 30 = 240 by default):

- `tuneforge-pbt`: `tuneforge.PBT(population_size, perturbation_interval=interval,
  quantile_fraction=0.25, perturbation_factors=(0.8, 1.2), resample_probability=0.25,
  synchronous=True)`, checkpoints through `trial.checkpoint` (safetensors);
- `tuneforge-pbt-async`: the same with `synchronous=False`;
- `fixed-grid`: `population` constant learning rates log-spaced over [1e-3, 1], each
  trained `epochs` epochs; the best one by final validation loss is the best fixed
  schedule;
- `ray-pbt`: Ray Tune's PopulationBasedTraining with the same population, interval,
  quantile, factors and resampling probability (`synch=True`), the same trainable, one
  population at once (``ray.init(num_cpus=population)``, actors reused: Ray's PBT runs
  members concurrently; with one slot it restarted an actor at every interval and took
  over 15 minutes a seed here), while ours runs one worker process.

Network initial weights and minibatch order derive from (seed, member); each (method,
seed) runs in its own single-threaded process. `--add` keeps the runs already in `--out`
(those of other methods or seeds) and adds or replaces these, so a slow peer's seeds can
be run one at a time; every method's score is at equal epochs, so runs made at other
times compare (only the wall-clock column does not).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import _env

MODULE = "benchmarks.pbt"
DEFAULT_OUT = _env.RESULTS_DIR / "pbt.json"
DEFAULT_PLOT = _env.REPO_ROOT / "benchmarks" / "plots" / "pbt-digits-mlp.png"
METHODS = ("tuneforge-pbt", "tuneforge-pbt-async", "fixed-grid", "ray-pbt")
LR_LOW, LR_HIGH = 1e-3, 1.0
BATCH = 32


# -- the problem ---------------------------------------------------------------------------
class Problem:
    """Data, network and one training epoch; everything a method needs."""

    def __init__(self) -> None:
        import numpy as np
        import torch
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        torch.set_num_threads(1)
        self.torch = torch
        X, y = load_digits(return_X_y=True)
        X = (X / 16.0).astype(np.float32)
        X_tr, X_rest, y_tr, y_rest = train_test_split(X, y, test_size=0.4, stratify=y,
                                                      random_state=0)
        X_va, X_te, y_va, y_te = train_test_split(X_rest, y_rest, test_size=0.5,
                                                  stratify=y_rest, random_state=0)
        t = torch.from_numpy
        self.train = (t(X_tr), t(y_tr).long())
        self.val = (t(X_va), t(y_va).long())
        self.test = (t(X_te), t(y_te).long())

    def fresh(self, seed: int, member: int) -> tuple[Any, Any]:
        torch = self.torch
        torch.manual_seed(1_000_003 * seed + member)
        model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(),
                                    torch.nn.Linear(32, 10))
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        return model, opt

    def epoch(self, model: Any, opt: Any, lr: float, seed: int, member: int,
              epoch: int) -> None:
        """One pass over the training set; the minibatch order depends on (seed, member,
        epoch) only, so a replayed schedule sees the same batches."""
        torch = self.torch
        for group in opt.param_groups:
            group["lr"] = lr
        X, y = self.train
        g = torch.Generator().manual_seed(7919 * (1_000_003 * seed + member) + epoch)
        order = torch.randperm(len(X), generator=g)
        model.train()
        for i in range(0, len(X), BATCH):
            idx = order[i:i + BATCH]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(X[idx]), y[idx]).backward()
            opt.step()

    def evaluate(self, model: Any) -> dict[str, float]:
        torch = self.torch
        model.eval()
        out = {}
        with torch.no_grad():
            for name, (X, y) in (("val", self.val), ("test", self.test)):
                logits = model(X)
                loss = float(torch.nn.functional.cross_entropy(logits, y))
                out[f"{name}_loss"] = loss if math.isfinite(loss) else 1e9
                out[f"{name}_acc"] = float((logits.argmax(1) == y).float().mean())
        return out


# -- methods -------------------------------------------------------------------------------
def run_tuneforge(seed: int, population: int, epochs: int, interval: int,
                  synchronous: bool) -> dict[str, Any]:
    import tuneforge as tf

    problem = Problem()
    counted = [0]

    def objective(trial: Any) -> float:
        seg = tf.pbt_segment(trial)
        lr = trial.suggest_float("lr", LR_LOW, LR_HIGH, log=True)
        model, opt = problem.fresh(seed, seg.member)
        state = trial.load_checkpoint()
        if state is not None:
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
        for e in range(seg.start_step, seg.end_step):
            problem.epoch(model, opt, lr, seed, seg.member, e)
            counted[0] += 1
        scores = problem.evaluate(model)
        trial.checkpoint({"model": model.state_dict(), "optimizer": opt.state_dict()})
        for k, v in scores.items():
            trial.set_user_attr(k, v)
        return scores["val_loss"]

    pbt = tf.PBT(population_size=population, perturbation_interval=interval,
                 quantile_fraction=0.25, perturbation_factors=(0.8, 1.2),
                 resample_probability=0.25, synchronous=synchronous)
    with tempfile.TemporaryDirectory() as folder:
        study = tf.create_study(direction="minimize", sampler=pbt, seed=seed,
                                storage=f"sqlite:///{folder}/pbt.db")
        t0 = time.perf_counter()
        study.optimize(objective, n_trials=population * (epochs // interval))
        wall = time.perf_counter() - t0
        doc = tf.export_schedules(study)
        trials = study.trials
    last_gen = max(t.system_attrs["pbt_generation"] for t in trials)
    final = [t for t in trials if t.system_attrs["pbt_generation"] == last_gen]
    best = min(final, key=lambda t: t.value)
    chain = doc["members"][str(best.system_attrs["pbt_member"])]["lineage"]
    # best validation loss seen so far against the epochs trained so far (all members)
    curve, best_so_far = [], math.inf
    for i, t in enumerate(trials):
        best_so_far = min(best_so_far, t.value)
        curve.append([(i + 1) * interval, best_so_far])
    return {"val_loss": best.value, "test_loss": best.user_attrs["test_loss"],
            "test_acc": best.user_attrs["test_acc"], "val_acc": best.user_attrs["val_acc"],
            "epochs_trained": counted[0], "final_model_epochs": best.system_attrs["pbt_end_step"],
            "wall_s": wall, "curve": curve,
            "schedule": [[s["start_step"], s["end_step"], s["params"]["lr"], s["event"]]
                         for s in chain],
            "exploits": sum(t.system_attrs["pbt_event"] == "exploit" for t in trials)}


def run_grid(seed: int, population: int, epochs: int, interval: int) -> dict[str, Any]:
    problem = Problem()
    lrs = [LR_LOW * (LR_HIGH / LR_LOW) ** (i / (population - 1)) for i in range(population)]
    results = []
    curve, best_so_far, done = [], math.inf, 0
    t0 = time.perf_counter()
    for member, lr in enumerate(lrs):
        model, opt = problem.fresh(seed, member)
        for e in range(epochs):
            problem.epoch(model, opt, lr, seed, member, e)
            done += 1
            if (e + 1) % interval == 0:
                scores = problem.evaluate(model)
                best_so_far = min(best_so_far, scores["val_loss"])
                curve.append([done, best_so_far])
        results.append(dict(problem.evaluate(model), lr=lr))
    wall = time.perf_counter() - t0
    best = min(results, key=lambda r: r["val_loss"])
    return {"val_loss": best["val_loss"], "test_loss": best["test_loss"],
            "test_acc": best["test_acc"], "val_acc": best["val_acc"], "best_lr": best["lr"],
            "epochs_trained": done, "final_model_epochs": epochs, "wall_s": wall,
            "curve": curve, "per_lr": results}


def run_ray(seed: int, population: int, epochs: int, interval: int) -> dict[str, Any]:
    import random

    import numpy as np
    import ray
    from ray import tune
    from ray.tune.schedulers import PopulationBasedTraining

    problem = Problem()
    log_dir = Path(tempfile.mkdtemp(prefix="pbt-ray-"))
    epoch_log = log_dir / "epochs.log"

    def trainable(config: dict[str, Any]) -> None:
        import torch

        member = int(config["member"])
        model, opt = problem.fresh(seed, member)
        step = 0
        ckpt = tune.get_checkpoint()
        if ckpt is not None:
            with ckpt.as_directory() as d:
                state = torch.load(Path(d) / "state.pt", weights_only=True)
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            step = int(state["step"])
        while step < epochs:
            problem.epoch(model, opt, float(config["lr"]), seed, member, step)
            step += 1
            with epoch_log.open("a") as f:
                f.write("1\n")
            scores = dict(problem.evaluate(model), step=step)
            if step % interval == 0 or step == epochs:
                with tempfile.TemporaryDirectory() as d:
                    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                                "step": step}, Path(d) / "state.pt")
                    tune.report(scores, checkpoint=tune.Checkpoint.from_directory(d))
            else:
                tune.report(scores)

    random.seed(seed)
    np.random.seed(seed)
    # the whole population runs at once, as Ray's PBT expects (with one slot, synchronous
    # PBT pauses and restarts an actor at every interval: > 15 min a seed here)
    ray.init(num_cpus=population, include_dashboard=False, log_to_driver=False,
             configure_logging=False)
    scheduler = PopulationBasedTraining(
        time_attr="training_iteration", perturbation_interval=interval,
        hyperparam_mutations={"lr": tune.loguniform(LR_LOW, LR_HIGH)},
        quantile_fraction=0.25, resample_probability=0.25,
        perturbation_factors=(1.2, 0.8), synch=True)
    tuner = tune.Tuner(
        trainable,
        param_space={"lr": tune.loguniform(LR_LOW, LR_HIGH),
                     "member": tune.grid_search(list(range(population)))},
        tune_config=tune.TuneConfig(scheduler=scheduler, metric="val_loss", mode="min",
                                    num_samples=1, reuse_actors=True),
        run_config=tune.RunConfig(stop={"training_iteration": epochs}, verbose=0,
                                  storage_path=str(log_dir / "ray"),
                                  checkpoint_config=tune.CheckpointConfig(num_to_keep=4)))
    t0 = time.perf_counter()
    grid = tuner.fit()
    wall = time.perf_counter() - t0
    ray.shutdown()
    finals = [r.metrics for r in grid if r.metrics]
    best = min(finals, key=lambda m: m["val_loss"])
    return {"val_loss": best["val_loss"], "test_loss": best["test_loss"],
            "test_acc": best["test_acc"], "val_acc": best["val_acc"],
            "epochs_trained": len(epoch_log.read_text().splitlines()),
            "final_model_epochs": int(best["step"]), "wall_s": wall,
            "ray_version": ray.__version__}


def child(method: str, seed: int, population: int, epochs: int, interval: int) -> None:
    if method == "tuneforge-pbt":
        out = run_tuneforge(seed, population, epochs, interval, synchronous=True)
    elif method == "tuneforge-pbt-async":
        out = run_tuneforge(seed, population, epochs, interval, synchronous=False)
    elif method == "fixed-grid":
        out = run_grid(seed, population, epochs, interval)
    else:
        out = run_ray(seed, population, epochs, interval)
    _env.emit_result(out)


# -- driver --------------------------------------------------------------------------------
def _beats_fixed(ok: list[dict[str, Any]], runs: list[dict[str, Any]]) -> str:
    """On how many of the seeds both ran `ok`'s method reached a lower validation loss
    than the best fixed learning rate, e.g. "6/10"."""
    fixed = {r["seed"]: r["val_loss"] for r in runs
             if r["method"] == "fixed-grid" and r["status"] == "ok"}
    pairs = [(r["val_loss"], fixed[r["seed"]]) for r in ok if r["seed"] in fixed]
    return f"{sum(v < f for v, f in pairs)}/{len(pairs)}" if pairs else "-"


def summarize(runs: list[dict[str, Any]], methods: list[str]) -> str:
    rows = []
    for m in methods:
        ok = [r for r in runs if r["method"] == m and r["status"] == "ok"]
        if not ok:
            why = next((r.get("error", "")[:60] for r in runs if r["method"] == m), "")
            rows.append([m, "-", "-", "-", "-", "-", "-", f"unavailable: {why}"])
            continue
        med = {k: _env.median([r[k] for r in ok]) for k in
               ("val_loss", "test_loss", "test_acc", "epochs_trained", "wall_s")}
        rows.append([m, f"{med['val_loss']:.4f}", f"{med['test_loss']:.4f}",
                     f"{med['test_acc']:.4f}", f"{med['epochs_trained']:.0f}",
                     f"{med['wall_s']:.1f}", _beats_fixed(ok, runs),
                     " ".join(f"{r['seed']}:{r['val_loss']:.4f}" for r in ok)])
    return _env.markdown_table(["method", "val loss (median)", "test loss", "test acc",
                                "epochs trained", "wall s", "seeds below fixed-grid",
                                "val loss per seed"], rows)


def plot(runs: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    colors = {"tuneforge-pbt": "C0", "tuneforge-pbt-async": "C2", "fixed-grid": "C1",
              "ray-pbt": "C3"}
    for m in METHODS:
        ok = [r for r in runs if r["method"] == m and r["status"] == "ok"]
        for i, r in enumerate(ok):
            if "curve" in r:
                x, y = zip(*r["curve"], strict=True)
                a.step(x, y, where="post", color=colors[m], alpha=0.7,
                       label=m if i == 0 else None)
            else:
                a.scatter([r["epochs_trained"]], [r["val_loss"]], color=colors[m],
                          label=m if i == 0 else None)
    a.set_yscale("log")
    a.set_xlabel("epochs trained (all members)")
    a.set_ylabel("best validation cross-entropy so far")
    a.set_title("digits MLP: PBT vs fixed learning rates")
    a.legend()
    for r in runs:
        if r["method"] == "tuneforge-pbt" and r["status"] == "ok":
            xs, ys = [], []
            for start, end, lr, _ in r["schedule"]:
                xs += [start, end]
                ys += [lr, lr]
            b.plot(xs, ys, alpha=0.8, label=f"PBT seed {r['seed']}")
        if r["method"] == "fixed-grid" and r["status"] == "ok":
            b.axhline(r["best_lr"], color="C1", ls="--", alpha=0.6)
    b.set_yscale("log")
    b.set_xlabel("epoch of the final network")
    b.set_ylabel("learning rate")
    b.set_title("best member's schedule (dashed: best fixed lr)")
    b.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog=MODULE, description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--first-seed", type=int, default=0, help="seeds first..first+seeds-1")
    p.add_argument("--population", type=int, default=8)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--interval", type=int, default=3)
    p.add_argument("--methods", default=",".join(METHODS))
    p.add_argument("--out", default=str(DEFAULT_OUT))
    p.add_argument("--plot", default=str(DEFAULT_PLOT))
    p.add_argument("--add", action="store_true",
                   help="keep the other runs already in --out and add (or replace) these")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.epochs % args.interval:
        p.error("--epochs must be a multiple of --interval")
    if args.child:
        child(args.child, args.seed, args.population, args.epochs, args.interval)
        return
    _env.pin_single_thread()
    methods = args.methods.split(",")
    unknown = set(methods) - set(METHODS)
    if unknown:
        p.error(f"unknown methods {sorted(unknown)}; choose from {METHODS}")
    runs = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        for m in methods:
            rec: dict[str, Any] = {"method": m, "seed": seed}
            try:
                rec.update(_env.run_child(MODULE, [
                    "--child", m, "--seed", str(seed), "--population", str(args.population),
                    "--epochs", str(args.epochs), "--interval", str(args.interval)],
                    timeout=900), status="ok")
            except RuntimeError as exc:
                rec.update(status="error", error=str(exc)[-2000:])
            runs.append(rec)
            print(f"{m} seed {seed}: {rec['status']} "
                  f"{rec.get('val_loss', rec.get('error', '')[-200:])}", file=sys.stderr)
    if args.add and Path(args.out).exists():
        import json

        new = {(r["method"], r["seed"]) for r in runs}
        old = json.loads(Path(args.out).read_text())["runs"]
        runs = sorted([r for r in old if (r["method"], r["seed"]) not in new] + runs,
                      key=lambda r: (r["seed"], METHODS.index(r["method"])))
        methods = [m for m in METHODS if any(r["method"] == m for r in runs)]
    seeds = sorted({r["seed"] for r in runs})
    table = summarize(runs, methods)
    payload = {"benchmark": "pbt", "meta": _env.machine_info(MODULE, argv),
               "settings": {"population": args.population, "epochs": args.epochs,
                            "interval": args.interval, "seeds": seeds,
                            "lr": [LR_LOW, LR_HIGH], "batch": BATCH},
               "runs": runs, "table": table}
    _env.write_json(args.out, payload)
    plot(runs, Path(args.plot))
    print(table)


if __name__ == "__main__":
    main()
