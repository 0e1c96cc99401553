"""`fine_tune`: train a model with a `FineTuneConfig` as a good citizen of a study.

Each epoch it reports the validation metric to the trial (step = epoch, from 1) and
stops with TrialPruned when the pruner says so; early stopping (patience, min delta)
ends it sooner and the best epoch's weights are put back. It measures fine-tuning's
failure modes on every trial: the train/validation gap (overfitting) and, given the
source task's data and head, how much of the source task is forgotten. It uses the GPU
when there is one (mixed precision, gradient accumulation for batches that do not fit),
frees its memory at the end, and seeds every generator it uses.
"""

from __future__ import annotations

import gc
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tuneforge.exceptions import TrialPruned
from tuneforge.integrations.torch._torch import torch
from tuneforge.integrations.torch.layers import (
    GradualUnfreezing,
    LayerGroup,
    freeze,
    frozen_norms_to_eval,
    layer_groups,
    norms_to_eval,
    set_submodule,
    unfreeze,
)
from tuneforge.integrations.torch.optim import config_optimizer, make_scheduler
from tuneforge.integrations.torch.penalties import l2sp_penalty
from tuneforge.integrations.torch.space import FineTuneConfig
from tuneforge.training.early_stopping import EarlyStopping
from tuneforge.training.sklearn import TrainingLog

Metric = Callable[[Any, Any], float]


def seed_everything(seed: int) -> None:
    """Seed Python's, numpy's global and torch's generators (every CUDA device too)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def accuracy(logits: Any, targets: Any) -> float:
    """Share of rows whose arg-max logit is the target class."""
    return float((logits.argmax(dim=1) == targets).float().mean().item())


@dataclass(frozen=True)
class SourceTask:
    """The source task's validation data and its head, to measure forgetting: the head
    is put back at `path` (where `replace_head` swapped it) while the data is scored."""

    inputs: Any
    targets: Any
    head: Any
    path: str


@dataclass
class FineTuneResult:
    """What one fine-tuning run did and measured (scores are the validation metric)."""

    model: Any
    config: FineTuneConfig
    log: TrainingLog
    train_scores: list[float] = field(default_factory=list)
    source_scores: list[float] = field(default_factory=list)
    source_before: float | None = None
    best_score: float = float("nan")
    best_epoch: int = 0
    gap: float = float("nan")
    overfitting: bool = False
    forgetting: float | None = None
    diverged: bool = False
    seconds: float = 0.0
    samples_per_second: float = 0.0
    device: str = "cpu"

    def attrs(self) -> dict[str, Any]:
        """The measurements as JSON values (what `fine_tune` stores on the trial)."""
        out: dict[str, Any] = {
            "best_epoch": self.best_epoch, "train_score": _finite(self.train_scores,
                                                                  self.best_epoch),
            "gap": None if math.isnan(self.gap) else self.gap,
            "overfitting": self.overfitting, "diverged": self.diverged,
            "epochs_run": len(self.log.steps), "samples_per_second": self.samples_per_second,
        }
        if self.source_before is not None:
            out["source_before"] = self.source_before
            out["source_score"] = _finite(self.source_scores, self.best_epoch)
            out["forgetting"] = self.forgetting
        return out


def _finite(scores: Sequence[float], epoch: int) -> float | None:
    if not 1 <= epoch <= len(scores):
        return None
    value = scores[epoch - 1]
    return None if math.isnan(value) else value


# -- data ----------------------------------------------------------------------------------
def _is_pair(data: Any) -> bool:
    return isinstance(data, (tuple, list)) and len(data) == 2 and \
        all(isinstance(t, torch.Tensor) for t in data)


def _check_data(data: Any, name: str) -> None:
    if _is_pair(data):
        if len(data[0]) != len(data[1]):
            raise ValueError(f"fine_tune: {name} has {len(data[0])} inputs but "
                             f"{len(data[1])} targets")
        if len(data[0]) == 0:
            raise ValueError(f"fine_tune: {name} is empty")
        return
    if not hasattr(data, "__getitem__") or not hasattr(data, "__len__"):
        raise TypeError(f"fine_tune: {name} must be an (inputs, targets) pair of tensors or "
                        f"a torch Dataset, got {type(data).__name__}")


def _batches(data: Any, batch_size: int, generator: Any, shuffle: bool) -> Any:
    """(inputs, targets) batches: tensor pairs are indexed directly (no DataLoader
    overhead); a Dataset goes through a DataLoader with the seeded generator."""
    if _is_pair(data):
        inputs, targets = data
        n = len(inputs)
        order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            yield inputs[idx], targets[idx]
        return
    loader = torch.utils.data.DataLoader(data, batch_size=batch_size, shuffle=shuffle,
                                         generator=generator if shuffle else None)
    yield from loader


def _size(data: Any) -> int:
    return len(data[0]) if _is_pair(data) else len(data)


def _subset(data: Any, n: int, generator: Any) -> Any:
    """At most `n` rows of `data`, drawn once (the train metric's sample)."""
    total = _size(data)
    if total <= n:
        return data
    idx = torch.randperm(total, generator=generator)[:n]
    if _is_pair(data):
        return data[0][idx], data[1][idx]
    return torch.utils.data.Subset(data, idx.tolist())


def evaluate(model: Any, data: Any, metric: Metric, *, batch_size: int = 512,
             device: Any = None) -> float:
    """`metric(outputs, targets)` over all of `data`, in eval mode without gradients."""
    device = device if device is not None else next(model.parameters()).device
    was_training = model.training
    model.eval()
    outs, targets = [], []
    with torch.no_grad():
        for x, y in _batches(data, batch_size, None, shuffle=False):
            outs.append(model(x.to(device)).float().cpu())
            targets.append(y)
    model.train(was_training)
    return float(metric(torch.cat(outs), torch.cat(targets)))


def _source_score(model: Any, source: SourceTask, metric: Metric, batch_size: int,
                  device: Any) -> float:
    current = model.get_submodule(source.path)
    set_submodule(model, source.path, source.head.to(device))
    try:
        return evaluate(model, (source.inputs, source.targets), metric,
                        batch_size=batch_size, device=device)
    finally:
        set_submodule(model, source.path, current)


# -- the loop ------------------------------------------------------------------------------
def fine_tune(model: Any, config: FineTuneConfig, *, train: Any, validation: Any,
              groups: Sequence[LayerGroup] | None = None, trial: Any = None,
              loss_fn: Callable[[Any, Any], Any] | None = None,
              metric: Metric = accuracy, mode: str = "max",
              patience: int | None = None, min_delta: float = 0.0,
              restore_best: bool = True, source: SourceTask | None = None,
              device: str | Any | None = None, amp: bool | None = None,
              max_batch_size: int | None = None, seed: int | None = None,
              overfit_gap: float = 0.1, train_eval_size: int = 1024,
              eval_batch_size: int = 512, freeze_norm_stats: bool = True,
              norm_eval: bool = False) -> FineTuneResult:
    """Fine-tune `model` with `config`; returns a `FineTuneResult` (the model holds the
    best epoch's weights when `restore_best`).

    `train` and `validation` are (inputs, targets) tensor pairs or torch Datasets;
    `groups` are the layer groups, input first, head last (default `layer_groups`):
    the first ``config.freeze`` are frozen, the others trainable. `metric(outputs,
    targets)` is the validation score (`mode` "max": higher is better; default accuracy),
    `loss_fn` the training loss (default cross-entropy). `patience` / `min_delta` stop
    early; `max_batch_size` splits larger batches into accumulated micro-batches. Frozen
    normalization layers keep their running statistics (`freeze_norm_stats`); `norm_eval`
    keeps every normalization layer's statistics fixed (small batches, shifted inputs). The
    device defaults to CUDA when available, with mixed precision (`amp`) there.
    `seed` defaults to the trial's number (0 without a trial). Per trial, the measurements
    go to user attributes (`FineTuneResult.attrs`), the config to ``finetune_config``.
    """
    if not isinstance(config, FineTuneConfig):
        raise TypeError(f"fine_tune: config must be a FineTuneConfig, got "
                        f"{type(config).__name__}")
    if mode not in ("max", "min"):
        raise ValueError(f"fine_tune: mode must be 'max' or 'min', got {mode!r}")
    if max_batch_size is not None and (isinstance(max_batch_size, bool) or
                                       not isinstance(max_batch_size, int) or
                                       max_batch_size < 1):
        raise ValueError(f"fine_tune: max_batch_size must be an integer >= 1, "
                         f"got {max_batch_size!r}")
    _check_data(train, "train")
    _check_data(validation, "validation")
    groups = list(groups) if groups is not None else layer_groups(model)
    if config.freeze >= len(groups):
        raise ValueError(f"fine_tune: config.freeze={config.freeze} would freeze the head; "
                         f"the model has {len(groups)} layer groups (head included), so "
                         f"freeze at most {len(groups) - 1}")
    seed = seed if seed is not None else (int(trial.number) if trial is not None else 0)
    seed_everything(seed)
    generator = torch.Generator().manual_seed(seed)
    loss_fn = loss_fn if loss_fn is not None else torch.nn.functional.cross_entropy
    home = next(model.parameters()).device
    dev = torch.device(device if device is not None else
                       ("cuda" if torch.cuda.is_available() else "cpu"))
    use_amp = bool(amp) if amp is not None else dev.type == "cuda"
    amp_dtype = torch.bfloat16 if dev.type == "cpu" or torch.cuda.is_bf16_supported() \
        else torch.float16
    model.to(dev)
    if trial is not None:
        trial.set_user_attr("finetune_config", config.to_json())

    unfreeze(model, groups=groups)
    freeze(model, config.freeze, groups=groups)
    gradual = GradualUnfreezing(groups, frozen=config.freeze, every=config.unfreeze_every) \
        if config.freeze and config.unfreeze_every else None
    reference = None
    if config.l2sp > 0:
        head = set(groups[-1].params)
        reference = {n: p.detach().clone() for n, p in model.named_parameters()
                     if n not in head}
    optimizer = config_optimizer(model, config, groups)
    n_train = _size(train)
    steps_per_epoch = math.ceil(n_train / config.batch_size)
    total = steps_per_epoch * config.epochs
    scheduler = make_scheduler(config.schedule, optimizer, total_steps=total,
                               warmup_steps=int(config.warmup * total),
                               gamma=config.step_gamma)
    scaler = torch.amp.GradScaler("cuda") if use_amp and amp_dtype == torch.float16 else None
    stopper = EarlyStopping(patience if patience is not None else config.epochs + 1,
                            min_delta=min_delta, mode=mode, restore_best=restore_best)
    train_sample = _subset(train, train_eval_size, torch.Generator().manual_seed(seed + 1))
    result = FineTuneResult(model=model, config=config, log=TrainingLog(), device=str(dev))
    if source is not None:
        result.source_before = _source_score(model, source, metric, eval_batch_size, dev)
    micro = max_batch_size or config.batch_size
    train_seconds = 0.0
    started = time.perf_counter()
    try:
        for epoch in range(1, config.epochs + 1):
            if gradual is not None:
                gradual.apply(model, epoch)
            model.train()
            if norm_eval:
                norms_to_eval(model)
            elif freeze_norm_stats:
                frozen_norms_to_eval(model)
            tick = time.perf_counter()
            for inputs, targets in _batches(train, config.batch_size, generator, True):
                inputs, targets = inputs.to(dev, non_blocking=True), \
                    targets.to(dev, non_blocking=True)
                loss_value = 0.0
                for start in range(0, len(inputs), micro):
                    x, y = inputs[start:start + micro], targets[start:start + micro]
                    with torch.autocast(dev.type, dtype=amp_dtype, enabled=use_amp):
                        loss = loss_fn(model(x), y) * (len(x) / len(inputs))
                    if reference is not None and start == 0:
                        loss = loss + l2sp_penalty(model, reference, config.l2sp)
                    (scaler.scale(loss) if scaler is not None else loss).backward()
                    loss_value += float(loss.detach())
                if not math.isfinite(loss_value):
                    result.diverged = True
                    optimizer.zero_grad(set_to_none=True)
                    break
                if scaler is not None:
                    scaler.step(optimizer)
                    scaler.update()
                else:
                    optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                scheduler.step()
            if dev.type == "cuda":
                torch.cuda.synchronize(dev)
            train_seconds += time.perf_counter() - tick
            score = evaluate(model, validation, metric, batch_size=eval_batch_size, device=dev)
            result.train_scores.append(evaluate(model, train_sample, metric,
                                                batch_size=eval_batch_size, device=dev))
            if source is not None:
                result.source_scores.append(_source_score(model, source, metric,
                                                          eval_batch_size, dev))
            result.log.steps.append(epoch)
            result.log.scores.append(score)
            if trial is not None:
                trial.report(score, epoch)
                if trial.should_prune():
                    _summarize(result, stopper, mode, overfit_gap, False)
                    _store(trial, result)
                    raise TrialPruned(f"pruned at epoch {epoch} (validation score "
                                      f"{score:.6g})")
            if stopper.step(score, model):
                result.log.stopped_early = True
                break
            if result.diverged:
                break
        _summarize(result, stopper, mode, overfit_gap, restore_best)
        result.samples_per_second = (n_train * len(result.log.steps) / train_seconds
                                     if train_seconds > 0 else 0.0)
        result.seconds = time.perf_counter() - started
        if trial is not None:
            _store(trial, result)
        return result
    finally:
        del optimizer, scheduler, scaler, reference
        model.to(home)
        if dev.type == "cuda":
            gc.collect()
            torch.cuda.empty_cache()


def _summarize(result: FineTuneResult, stopper: EarlyStopping, mode: str,
               overfit_gap: float, restore: bool) -> None:
    """Best epoch, its gap and forgetting; the best weights loaded back when `restore`."""
    if stopper.best_step is None:  # every score was NaN
        return
    result.log.best_step = result.log.steps[stopper.best_step]
    result.best_epoch = result.log.best_step
    result.best_score = float(stopper.best_score) if stopper.best_score is not None \
        else float("nan")
    if restore and stopper.best_state is not None:
        stopper.restore(result.model)
    train_score = result.train_scores[stopper.best_step]
    sign = 1.0 if mode == "max" else -1.0
    result.gap = sign * (train_score - result.best_score)
    result.overfitting = bool(result.gap > overfit_gap)
    if result.source_before is not None and result.source_scores:
        result.forgetting = sign * (result.source_before - result.source_scores[stopper.best_step])


def _store(trial: Any, result: FineTuneResult) -> None:
    for key, value in result.attrs().items():
        trial.set_user_attr(key, value)


__all__ = ["FineTuneResult", "Metric", "SourceTask", "accuracy", "evaluate", "fine_tune",
           "seed_everything"]
