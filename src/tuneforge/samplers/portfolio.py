"""The evidence behind the Auto sampler's choice among members that share one history.

Every proposal the Auto sampler hands to a member of its portfolio is tagged with the
member's name (system attribute "auto_member"). A proposal *succeeds* when its value
reaches the best `SUCCESS_QUANTILE` of the values completed before it: a signal that
every proposal gives (a new best alone is too rare at 25-100 evaluations to tell two
members apart). Each member's last `WINDOW` outcomes feed a Beta posterior of its
success rate, and the next proposal goes to the member with the highest draw from its
posterior (Thompson sampling, Thompson 1933; for choosing among optimizers as in
Hoffman, Brochu & de Freitas, "Portfolio allocation for Bayesian optimization", UAI
2011): the member whose recent proposals improved most gets most proposals, and the
other keeps a chance in proportion to the doubt.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from tuneforge.trial.records import Direction, TrialRecord, TrialState

SUCCESS_QUANTILE = 0.2   # a success reaches the best fifth of the values before it
WINDOW = 12              # outcomes per member kept: the choice follows the study
MIN_HISTORY = 4          # values needed before an outcome is judged


@dataclass(frozen=True)
class Evidence:
    """A member's recent record: `wins` successes out of `tries` judged proposals."""

    wins: int
    tries: int

    def __str__(self) -> str:
        return f"{self.wins}/{self.tries}"


def member_evidence(trials: Sequence[TrialRecord], direction: Direction,
                    members: Sequence[str], *, window: int = WINDOW,
                    quantile: float = SUCCESS_QUANTILE) -> dict[str, Evidence]:
    """Each member's successes among its last `window` completed proposals (tagged
    "auto_member"), judged against the values completed before each one (in trial
    order). A proposal whose value is not finite counts as a failure."""
    sign = -1.0 if direction is Direction.MAXIMIZE else 1.0
    seen: list[float] = []   # sorted values so far
    outcomes: dict[str, list[bool]] = {m: [] for m in members}
    for t in sorted(trials, key=lambda r: r.number):
        if t.state is not TrialState.COMPLETE or not t.values or len(t.values) != 1:
            continue
        v = sign * float(t.values[0])
        member = t.system_attrs.get("auto_member")
        if isinstance(member, str) and member in outcomes and len(seen) >= MIN_HISTORY:
            threshold = seen[min(int(quantile * len(seen)), len(seen) - 1)]
            outcomes[member].append(math.isfinite(v) and v <= threshold)
        if math.isfinite(v):
            bisect.insort(seen, v)
    out = {}
    for m, hits in outcomes.items():
        recent = hits[-window:]
        out[m] = Evidence(sum(recent), len(recent))
    return out


def thompson(evidence: Mapping[str, Evidence], priors: Mapping[str, tuple[float, float]],
             rng: np.random.Generator) -> tuple[str, dict[str, float]]:
    """The member with the highest draw from Beta(a + wins, b + losses), (a, b) its
    prior, and every member's draw (in the order of `evidence`; ties go to the first)."""
    draws: dict[str, float] = {}
    for m, ev in evidence.items():
        a, b = priors.get(m, (1.0, 1.0))
        draws[m] = float(rng.beta(a + ev.wins, b + ev.tries - ev.wins))
    best = max(draws, key=lambda m: draws[m])
    return best, draws


__all__ = ["Evidence", "member_evidence", "thompson"]
