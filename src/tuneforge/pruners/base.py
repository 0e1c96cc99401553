"""The Pruner protocol: decide whether a running trial should stop early."""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

from tuneforge.trial.records import History, TrialRecord

Decision = Literal["continue", "prune"]


@runtime_checkable
class Pruner(Protocol):
    """Look at a running trial's reported values and the history; say continue or prune."""

    def decide(self, trial: TrialRecord, history: History) -> Decision: ...


class NopPruner:
    """Never prunes (the default)."""

    def __repr__(self) -> str:
        return "NopPruner()"

    def decide(self, trial: TrialRecord, history: History) -> Decision:
        return "continue"
