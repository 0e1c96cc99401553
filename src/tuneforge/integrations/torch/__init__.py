"""Fine-tuning pretrained PyTorch models: layer groups and freezing, discriminative
learning rates, optimizers and schedules by name, a conditional search space
(`FineTuneSpace`), a training loop that reports, prunes and early-stops, and delta
artifacts that keep only what fine-tuning changed.

torch is an optional extra (``pip install 'tuneforge[torch]'``): importing a name from
here imports torch, ``import tuneforge`` does not. `FineTuneSpace` needs no torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "LayerGroup": "layers", "layer_groups": "layers", "freeze": "layers",
    "unfreeze": "layers", "GradualUnfreezing": "layers", "replace_head": "layers",
    "HeadSwap": "layers", "trainable_names": "layers", "count_parameters": "layers",
    "frozen_norms_to_eval": "layers", "norms_to_eval": "layers",
    "param_groups": "optim", "make_optimizer": "optim", "make_scheduler": "optim",
    "group_lrs": "optim", "lr_factor": "optim", "OPTIMIZERS": "optim", "SCHEDULERS": "optim",
    "FineTuneSpace": "space", "FineTuneConfig": "space",
    "fine_tune": "loop", "FineTuneResult": "loop", "SourceTask": "loop",
    "seed_everything": "loop", "accuracy": "loop",
    "l2sp_penalty": "penalties",
    "DeltaStore": "delta", "DeltaRef": "delta", "state_delta": "delta",
    "save_trial_delta": "delta", "load_trial_model": "delta",
    "LightningPruningCallback": "lightning",
    "TrainerPruningCallback": "transformers", "trainer_optimizers": "transformers",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
