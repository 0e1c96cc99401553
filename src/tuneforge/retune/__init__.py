"""Re-tuning a deployed model when its data drifts: `retune` (and `tuneforge retune`)
runs a warm-started study on the new data and promotes the challenger only on a
significant improvement over the champion on fresh hold-out rows (docs: tutorials/drift)."""

from tuneforge.retune.decision import Comparison, RetuneDecision, compare
from tuneforge.retune.run import retune

__all__ = ["Comparison", "RetuneDecision", "compare", "retune"]
