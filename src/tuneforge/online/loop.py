"""The online loop: score each arriving batch, learn it (`partial_fit`), adapt the
hyperparameters that may change on the fly, and re-tune when a drop persists."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tuneforge.online.monitor import ScoreMonitor
from tuneforge.space.distributions import Distribution


@dataclass(frozen=True)
class Adapt:
    """A hyperparameter changed on the fly: on a score drop it is multiplied by `factor`
    (> 1: raised, e.g. a learning rate; < 1: lowered, e.g. regularization), kept within
    [low, high]; once the score recovers it moves back towards its tuned value (half the
    way in log scale per batch)."""

    factor: float
    low: float
    high: float

    def __post_init__(self) -> None:
        if not (self.factor > 0 and self.factor != 1):
            raise ValueError(f"Adapt.factor must be positive and not 1, got {self.factor!r}")
        if not 0 < self.low <= self.high:
            raise ValueError(f"Adapt needs 0 < low <= high, got {self.low!r}, {self.high!r}")


@dataclass(frozen=True)
class Step:
    """What happened at one batch: its score (before learning it), whether it was a
    drop, the action ("learn", "adapt", "retune", "retrain") and the parameters after."""

    batch: int
    score: float
    drop: bool
    action: str
    params: Mapping[str, Any]


@dataclass
class OnlineTuner:
    """Keeps an incrementally trained model tuned over a stream.

    - `make_model(params)`: a fresh estimator with `partial_fit`, `set_params`, `score`;
    - `params`: the tuned starting hyperparameters; `adapt`: those changed on the fly;
    - `space` and `n_trials`: when `patience` consecutive batches drop, a tuneforge study
      over `space` on the last `window` batches (all but the newest to train, the newest
      to score) picks new parameters and a fresh model trained on the window replaces the
      old one ("retune"); with `space=None` the model is only retrained on the window with
      the current parameters ("retrain"), and with `patience=0` never.
    - `classes`: every label, for classifiers' first `partial_fit`.
    """

    make_model: Callable[[Mapping[str, Any]], Any]
    params: dict[str, Any]
    adapt: Mapping[str, Adapt] = field(default_factory=dict)
    space: Mapping[str, Distribution] | None = None
    n_trials: int = 12
    patience: int = 3
    window: int = 5
    epochs: int = 3
    classes: Sequence[Any] | None = None
    monitor: ScoreMonitor = field(default_factory=ScoreMonitor)
    seed: int = 0

    def __post_init__(self) -> None:
        unknown = sorted(set(self.adapt) - set(self.params))
        if unknown:
            raise ValueError(f"OnlineTuner: adapt names parameters not in params: {unknown}")
        if self.window < 2:
            raise ValueError(f"OnlineTuner: window must be >= 2 batches, got {self.window}")
        self.tuned = dict(self.params)
        self.model = self.make_model(self.params)
        self.recent: deque[tuple[Any, Any]] = deque(maxlen=self.window)
        self.steps: list[Step] = []
        self.retunes = 0
        self._fitted = False

    def _learn(self, model: Any, X: Any, y: Any) -> None:
        if self.classes is not None:
            model.partial_fit(X, y, classes=self.classes)
        else:
            model.partial_fit(X, y)

    def step(self, X: Any, y: Any) -> Step:
        """Score the batch with the current model, then learn it (and adapt or re-tune)."""
        score = float(self.model.score(X, y)) if self._fitted else math.nan
        drop = self.monitor.update(score) if self._fitted else False
        self.recent.append((X, y))
        action = "learn"
        if drop and self.patience and self.monitor.streak >= self.patience \
                and len(self.recent) >= 2:
            action = self._replace()
        elif drop and self.adapt:
            self._move(up=True)
            action = "adapt"
        elif self.adapt:
            self._move(up=False)
        if action != "retune" and action != "retrain":
            self.model.set_params(**{k: self.params[k] for k in self.adapt})
            self._learn(self.model, X, y)
        self._fitted = True
        out = Step(len(self.steps), score, drop, action, dict(self.params))
        self.steps.append(out)
        return out

    def _move(self, *, up: bool) -> None:
        for name, rule in self.adapt.items():
            value = float(self.params[name])
            if up:
                value *= rule.factor
            else:  # half-way back to the tuned value, in log scale
                value = math.exp(0.5 * (math.log(value) + math.log(float(self.tuned[name]))))
            self.params[name] = min(max(value, rule.low), rule.high)

    def _fresh(self, params: Mapping[str, Any], batches: Sequence[tuple[Any, Any]]) -> Any:
        model = self.make_model(params)
        for _ in range(self.epochs):
            for Xb, yb in batches:
                self._learn(model, Xb, yb)
        return model

    def _replace(self) -> str:
        """Re-tune on the recent window (or retrain with the current parameters)."""
        batches = list(self.recent)
        action = "retrain"
        if self.space is not None:
            self.params = {**self.params, **self._tune(batches)}
            self.tuned = dict(self.params)
            action = "retune"
        else:
            self.params = dict(self.tuned)
        self.model = self._fresh(self.params, batches)
        self.monitor.reset()
        self.retunes += 1
        return action

    def _tune(self, batches: Sequence[tuple[Any, Any]]) -> dict[str, Any]:
        from tuneforge.samplers.tpe import TPESampler
        from tuneforge.study.api import create_study

        train, (X_val, y_val) = batches[:-1], batches[-1]

        def objective(trial: Any) -> float:
            params = {**self.params, **trial.suggest_space(dict(self.space or {}))}
            return float(self._fresh(params, train).score(X_val, y_val))

        study = create_study(direction="maximize",
                             sampler=TPESampler(seed=self.seed + self.retunes,
                                                n_startup_trials=max(3, self.n_trials // 3)))
        study.enqueue_trial({k: self.params[k] for k in self.space or {}
                             if self.space is not None and self.space[k].contains(self.params[k])})
        study.optimize(objective, n_trials=self.n_trials)
        return dict(study.best_params)

    def run(self, batches: Iterable[tuple[Any, Any]]) -> list[Step]:
        """`step` over every batch; the steps."""
        for X, y in batches:
            self.step(X, y)
        return self.steps


def recovery_batches(scores: Sequence[float], change: int, *, before: int = 5,
                     tolerance: float = 0.02, stay: int = 2) -> int | None:
    """Batches after `change` until the score is back within `tolerance` of its mean over
    the `before` batches before the change and stays there `stay` batches (None: never)."""
    base = sum(scores[change - before:change]) / before
    for i in range(change, len(scores) - stay + 1):
        if all(s >= base - tolerance for s in scores[i:i + stay]):
            return i - change
    return None


__all__ = ["Adapt", "OnlineTuner", "Step", "recovery_batches"]
