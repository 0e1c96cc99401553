"""Online adjustment for incrementally trained models (`partial_fit`): a loop over
arriving batches that monitors the score, adapts learning rate or regularization on the
fly and re-tunes when a drop persists (docs: tutorials/drift)."""

from tuneforge.online.loop import Adapt, OnlineTuner, Step, recovery_batches
from tuneforge.online.monitor import ScoreMonitor

__all__ = ["Adapt", "OnlineTuner", "ScoreMonitor", "Step", "recovery_batches"]
