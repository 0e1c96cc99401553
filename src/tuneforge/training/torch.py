"""A PyTorch epoch loop with early stopping (state_dict restore) and trial reporting.

torch is an optional extra (``pip install 'tuneforge[torch]'``), imported when a loop
runs, never by ``import tuneforge``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from tuneforge.exceptions import TrialPruned, missing_extra
from tuneforge.training.early_stopping import EarlyStopping
from tuneforge.training.sklearn import TrainingLog


def require_torch() -> Any:
    """The torch module, or MissingExtraError naming the `torch` extra."""
    try:
        import torch
    except ImportError:
        raise missing_extra("torch", "torch") from None
    return torch


def fit_torch(model: Any, *, optimizer: Any, loss_fn: Callable[[Any, Any], Any],
              train_batches: Callable[[], Iterable[tuple[Any, Any]]],
              validate: Callable[[Any], float], max_epochs: int,
              early_stopping: EarlyStopping | None = None,
              trial: Any = None) -> tuple[Any, TrainingLog]:
    """Train `model` for up to `max_epochs` epochs: each epoch one pass over
    `train_batches()` ((inputs, targets) pairs), then `validate(model)` gives the score
    reported to `trial` (step = epoch, from 1) and fed to `early_stopping`, which keeps
    the best `state_dict()` and loads it back at the end."""
    torch = require_torch()
    if max_epochs < 1:
        raise ValueError(f"max_epochs must be >= 1, got {max_epochs!r}")
    log = TrainingLog()
    for epoch in range(1, max_epochs + 1):
        model.train()
        for inputs, targets in train_batches():
            optimizer.zero_grad()
            loss_fn(model(inputs), targets).backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            score = float(validate(model))
        log.steps.append(epoch)
        log.scores.append(score)
        if trial is not None:
            trial.report(score, epoch)
            if trial.should_prune():
                raise TrialPruned(f"pruned at epoch {epoch} (validation score {score:.6g})")
        if early_stopping is not None and early_stopping.step(score, model):
            log.stopped_early = True
            break
    if early_stopping is not None and early_stopping.best_step is not None:
        log.best_step = log.steps[early_stopping.best_step]
        if early_stopping.best_state is not None:
            early_stopping.restore(model)
    return model, log
