"""Hugging Face `transformers.Trainer` with our parameter groups, optimizer and schedule,
without subclassing the Trainer, plus a pruning callback.

    optimizer, scheduler = trainer_optimizers(model, config, num_training_steps=steps)
    trainer = transformers.Trainer(model=model, args=args, train_dataset=train,
                                   eval_dataset=val, optimizers=(optimizer, scheduler),
                                   callbacks=[TrainerPruningCallback(trial, "eval_loss")])

The Trainer takes a ready ``(optimizer, scheduler)`` pair: ours carries the discriminative
learning rates, the no-decay groups and any schedule of `make_scheduler`, stepped once
per optimizer step as the Trainer does. transformers is an optional extra
(``pip install 'tuneforge[transformers]'``); `trainer_optimizers` needs only torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tuneforge.exceptions import TrialPruned, missing_extra
from tuneforge.integrations.torch.layers import LayerGroup, freeze, layer_groups, unfreeze
from tuneforge.integrations.torch.optim import config_optimizer, make_scheduler
from tuneforge.integrations.torch.space import FineTuneConfig

_tr: Any
try:  # bound through a second name: mypy accepts it with or without the package
    import transformers

    _tr = transformers
except ImportError:
    _tr = None

_Base: Any = _tr.TrainerCallback if _tr is not None else object


def trainer_optimizers(model: Any, config: FineTuneConfig, *, num_training_steps: int,
                       groups: Sequence[LayerGroup] | None = None) -> tuple[Any, Any]:
    """Freeze the first ``config.freeze`` layer groups and build the optimizer (parameter
    groups with ``head_lr * lr_decay**k``) and the schedule over `num_training_steps`
    optimizer steps, for ``Trainer(optimizers=...)``."""
    groups = list(groups) if groups is not None else layer_groups(model)
    if config.freeze >= len(groups):
        raise ValueError(f"trainer_optimizers: config.freeze={config.freeze} would freeze "
                         f"the head; the model has {len(groups)} layer groups")
    unfreeze(model, groups=groups)
    freeze(model, config.freeze, groups=groups)
    optimizer = config_optimizer(model, config, groups)
    scheduler = make_scheduler(config.schedule, optimizer, total_steps=num_training_steps,
                               warmup_steps=int(config.warmup * num_training_steps),
                               gamma=config.step_gamma)
    return optimizer, scheduler


class TrainerPruningCallback(_Base):
    """After each evaluation, reports ``metrics[metric]`` (e.g. "eval_loss",
    "eval_accuracy") at step = the Trainer's global step and raises TrialPruned when the
    trial's pruner says so."""

    def __init__(self, trial: Any, metric: str) -> None:
        if _tr is None:
            raise missing_extra("transformers", "transformers")
        super().__init__()
        self.trial = trial
        self.metric = metric

    def on_evaluate(self, args: Any, state: Any, control: Any, metrics: Any = None,
                    **kwargs: Any) -> None:
        metrics = metrics or {}
        if self.metric not in metrics:
            raise KeyError(f"TrainerPruningCallback: metric {self.metric!r} not in the "
                           f"evaluation's metrics {sorted(metrics)}")
        value = float(metrics[self.metric])
        step = int(state.global_step)
        self.trial.report(value, step)
        if self.trial.should_prune():
            raise TrialPruned(f"pruned at step {step} ({self.metric}={value:.6g})")


__all__ = ["TrainerPruningCallback", "trainer_optimizers"]
