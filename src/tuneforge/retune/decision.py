"""Champion against challenger on fresh hold-out rows, and the record of the decision."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from tuneforge.drift.performance import row_losses
from tuneforge.math.drift import paired_improvement


@dataclass(frozen=True)
class Comparison:
    """Both models' mean loss per hold-out row, the loss the challenger saves per row,
    the one-sided p-value of that saving (`test`: "mcnemar" or "paired-t"), and
    whether the challenger is `promoted` (p <= alpha and a saving > 0)."""

    loss: str
    n_rows: int
    champion_loss: float
    challenger_loss: float
    saved: float
    p_value: float
    test: str
    alpha: float
    promoted: bool


def compare(champion: Any, challenger: Any, X: Any, y: Any, *, loss: str,
            alpha: float) -> Comparison:
    """Score both fitted models on the same hold-out rows and test the challenger's
    improvement there (paired, one-sided)."""
    a = row_losses(champion, X, y, loss)
    b = row_losses(challenger, X, y, loss)
    saved, p, test = paired_improvement(a, b)
    return Comparison(loss, int(len(a)), float(np.mean(a)), float(np.mean(b)), saved, p, test,
                      alpha, bool(saved > 0 and p <= alpha))


@dataclass(frozen=True)
class RetuneDecision:
    """What `retune` decided and why: whether it was `triggered` (drift, a performance
    drop, or `force`), the new study (None when not triggered), the drift report and
    the comparison as evidence, the champion's and challenger's parameters, and whether
    the challenger was `promoted`."""

    parent: str
    triggered: bool
    reason: str
    study_name: str | None
    drift: dict[str, Any] | None
    comparison: Comparison | None
    champion_params: dict[str, Any]
    challenger_params: dict[str, Any] | None

    @property
    def promoted(self) -> bool:
        return self.comparison is not None and self.comparison.promoted

    @property
    def params(self) -> dict[str, Any]:
        """The parameters to deploy: the challenger's if promoted, else the champion's."""
        if self.promoted and self.challenger_params is not None:
            return self.challenger_params
        return self.champion_params

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["promoted"] = self.promoted
        return out

    def __str__(self) -> str:
        head = f"retune of {self.parent!r}: {self.reason}"
        if not self.triggered:
            return head + "; nothing to do"
        c = self.comparison
        assert c is not None
        verdict = "challenger PROMOTED" if c.promoted else "champion kept"
        return (f"{head}\nnew study {self.study_name!r}; on {c.n_rows} fresh hold-out rows "
                f"{c.loss}: champion {c.champion_loss:.4g}, challenger {c.challenger_loss:.4g}"
                f" (saves {c.saved:.4g} per row, p {c.p_value:.3g}, {c.test}) -> {verdict}")


__all__ = ["Comparison", "RetuneDecision", "compare"]
