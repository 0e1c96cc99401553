"""How much work one GP proposal does, and the rule that scales it to the objective's cost.

A GP proposal refits the kernel hyperparameters (L-BFGS-B on the marginal likelihood) and
maximizes the acquisition (quasi-random screening, multi-start L-BFGS-B, a discrete local
search). On a cheap objective (a pruned trial after one epoch, a fast model) that work
can take longer than the trial itself, so at equal wall-clock time the search runs fewer
trials. Three effort levels trade search precision for time:

- "full": refit every proposal, 1,024 (2,048 above 10-D) screening points, 5 + 2
  L-BFGS-B starts, up to 3 continuous/discrete rounds (the sampler's original search);
- "reduced": refit every 3rd proposal (the warm hyperparameters otherwise), 512 points,
  3 + 1 starts, 50 iterations, 2 rounds;
- "minimal": refit every 8th proposal, 256 points, 2 + 1 starts, 30 iterations, 1 round.

With `effort="auto"` the sampler measures its own proposal time per level and the
objective's time per trial (the trial's duration less the proposal), and takes the most
thorough level whose proposal costs at most `fraction` of a trial (`choose_effort`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict

import numpy as np

from tuneforge.trial.records import TrialRecord, TrialState

EFFORT_NAMES = ("full", "reduced", "minimal")   # most thorough first
_RECENT = 20            # trials whose durations set the objective's cost
_EMA = 0.3              # weight of the newest proposal time in a level's estimate
# before a level was measured, its cost as a share of the full level's: a first guess,
# replaced by the measurement after one proposal (benchmarks/results/gp-cost-profile.json
# has 0.3-0.8 for reduced and 0.2-0.5 for minimal)
_GUESS_SHARE = {"full": 1.0, "reduced": 0.4, "minimal": 0.2}


class Search(TypedDict):
    """`math.optimize.maximize` keywords set by an effort level."""

    n_candidates: int
    n_starts: int
    n_local_starts: int
    maxiter: int
    max_rounds: int


@dataclass(frozen=True)
class Effort:
    """Work settings of one proposal: hyperparameter refit cadence and the acquisition
    search's size (`math.optimize.maximize` keywords)."""

    name: str
    refit_every: int      # full hyperparameter fit every this many proposals
    n_candidates: int     # screening points (doubled above 10 dimensions)
    n_starts: int         # L-BFGS-B starts from the best screening points
    n_local_starts: int   # ... and from the best local ones
    maxiter: int          # L-BFGS-B iterations per round
    max_rounds: int       # continuous/discrete alternations

    def search(self, d: int) -> Search:
        """`maximize` keywords for a d-dimensional space."""
        return {"n_candidates": self.n_candidates * (2 if d > 10 else 1),
                "n_starts": self.n_starts, "n_local_starts": self.n_local_starts,
                "maxiter": self.maxiter, "max_rounds": self.max_rounds}


EFFORTS: Mapping[str, Effort] = {
    "full": Effort("full", 1, 1024, 5, 2, 100, 3),
    "reduced": Effort("reduced", 3, 512, 3, 1, 50, 2),
    "minimal": Effort("minimal", 8, 256, 2, 1, 30, 1),
}


def check_effort(effort: str, fraction: float) -> None:
    """Raise ValueError naming the bad setting."""
    if effort != "auto" and effort not in EFFORTS:
        raise ValueError(f"GPSampler: effort must be 'auto' or one of {EFFORT_NAMES}, "
                         f"got {effort!r}")
    if not (0.0 < fraction and np.isfinite(fraction)):
        raise ValueError(f"GPSampler: effort_fraction must be a positive number, "
                         f"got {fraction!r}")


def choose_effort(trial_s: float | None, proposal_s: Mapping[str, float],
                  fraction: float) -> str:
    """The most thorough level whose (measured, else guessed from the full level's)
    proposal time is at most `fraction` x `trial_s`, the objective's seconds per trial;
    the cheapest level when none is. "full" while either time is still unknown."""
    if trial_s is None or "full" not in proposal_s:
        return "full"
    allowed = fraction * trial_s
    for name in EFFORT_NAMES:
        cost = proposal_s.get(name, _GUESS_SHARE[name] * proposal_s["full"])
        if cost <= allowed:
            return name
    return EFFORT_NAMES[-1]


def objective_seconds(trials: Sequence[TrialRecord], proposal_s: Mapping[str, float]
                      ) -> float | None:
    """Median objective time of the latest finished (complete or pruned) trials: their
    duration less this sampler's proposal time for them (`proposal_s` by trial key; the
    trial's clock starts before it is sampled). None before any finished trial."""
    out: list[float] = []
    for t in reversed(trials):
        if len(out) >= _RECENT:
            break
        if t.state not in (TrialState.COMPLETE, TrialState.PRUNED):
            continue
        dur = t.duration
        if dur is None:
            continue
        out.append(max(dur - proposal_s.get(t.key, 0.0), 0.0))
    return float(np.median(out)) if out else None


class EffortLog:
    """Measured proposal seconds: a running estimate per level and the last ones per
    trial key (to take them out of the trials' durations)."""

    def __init__(self) -> None:
        self.level_s: dict[str, float] = {}
        self.trial_s: OrderedDict[str, float] = OrderedDict()

    def record(self, key: str, level: str, seconds: float) -> None:
        old = self.level_s.get(level)
        self.level_s[level] = seconds if old is None else (1 - _EMA) * old + _EMA * seconds
        self.trial_s[key] = seconds
        while len(self.trial_s) > 4 * _RECENT:
            self.trial_s.popitem(last=False)


__all__ = ["EFFORTS", "EFFORT_NAMES", "Effort", "EffortLog", "Search", "check_effort",
           "choose_effort", "objective_seconds"]
