"""A score monitor for a stream of batches: the level it settled at, and drops below it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class ScoreMonitor:
    """Tracks the prequential score (each batch scored before the model learns it).

    The reference level is an exponential moving average (weight `smoothing`) of the
    scores while the stream is stable, its spread an EWMA of absolute deviations; a
    batch is a drop when its score is below level - max(`min_drop`, `k` x spread).
    `warmup` batches set the level first; `reset()` relearns it after a change."""

    smoothing: float = 0.2
    k: float = 3.0
    min_drop: float = 0.02
    warmup: int = 3
    level: float | None = None
    spread: float = 0.0
    seen: int = 0
    streak: int = 0  # consecutive drops
    history: list[float] = field(default_factory=list)

    def update(self, score: float) -> bool:
        """Add a batch's score; whether it is a drop (the level then stays put)."""
        if not math.isfinite(score):
            raise ValueError(f"score must be a finite number, got {score!r}")
        self.history.append(score)
        self.seen += 1
        if self.level is None or self.seen <= self.warmup:
            self.level = score if self.level is None else \
                self.level + (score - self.level) / self.seen
            self.spread = 0.0 if self.seen == 1 else \
                self.spread + (abs(score - self.level) - self.spread) / self.seen
            return False
        dropped = score < self.level - self.tolerance
        if dropped:
            self.streak += 1
            return True
        self.streak = 0
        self.spread += self.smoothing * (abs(score - self.level) - self.spread)
        self.level += self.smoothing * (score - self.level)
        return False

    @property
    def tolerance(self) -> float:
        return max(self.min_drop, self.k * self.spread)

    def reset(self) -> None:
        """Forget the level (after a re-tune: the new model sets its own)."""
        self.level, self.spread, self.seen, self.streak = None, 0.0, 0, 0


__all__ = ["ScoreMonitor"]
