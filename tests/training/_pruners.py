"""A pruner that stops every trial once it has reported step `at` (exact expectations)."""

from tuneforge.pruners.base import Decision


class PruneAt:
    def __init__(self, at):
        self.at = at

    def decide(self, trial, history):
        if trial.last_step is not None and trial.last_step >= self.at:
            return Decision.to_prune(f"step {trial.last_step} >= {self.at}")
        return Decision.to_continue()
