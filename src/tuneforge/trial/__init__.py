"""Trial records (immutable) and FixedTrial."""

from tuneforge.trial.fixed import FixedTrial
from tuneforge.trial.records import Direction, History, TrialRecord, TrialState

__all__ = ["Direction", "FixedTrial", "History", "TrialRecord", "TrialState"]
