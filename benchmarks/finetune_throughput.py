"""Training throughput of `fine_tune` against a hand-written PyTorch loop, same model,
data, optimizer and batch size, side by side in one process (the issue's bar: within 5 %
on a GPU).

    python -m benchmarks.finetune_throughput [--device cpu|cuda] [--epochs 3] [--repeats 3]
        [--batch 64] [--n 2048] [--size 32] [--amp]
        [--out benchmarks/results/finetune-throughput-<device>.json]

The model: a ResNet-style CNN (four stages of two 3x3 convolutions with batch norm,
64-512 channels, about 4.9 M parameters) on random 3 x size x size images, 10 classes,
SGD with momentum. The hand-written loop is the usual one (zero_grad, forward,
cross-entropy, backward, step, per batch; the same index-based batching). Only training
time is compared: `FineTuneResult.samples_per_second` excludes its per-epoch evaluation.
Runs alternate (ours, hand, ours, hand, ...) so a load change hits both; the median of
`repeats` runs is reported.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks import _env

MODULE = "benchmarks.finetune_throughput"


def resnet_like(n_classes: int = 10) -> Any:
    from torch import nn

    def stage(c_in: int, c_out: int, stride: int) -> Any:
        return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
                             nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
                             nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
                             nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))

    return nn.Sequential(stage(3, 64, 1), stage(64, 128, 2), stage(128, 256, 2),
                         stage(256, 512, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(512, n_classes))


def hand_loop(model: Any, X: Any, y: Any, *, epochs: int, batch: int, amp: bool,
              device: Any) -> float:
    """Samples per second of a plain loop (training time only)."""
    import torch

    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    scaler = torch.amp.GradScaler("cuda") if amp and device.type == "cuda" and \
        not torch.cuda.is_bf16_supported() else None
    dtype = torch.bfloat16 if device.type == "cpu" or torch.cuda.is_bf16_supported() \
        else torch.float16
    gen = torch.Generator().manual_seed(0)
    model.train()
    seconds = 0.0
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(X), generator=gen)
        for i in range(0, len(X), batch):
            idx = order[i:i + batch]
            xb, yb = X[idx].to(device, non_blocking=True), y[idx].to(device, non_blocking=True)
            opt.zero_grad(set_to_none=True)
            with torch.autocast(device.type, dtype=dtype, enabled=amp):
                loss = torch.nn.functional.cross_entropy(model(xb), yb)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
            else:
                loss.backward()
                opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        seconds += time.perf_counter() - start
    return len(X) * epochs / seconds


def ours(model: Any, X: Any, y: Any, *, epochs: int, batch: int, amp: bool,
         device: Any) -> float:
    from tuneforge.integrations.torch import FineTuneConfig, fine_tune

    cfg = FineTuneConfig(optimizer="sgd", momentum=0.9, head_lr=0.01, weight_decay=0.0,
                         batch_size=batch, epochs=epochs)
    small = (X[:64], y[:64])  # per-epoch evaluation: not timed, kept small
    result = fine_tune(model, cfg, train=(X, y), validation=small, device=device, amp=amp,
                       train_eval_size=64, restore_best=False, seed=0)
    return result.samples_per_second


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog=MODULE, description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--n", type=int, default=2048)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--amp", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    import torch

    device = torch.device(args.device)
    if device.type == "cpu":
        torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(args.n, 3, args.size, args.size, generator=gen)
    y = torch.randint(0, 10, (args.n,), generator=gen)
    if device.type == "cuda":
        X, y = X.pin_memory(), y.pin_memory()
    runs: dict[str, list[float]] = {"fine_tune": [], "hand-written": []}
    for _ in range(args.repeats):
        for name, fn in (("fine_tune", ours), ("hand-written", hand_loop)):
            torch.manual_seed(0)
            model = resnet_like().to(device)
            runs[name].append(fn(model, X, y, epochs=args.epochs, batch=args.batch,
                                 amp=args.amp, device=device))
    med = {k: statistics.median(v) for k, v in runs.items()}
    ratio = med["fine_tune"] / med["hand-written"]
    text = _env.markdown_table(
        ["loop", "samples/s (median)", "runs"],
        [[k, f"{med[k]:.1f}", ", ".join(f"{v:.1f}" for v in runs[k])] for k in runs])
    print(text)
    print(f"fine_tune / hand-written = {ratio:.3f}")
    payload = {"machine": _env.machine_info(MODULE, argv), "device": str(device),
               "device_name": torch.cuda.get_device_name(device) if device.type == "cuda"
               else _env.cpu_model(), "amp": args.amp, "runs": runs, "median": med,
               "ratio": ratio, "table": text}
    out = args.out or _env.RESULTS_DIR / f"finetune-throughput-{device.type}.json"
    _env.write_json(out, payload)
    return payload


if __name__ == "__main__":
    main()
