"""Pruners: when to stop a running trial early. Each is one `decide` call returning a Decision."""

from tuneforge.pruners.base import Decision, NopPruner, Pruner
from tuneforge.pruners.median import MedianPruner
from tuneforge.pruners.pareto import ParetoPruner

__all__ = ["Decision", "MedianPruner", "NopPruner", "ParetoPruner", "Pruner"]
