"""Pruners: when to stop a running trial early. Each is one `decide` call returning a Decision."""

from tuneforge.pruners.base import Decision, NopPruner, Pruner
from tuneforge.pruners.hyperband import HyperbandPruner
from tuneforge.pruners.median import MedianPruner
from tuneforge.pruners.pareto import ParetoPruner
from tuneforge.pruners.patience import PatiencePruner, PatientPruner
from tuneforge.pruners.percentile import PercentilePruner
from tuneforge.pruners.successive_halving import SuccessiveHalvingPruner
from tuneforge.pruners.threshold import ThresholdPruner
from tuneforge.pruners.wilcoxon import WilcoxonPruner

__all__ = ["Decision", "HyperbandPruner", "MedianPruner", "NopPruner", "ParetoPruner",
           "PatiencePruner",
           "PatientPruner", "PercentilePruner", "Pruner", "SuccessiveHalvingPruner",
           "ThresholdPruner", "WilcoxonPruner"]
