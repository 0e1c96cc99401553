"""Parameter groups with discriminative learning rates, and optimizer and schedule
factories by name, so that the optimizer and its schedule can be hyperparameters.

`param_groups` gives group k, counted from the head (k = 0), the learning rate
``head_lr * decay**k`` (ULMFiT's discriminative fine-tuning): pretrained layers near the
input, whose features are the most general, move the least. Biases and normalization
scales/shifts get no weight decay (decaying them towards 0 only hurts).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from tuneforge.integrations.torch._torch import torch
from tuneforge.integrations.torch.layers import NORM_TYPES, LayerGroup, layer_groups

if TYPE_CHECKING:
    from tuneforge.integrations.torch.space import FineTuneConfig

OPTIMIZERS = ("sgd", "sgd_momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad")
SCHEDULERS = ("constant", "step", "cosine", "one_cycle", "linear_warmup")


def no_decay_names(model: Any) -> set[str]:
    """Parameters that should get no weight decay: biases, one-dimensional tensors and
    every parameter of a normalization layer."""
    out = set()
    for mod_name, module in model.named_modules():
        for p_name, param in module.named_parameters(recurse=False):
            full = f"{mod_name}.{p_name}" if mod_name else p_name
            if isinstance(module, NORM_TYPES) or p_name.endswith("bias") or param.ndim <= 1:
                out.add(full)
    return out


def group_lrs(head_lr: float, decay: float, n_groups: int) -> list[float]:
    """Learning rate of each group, input first: ``head_lr * decay**k`` with k counted
    from the head (the last group gets `head_lr`)."""
    return [head_lr * decay ** (n_groups - 1 - i) for i in range(n_groups)]


def param_groups(model: Any, head_lr: float, decay: float = 1.0, *,
                 groups: Sequence[LayerGroup] | None = None,
                 weight_decay: float | Sequence[float] = 0.0,
                 trainable_only: bool = False) -> list[dict[str, Any]]:
    """Optimizer parameter groups: for each layer group (input first) one dict with the
    decayed parameters and one with the rest (biases, norms: ``weight_decay=0``), each
    with its ``lr``, ``weight_decay`` and a ``name`` ("<group>" or "<group>/no_decay").

    `weight_decay` is one value or one per layer group. Frozen parameters are included
    unless `trainable_only` (they get no gradient, so the optimizer leaves them alone,
    and gradual unfreezing needs no new optimizer)."""
    head_lr = _positive(head_lr, "head_lr")
    decay = _positive(decay, "decay")
    groups = list(groups) if groups is not None else layer_groups(model)
    if isinstance(weight_decay, (int, float)):
        decays = [float(weight_decay)] * len(groups)
    else:
        decays = [float(w) for w in weight_decay]
        if len(decays) != len(groups):
            raise ValueError(f"param_groups: {len(decays)} weight decays for "
                             f"{len(groups)} layer groups")
    if any(not (w >= 0 and math.isfinite(w)) for w in decays):
        raise ValueError(f"param_groups: weight_decay must be finite and >= 0, got {decays}")
    params = dict(model.named_parameters())
    seen: set[str] = set()
    skip = no_decay_names(model)
    out: list[dict[str, Any]] = []
    for group, lr, wd in zip(groups, group_lrs(head_lr, decay, len(groups)), decays,
                             strict=True):
        missing = [n for n in group.params if n not in params]
        if missing:
            raise KeyError(f"param_groups: group {group.name!r} names parameters the model "
                           f"does not have: {missing[:5]}")
        twice = [n for n in group.params if n in seen]
        if twice:
            raise ValueError(f"param_groups: parameters in more than one group: {twice[:5]}")
        seen.update(group.params)
        chosen = [n for n in group.params if params[n].requires_grad or not trainable_only]
        with_decay = [params[n] for n in chosen if n not in skip]
        without = [params[n] for n in chosen if n in skip]
        if with_decay:
            out.append({"params": with_decay, "lr": lr, "weight_decay": wd,
                        "name": group.name})
        if without:
            out.append({"params": without, "lr": lr, "weight_decay": 0.0,
                        "name": f"{group.name}/no_decay"})
    if not out:
        raise ValueError("param_groups: no parameter to optimize (everything is frozen)")
    return out


def _positive(value: Any, name: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not (out > 0 and math.isfinite(out)):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return out


def make_optimizer(name: str, params: Iterable[Any], *, lr: float = 1e-3,
                   momentum: float = 0.9, betas: tuple[float, float] = (0.9, 0.999),
                   eps: float | None = None, alpha: float = 0.99,
                   weight_decay: float = 0.0) -> Any:
    """A torch optimizer by name: "sgd" (no momentum), "sgd_momentum", "nesterov",
    "adam" (L2 weight decay), "adamw" (decoupled weight decay), "rmsprop", "adagrad".

    `params` is what torch takes: parameters or parameter-group dicts (`param_groups`);
    `lr` and `weight_decay` are the defaults for groups that do not set their own.
    `momentum` is used by the SGD variants and RMSprop, `betas` by the Adam family,
    `alpha` (the squared-gradient average) by RMSprop."""
    if name not in OPTIMIZERS:
        raise ValueError(f"make_optimizer: unknown optimizer {name!r}; choose one of "
                         f"{list(OPTIMIZERS)}")
    lr = _positive(lr, "lr")
    if not 0.0 <= float(momentum) < 1.0:
        raise ValueError(f"make_optimizer: momentum must be in [0, 1), got {momentum!r}")
    b1, b2 = (float(b) for b in betas)
    if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
        raise ValueError(f"make_optimizer: betas must be in [0, 1), got {betas!r}")
    params = list(params)
    if not params:
        raise ValueError("make_optimizer: no parameters to optimize")
    optim = torch.optim
    if name in ("sgd", "sgd_momentum", "nesterov"):
        mom = 0.0 if name == "sgd" else float(momentum)
        if name == "nesterov" and mom == 0.0:
            raise ValueError("make_optimizer: nesterov needs momentum > 0")
        return optim.SGD(params, lr=lr, momentum=mom, nesterov=name == "nesterov",
                         weight_decay=weight_decay)
    extra: dict[str, Any] = {} if eps is None else {"eps": float(eps)}
    if name == "adam":
        return optim.Adam(params, lr=lr, betas=(b1, b2), weight_decay=weight_decay, **extra)
    if name == "adamw":
        return optim.AdamW(params, lr=lr, betas=(b1, b2), weight_decay=weight_decay, **extra)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr, alpha=float(alpha), momentum=float(momentum),
                             weight_decay=weight_decay, **extra)
    return optim.Adagrad(params, lr=lr, weight_decay=weight_decay, **extra)


# -- schedules ---------------------------------------------------------------------------
def lr_factor(name: str, step: int, total_steps: int, *, warmup_steps: int = 0,
              step_every: int = 1, gamma: float = 0.1, min_factor: float = 0.0) -> float:
    """The multiplier of each group's base learning rate at optimizer step `step` (from
    0) of `total_steps`, for the LambdaLR schedules: "constant"; "step" (times `gamma`
    every `step_every` steps); "cosine" (half a cosine from 1 to `min_factor`, after an
    optional linear warm-up); "linear_warmup" (0 -> 1 over `warmup_steps`, then linearly
    down to `min_factor` at the last step, the schedule BERT was fine-tuned with)."""
    if step < warmup_steps:
        return (step + 1) / (warmup_steps + 1)
    if name == "constant":
        return 1.0
    if name == "step":
        return float(gamma ** ((step - warmup_steps) // max(step_every, 1)))
    span = max(total_steps - warmup_steps - 1, 1)
    frac = min((step - warmup_steps) / span, 1.0)
    if name == "cosine":
        return min_factor + (1.0 - min_factor) * 0.5 * (1.0 + math.cos(math.pi * frac))
    if name == "linear_warmup":
        return 1.0 - (1.0 - min_factor) * frac
    raise ValueError(f"lr_factor: unknown schedule {name!r}")


def make_scheduler(name: str, optimizer: Any, *, total_steps: int,
                   warmup_steps: int = 0, step_every: int | None = None,
                   gamma: float = 0.1, min_factor: float = 0.0,
                   pct_start: float = 0.3) -> Any:
    """A learning-rate schedule stepped once per optimizer step (call ``.step()`` after
    ``optimizer.step()``): "constant", "step", "cosine", "linear_warmup" (see
    `lr_factor`) or "one_cycle" (torch's OneCycleLR peaking at each group's own
    learning rate after `pct_start` of the steps, momentum cycled inversely).
    `step_every` defaults to a third of the steps."""
    if name not in SCHEDULERS:
        raise ValueError(f"make_scheduler: unknown schedule {name!r}; choose one of "
                         f"{list(SCHEDULERS)}")
    if isinstance(total_steps, bool) or not isinstance(total_steps, int) or total_steps < 1:
        raise ValueError(f"make_scheduler: total_steps must be an integer >= 1, "
                         f"got {total_steps!r}")
    if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, int) or \
            warmup_steps < 0 or (warmup_steps and warmup_steps >= total_steps):
        raise ValueError(f"make_scheduler: warmup_steps must be in [0, total_steps), got "
                         f"{warmup_steps!r} with total_steps={total_steps}")
    sched = torch.optim.lr_scheduler
    if name == "one_cycle":
        if not 0.0 < pct_start < 1.0:
            raise ValueError(f"make_scheduler: pct_start must be in (0, 1), got {pct_start!r}")
        cycle = "momentum" in optimizer.defaults or "betas" in optimizer.defaults
        return sched.OneCycleLR(optimizer, max_lr=[g["lr"] for g in optimizer.param_groups],
                                total_steps=total_steps, pct_start=pct_start,
                                cycle_momentum=cycle and _has_momentum(optimizer))
    every = step_every if step_every is not None else max(total_steps // 3, 1)

    def factor(step: int) -> float:
        return lr_factor(name, step, total_steps, warmup_steps=warmup_steps,
                         step_every=every, gamma=gamma, min_factor=min_factor)

    return sched.LambdaLR(optimizer, factor)


def _has_momentum(optimizer: Any) -> bool:
    """OneCycleLR cycles `momentum` (or beta1); plain SGD without momentum has none."""
    if "betas" in optimizer.defaults:
        return True
    return float(optimizer.defaults.get("momentum", 0.0)) > 0.0


def current_lrs(optimizer: Any) -> dict[str, float]:
    """Learning rate of each parameter group by its ``name`` (or its index)."""
    return {str(g.get("name", i)): float(g["lr"]) for i, g in enumerate(optimizer.param_groups)}


__all__ = ["OPTIMIZERS", "SCHEDULERS", "current_lrs", "group_lrs", "lr_factor",
           "make_optimizer", "make_scheduler", "no_decay_names", "param_groups"]


def config_optimizer(model: Any, config: FineTuneConfig, groups: Sequence[LayerGroup]) -> Any:
    """The optimizer a FineTuneConfig describes over `groups` (discriminative learning
    rates, momentum only for SGD): one recipe for `fine_tune` and the Trainer adapter."""
    return make_optimizer(
        config.optimizer_name,
        param_groups(model, config.head_lr, config.lr_decay, groups=groups,
                     weight_decay=config.weight_decay),
        lr=config.head_lr, momentum=config.momentum if config.optimizer == "sgd" else 0.0,
        betas=(config.beta1, config.beta2), weight_decay=config.weight_decay)
