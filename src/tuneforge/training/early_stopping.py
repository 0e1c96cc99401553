"""Early stopping inside one training run: patience, min delta, and the best state kept.

Usable without a study: call `step(score, model)` once per epoch (or boosting round);
it returns True when the score has not improved by more than `min_delta` for `patience`
calls in a row. With `restore_best`, the model's state at the best step is kept (a torch
module's or optimizer's `state_dict()` cloned; any other object deep-copied) and
`restore(model)` puts it back.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from tuneforge.math.numbers import to_float


class EarlyStopping:
    """Stop when `patience` steps in a row bring no improvement larger than `min_delta`.

    `mode` is "max" (a score such as accuracy) or "min" (a loss). The first score always
    counts as an improvement; a NaN never does. After `step` returned True,
    `stopped_step` is the step at which it did and `best_step` / `best_score` tell where
    the best model was seen.
    """

    def __init__(self, patience: int = 10, *, min_delta: float = 0.0, mode: str = "max",
                 restore_best: bool = True) -> None:
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"EarlyStopping: patience must be an integer >= 1, "
                             f"got {patience!r}")
        delta = to_float(min_delta, "min_delta")
        if not delta >= 0 or math.isinf(delta):
            raise ValueError(f"EarlyStopping: min_delta must be a finite number >= 0, "
                             f"got {min_delta!r}")
        if mode not in ("max", "min"):
            raise ValueError(f"EarlyStopping: mode must be 'max' or 'min', got {mode!r}")
        self.patience = patience
        self.min_delta = delta
        self.mode = mode
        self.restore_best = bool(restore_best)
        self.reset()

    def __repr__(self) -> str:
        return (f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
                f"mode={self.mode!r}, restore_best={self.restore_best})")

    def reset(self) -> None:
        """Forget every score (to reuse the object for another run)."""
        self.scores: list[float] = []
        self.best_score: float | None = None
        self.best_step: int | None = None
        self.best_state: Any = None
        self.stopped_step: int | None = None
        self.wait = 0  # steps since the last improvement

    @property
    def should_stop(self) -> bool:
        return self.stopped_step is not None

    def improves(self, score: float) -> bool:
        """Whether `score` beats the best so far by more than `min_delta`."""
        if math.isnan(score):
            return False
        if self.best_score is None:
            return True
        if self.mode == "max":
            return score > self.best_score + self.min_delta
        return score < self.best_score - self.min_delta

    def step(self, score: float, model: Any = None) -> bool:
        """Record the next score (step 0, 1, 2, ...); snapshot `model` when it is the best
        so far. True when training should stop now."""
        value = to_float(score, "score")
        step = len(self.scores)
        self.scores.append(value)
        if self.improves(value):
            self.best_score, self.best_step, self.wait = value, step, 0
            if self.restore_best and model is not None:
                self.best_state = snapshot(model)
        else:
            self.wait += 1
        if self.stopped_step is None and self.wait >= self.patience:
            self.stopped_step = step
        return self.should_stop

    def restore(self, model: Any) -> Any:
        """Put the best state back into `model` (a torch module or optimizer: its
        `load_state_dict`; another object: its attributes) and return it."""
        if self.best_state is None:
            raise ValueError("EarlyStopping.restore: no state was kept (pass the model to "
                             "step(score, model) with restore_best=True)")
        return restore(model, self.best_state)


def snapshot(model: Any) -> Any:
    """A copy of `model`'s state that later training does not change."""
    if callable(getattr(model, "state_dict", None)) and \
            callable(getattr(model, "load_state_dict", None)):
        return _clone(model.state_dict())
    return copy.deepcopy(model)


def restore(model: Any, state: Any) -> Any:
    if callable(getattr(model, "load_state_dict", None)) and isinstance(state, dict):
        model.load_state_dict(state)
        return model
    if hasattr(model, "__dict__") and type(state) is type(model):
        model.__dict__.clear()
        model.__dict__.update(copy.deepcopy(state).__dict__)
        return model
    raise TypeError(f"cannot restore a {type(model).__name__} from a "
                    f"{type(state).__name__} snapshot")


def _clone(value: Any) -> Any:
    if hasattr(value, "detach") and hasattr(value, "clone"):  # a tensor: no torch import
        return value.detach().clone()
    if isinstance(value, dict):
        return type(value)((k, _clone(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(_clone(v) for v in value)
    return copy.deepcopy(value)
