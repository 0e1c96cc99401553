"""`FineTuneSpace`: the hyperparameters of fine-tuning as one conditional, define-by-run
search space (no torch needed), and `FineTuneConfig`, the plain values a trial drew.

Conditional parameters are only drawn where they mean something: momentum and Nesterov
for SGD, beta1/beta2 for the Adam family, the warm-up share for warm-up schedules, the
step factor for the step schedule, the unfreezing pace only when something is frozen and
the L2-SP strength only when L2-SP is on. Every sampler works with it: parameters a
sampler cannot model jointly fall back to independent draws, recorded on the trial.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from tuneforge.space import Categorical, Float, Int

ALL_OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")
ALL_SCHEDULES = ("constant", "step", "cosine", "one_cycle", "linear_warmup")
ADAM_FAMILY = ("adam", "adamw")


@dataclass(frozen=True)
class FineTuneConfig:
    """One fine-tuning recipe: what `fine_tune` needs, as plain JSON values.

    `freeze` is how many layer groups from the input stay frozen (the head is never
    frozen); `unfreeze_every` > 0 unfreezes one more group every that many epochs;
    backbone group k (from the head) learns at ``head_lr * lr_decay**k``.
    """

    model: str | None = None
    optimizer: str = "adamw"
    head_lr: float = 1e-3
    lr_decay: float = 1.0
    weight_decay: float = 1e-2
    momentum: float = 0.9
    nesterov: bool = False
    beta1: float = 0.9
    beta2: float = 0.999
    freeze: int = 0
    unfreeze_every: int = 0
    batch_size: int = 32
    epochs: int = 10
    schedule: str = "constant"
    warmup: float = 0.0
    step_gamma: float = 0.1
    dropout: float = 0.0
    l2sp: float = 0.0

    def __post_init__(self) -> None:
        if self.optimizer not in ALL_OPTIMIZERS:
            raise ValueError(f"FineTuneConfig: optimizer must be one of {ALL_OPTIMIZERS}, "
                             f"got {self.optimizer!r}")
        if self.schedule not in ALL_SCHEDULES:
            raise ValueError(f"FineTuneConfig: schedule must be one of {ALL_SCHEDULES}, "
                             f"got {self.schedule!r}")
        for name in ("head_lr", "lr_decay"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and value > 0 and math.isfinite(value)):
                raise ValueError(f"FineTuneConfig: {name} must be a finite number > 0, "
                                 f"got {value!r}")
        for name in ("freeze", "unfreeze_every"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 0:
                raise ValueError(f"FineTuneConfig: {name} must be an integer >= 0, "
                                 f"got {getattr(self, name)!r}")
        for name in ("batch_size", "epochs"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"FineTuneConfig: {name} must be an integer >= 1, "
                                 f"got {getattr(self, name)!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"FineTuneConfig: dropout must be in [0, 1), got {self.dropout!r}")
        if not 0.0 <= self.warmup < 1.0:
            raise ValueError(f"FineTuneConfig: warmup must be in [0, 1), got {self.warmup!r}")
        if self.weight_decay < 0 or self.l2sp < 0:
            raise ValueError("FineTuneConfig: weight_decay and l2sp must be >= 0")

    @property
    def optimizer_name(self) -> str:
        """The `make_optimizer` name: SGD's variant follows from momentum and nesterov."""
        if self.optimizer != "sgd":
            return self.optimizer
        if self.momentum <= 0.0:
            return "sgd"
        return "nesterov" if self.nesterov else "sgd_momentum"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> FineTuneConfig:
        """Rebuild the config from a trial's params (what `FineTuneSpace.suggest` drew);
        parameters the trial did not draw keep their defaults."""
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in params.items() if k in known}
        model = params.get("model")
        for key, value in params.items():  # freeze is per model when several are offered
            if key.startswith("freeze_") and model is not None and key == f"freeze_{model}":
                values["freeze"] = value
        if params.get("sgd_momentum") is False:
            values["momentum"] = 0.0
        return cls(**values)


def _tuple(values: Sequence[Any], name: str) -> tuple[Any, ...]:
    out = tuple(values)
    if not out:
        raise ValueError(f"FineTuneSpace: {name} must not be empty")
    return out


@dataclass(frozen=True)
class FineTuneSpace:
    """The search space of fine-tuning, drawn define-by-run with `suggest(trial)`.

    Ranges (all overridable):

    | parameter | range | when |
    | --- | --- | --- |
    | model | `models` | several models offered |
    | optimizer | sgd, adam, adamw, rmsprop, adagrad | always |
    | head_lr | 1e-5 .. 1e-1, log | always |
    | lr_decay | 0.1 .. 1, log (group k from the head: head_lr * lr_decay^k) | has groups |
    | weight_decay | 1e-6 .. 1e-1, log | always |
    | momentum | 0.8 .. 0.99 (0 when `sgd_momentum` is False) | sgd |
    | nesterov | False, True | sgd with momentum |
    | beta1, beta2 | 0.8 .. 0.95; 0.98, 0.99, 0.999 | adam, adamw |
    | freeze | 0 .. groups of the backbone (all frozen = a linear probe) | always |
    | unfreeze_every | 0 (never), 1, 2, 4 epochs | freeze > 0 |
    | batch_size | 16, 32, 64, 128 | always |
    | epochs | 5 .. 30 (upper bound: early stopping ends sooner) | always |
    | schedule | constant, step, cosine, one_cycle, linear_warmup | always |
    | warmup | 0 .. 0.3 of the steps | cosine, linear_warmup |
    | step_gamma | 0.1 .. 0.5 | step |
    | dropout | 0 .. 0.5 (before the new head) | always |
    | l2sp | 1e-4 .. 1 (L2-SP strength, log) | `l2sp=True` and drawn on |

    `backbone_groups` is the number of layer groups below the head (an int, or one per
    model when several are offered: then the parameter is ``freeze_<model>``).
    """

    backbone_groups: int | Mapping[str, int] = 4
    models: tuple[str, ...] = ()
    optimizers: tuple[str, ...] = ALL_OPTIMIZERS
    schedules: tuple[str, ...] = ALL_SCHEDULES
    head_lr: tuple[float, float] = (1e-5, 1e-1)
    lr_decay: tuple[float, float] = (0.1, 1.0)
    weight_decay: tuple[float, float] = (1e-6, 1e-1)
    momentum: tuple[float, float] = (0.8, 0.99)
    beta1: tuple[float, float] = (0.8, 0.95)
    beta2: tuple[float, ...] = (0.98, 0.99, 0.999)
    batch_sizes: tuple[int, ...] = (16, 32, 64, 128)
    epochs: tuple[int, int] = (5, 30)
    unfreeze_every: tuple[int, ...] = (0, 1, 2, 4)
    warmup: tuple[float, float] = (0.0, 0.3)
    step_gamma: tuple[float, float] = (0.1, 0.5)
    dropout: tuple[float, float] = (0.0, 0.5)
    l2sp: bool = False
    l2sp_range: tuple[float, float] = (1e-4, 1.0)
    fixed: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "models", tuple(self.models))
        for name in ("optimizers", "schedules", "beta2", "batch_sizes", "unfreeze_every"):
            object.__setattr__(self, name, _tuple(getattr(self, name), name))
        bad = [o for o in self.optimizers if o not in ALL_OPTIMIZERS]
        if bad:
            raise ValueError(f"FineTuneSpace: unknown optimizers {bad}; choose from "
                             f"{ALL_OPTIMIZERS}")
        bad = [s for s in self.schedules if s not in ALL_SCHEDULES]
        if bad:
            raise ValueError(f"FineTuneSpace: unknown schedules {bad}; choose from "
                             f"{ALL_SCHEDULES}")
        groups = self.backbone_groups
        if isinstance(groups, Mapping):
            missing = [m for m in self.models if m not in groups]
            if not self.models or missing:
                raise ValueError(f"FineTuneSpace: backbone_groups per model needs every "
                                 f"model of `models`; missing {missing or 'models'}")
            counts = list(groups.values())
        else:
            counts = [groups]
        if any(isinstance(c, bool) or not isinstance(c, int) or c < 0 for c in counts):
            raise ValueError(f"FineTuneSpace: backbone_groups must be integers >= 0, "
                             f"got {groups!r}")
        unknown = sorted(set(self.fixed) - set(FineTuneConfig.__dataclass_fields__))
        if unknown:
            raise ValueError(f"FineTuneSpace: fixed names unknown parameters {unknown}")
        for name in ("head_lr", "lr_decay", "weight_decay", "momentum", "beta1", "warmup",
                     "step_gamma", "dropout", "l2sp_range", "epochs"):
            low, high = getattr(self, name)
            if not low <= high:
                raise ValueError(f"FineTuneSpace: {name} range ({low}, {high}) has low > high")

    def groups_of(self, model: str | None) -> int:
        groups = self.backbone_groups
        if isinstance(groups, Mapping):
            return int(groups[model]) if model is not None else 0
        return int(groups)

    def _float(self, trial: Any, name: str, rng: tuple[float, float], log: bool) -> float:
        low, high = rng
        if low == high:
            return float(low)
        return float(trial.suggest(name, Float(float(low), float(high), log=log)))

    def suggest(self, trial: Any) -> FineTuneConfig:
        """Draw a config from `trial` (any object with ``suggest(name, distribution)``:
        a study's trial, a `FixedTrial`). Names in `fixed` are not drawn."""
        fixed = dict(self.fixed)
        v: dict[str, Any] = {}

        def pick(name: str, make: Any) -> Any:
            v[name] = fixed[name] if name in fixed else make()
            return v[name]

        def cat(name: str, choices: tuple[Any, ...]) -> Any:
            if len(choices) == 1:
                return choices[0]
            return trial.suggest(name, Categorical(choices))

        model = pick("model", lambda: cat("model", self.models) if self.models else None)
        opt = pick("optimizer", lambda: cat("optimizer", self.optimizers))
        pick("head_lr", lambda: self._float(trial, "head_lr", self.head_lr, True))
        n_groups = self.groups_of(model)
        pick("lr_decay", lambda: self._float(trial, "lr_decay", self.lr_decay, True)
             if n_groups > 0 else 1.0)
        pick("weight_decay", lambda: self._float(trial, "weight_decay", self.weight_decay, True))
        if opt == "sgd":
            use = pick("sgd_momentum", lambda: cat("sgd_momentum", (True, False)))
            if use:
                pick("momentum", lambda: self._float(trial, "momentum", self.momentum, False))
                pick("nesterov", lambda: cat("nesterov", (False, True)))
            else:
                v["momentum"], v["nesterov"] = 0.0, False
            v.pop("sgd_momentum")
        if opt in ADAM_FAMILY:
            pick("beta1", lambda: self._float(trial, "beta1", self.beta1, False))
            pick("beta2", lambda: cat("beta2", self.beta2))
        freeze_name = f"freeze_{model}" if isinstance(self.backbone_groups, Mapping) \
            else "freeze"
        v["freeze"] = fixed["freeze"] if "freeze" in fixed else \
            (trial.suggest(freeze_name, Int(0, n_groups)) if n_groups > 0 else 0)
        if v["freeze"] > 0:
            pick("unfreeze_every", lambda: cat("unfreeze_every", self.unfreeze_every))
        pick("batch_size", lambda: cat("batch_size", self.batch_sizes))
        low, high = self.epochs
        pick("epochs", lambda: int(low) if low == high else
             trial.suggest("epochs", Int(int(low), int(high))))
        schedule = pick("schedule", lambda: cat("schedule", self.schedules))
        if schedule in ("cosine", "linear_warmup"):
            pick("warmup", lambda: self._float(trial, "warmup", self.warmup, False))
        if schedule == "step":
            pick("step_gamma", lambda: self._float(trial, "step_gamma", self.step_gamma, False))
        pick("dropout", lambda: self._float(trial, "dropout", self.dropout, False))
        if self.l2sp:
            on = pick("use_l2sp", lambda: cat("use_l2sp", (False, True)))
            v.pop("use_l2sp")
            if on:
                pick("l2sp", lambda: self._float(trial, "l2sp", self.l2sp_range, True))
        for name, value in fixed.items():
            v.setdefault(name, value)
        return FineTuneConfig(**v)


__all__ = ["ADAM_FAMILY", "ALL_OPTIMIZERS", "ALL_SCHEDULES", "FineTuneConfig",
           "FineTuneSpace"]
