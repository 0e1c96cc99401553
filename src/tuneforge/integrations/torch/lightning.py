"""PyTorch Lightning: report a logged validation metric to a trial after every
validation run (step = epoch, from 1, as `fine_tune` does) and prune.

    trainer = lightning.pytorch.Trainer(max_epochs=20, callbacks=[
        LightningPruningCallback(trial, monitor="val_acc")])

Lightning is an optional extra (``pip install 'tuneforge[lightning]'``; the
``lightning`` package or the older ``pytorch_lightning`` one); this module imports it,
``import tuneforge`` does not.
"""

from __future__ import annotations

from typing import Any

from tuneforge.exceptions import TrialPruned, missing_extra


def _import_lightning() -> Any:
    """The `lightning.pytorch` namespace (the `lightning` package) or `pytorch_lightning`."""
    import importlib

    for name in ("lightning.pytorch", "pytorch_lightning"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None  # the class still exists; making one names the extra


_pl: Any = _import_lightning()

_Base: Any = _pl.Callback if _pl is not None else object


class LightningPruningCallback(_Base):
    """Reports ``trainer.callback_metrics[monitor]`` (a value logged with
    ``self.log(monitor, ...)`` in ``validation_step``) and raises TrialPruned when the
    trial's pruner says so. The sanity-check validation before training is skipped."""

    def __init__(self, trial: Any, monitor: str) -> None:
        if _pl is None:
            raise missing_extra("lightning", "lightning")
        super().__init__()
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(f"LightningPruningCallback: monitor must be a metric name, "
                             f"got {monitor!r}")
        self.trial = trial
        self.monitor = monitor

    def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
        if trainer.sanity_checking:
            return
        metrics = trainer.callback_metrics
        if self.monitor not in metrics:
            raise KeyError(f"LightningPruningCallback: metric {self.monitor!r} was not logged "
                           f"in validation; logged: {sorted(metrics)}")
        value = float(metrics[self.monitor])
        epoch = int(trainer.current_epoch) + 1
        self.trial.report(value, epoch)
        if self.trial.should_prune():
            raise TrialPruned(f"pruned at epoch {epoch} ({self.monitor}={value:.6g})")


__all__ = ["LightningPruningCallback"]
