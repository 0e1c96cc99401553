"""The Pruner protocol: decide whether a running trial should stop early, and why."""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from tuneforge.exceptions import TuneforgeError
from tuneforge.trial.records import Direction, History, TrialRecord, TrialState

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _numpy(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{value!r} ({type(value).__name__}) is not a JSON value")


@dataclass(frozen=True)
class Decision:
    """A pruner's answer: `prune` or not, a one-line `reason`, and JSON `attrs` (the
    rung, the bracket, the value compared against) that the trial stores as system
    attributes when it is pruned. Make one with `Decision.to_continue()` or
    `Decision.to_prune(reason, attrs=...)`."""

    prune: bool
    reason: str = ""
    attrs: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)

    def __post_init__(self) -> None:
        if not isinstance(self.prune, bool):
            raise TypeError(f"Decision.prune must be a bool, got {self.prune!r}")
        if not isinstance(self.reason, str):
            raise TypeError(f"Decision.reason must be a string, got {self.reason!r}")
        if not isinstance(self.attrs, Mapping) or not all(isinstance(k, str)
                                                          for k in self.attrs):
            raise TypeError(f"Decision.attrs must map strings to JSON values, "
                            f"got {self.attrs!r}")
        try:  # stored as JSON events (numpy numbers and non-finite floats are fine)
            json.dumps(dict(self.attrs), default=_numpy)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"Decision.attrs must be JSON values: {exc}") from None
        object.__setattr__(self, "attrs", MappingProxyType(dict(self.attrs)))

    @classmethod
    def to_continue(cls, reason: str = "", *,
                    attrs: Mapping[str, Any] | None = None) -> Decision:
        """Let the trial go on (the reason and attrs say why, for logs and tests)."""
        return cls(False, reason, attrs or _EMPTY)

    @classmethod
    def to_prune(cls, reason: str, *, attrs: Mapping[str, Any] | None = None) -> Decision:
        """Stop the trial; `reason` becomes the pruned trial's reason."""
        return cls(True, reason, attrs or _EMPTY)


CONTINUE = Decision(False)


@runtime_checkable
class Pruner(Protocol):
    """Look at a running trial's reported values and the history; return a Decision."""

    def decide(self, trial: TrialRecord, history: History) -> Decision: ...


def check_pruner(pruner: object) -> Pruner:
    """`pruner` if it has a `decide` method; a TypeError naming what it lacks."""
    if not callable(getattr(pruner, "decide", None)):
        raise TypeError(f"{pruner!r} is not a tuneforge pruner: it lacks decide(trial, "
                        "history) -> Decision (see tuneforge.pruners.Pruner)")
    return pruner  # type: ignore[return-value]  # decide() is checked above


def checked_decision(decision: object, pruner: object) -> Decision:
    """`decision` if it is a Decision; a TypeError for anything else (the bare strings
    "prune"/"continue" of earlier versions included)."""
    if not isinstance(decision, Decision):
        raise TypeError(f"{pruner!r}.decide returned {decision!r}; a pruner returns a "
                        "tuneforge.pruners.Decision (Decision.to_prune(reason, attrs=...) or "
                        "Decision.to_continue())")
    return decision


class NopPruner:
    """Never prunes (the default)."""

    def __repr__(self) -> str:
        return "NopPruner()"

    def decide(self, trial: TrialRecord, history: History) -> Decision:
        return CONTINUE


def require_single_objective(pruner: object, trial: TrialRecord, history: History) -> float:
    """The sign that turns `history`'s one objective into a loss (+1 minimize, -1
    maximize); a TuneforgeError naming ParetoPruner for several objectives or a vector
    report."""
    n = len(history.directions)
    vector = any(not isinstance(v, (int, float)) for v in trial.intermediate.values())
    if n != 1 or vector:
        what = f"this study has {n} objectives" if n != 1 else \
            f"trial {trial.number} reported a vector of values"
        raise TuneforgeError(f"{pruner!r} prunes single-objective studies only ({what}); "
                             "use ParetoPruner (tuneforge.pruners.pareto) for several "
                             "objectives")
    return -1.0 if history.directions[0] is Direction.MAXIMIZE else 1.0


def check_int(owner: str, name: str, value: object, least: int) -> int:
    """`value` if it is an int >= `least`; a ValueError naming the owner and argument."""
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"{owner}: {name} must be an integer >= {least}, got {value!r}")
    return value


class RestrictedHistory:
    """The trials of `history` that `keep` accepts (a Hyperband bracket); the study's
    directions and seed unchanged."""

    def __init__(self, history: History, keep: Callable[[TrialRecord], bool]) -> None:
        self._history = history
        self._keep = keep

    @property
    def directions(self) -> tuple[Direction, ...]:
        return self._history.directions

    @property
    def seed(self) -> int:
        return self._history.seed

    def trials(self, states: Container[TrialState] | None = None) -> Sequence[TrialRecord]:
        return [t for t in self._history.trials(states) if self._keep(t)]


def sampler_history(pruner: object, sampler: object, history: History,
                    trial: TrialRecord) -> History:
    """The history a sampler sees for `trial`: all of it, unless the pruner narrows it
    with `restrict_history(history, trial)` (Hyperband: the trial's bracket). A sampler
    that models fidelities itself declares ``multi_fidelity = True`` and sees all."""
    restrict = getattr(pruner, "restrict_history", None)
    if restrict is None or getattr(sampler, "multi_fidelity", False):
        return history
    restricted: History = restrict(history, trial)
    return restricted
