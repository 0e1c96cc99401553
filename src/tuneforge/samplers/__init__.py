"""Samplers: what to try next. Each is one `sample` call (see base.Sampler)."""

from tuneforge.samplers.auto import AutoSampler, sampler_report
from tuneforge.samplers.base import QueueingSampler, Sampler, Suggestion, trial_rng
from tuneforge.samplers.cmaes import CmaEsSampler
from tuneforge.samplers.genetic import GeneticSampler
from tuneforge.samplers.gp import GPSampler
from tuneforge.samplers.grid import BranchGridSampler, GridSampler
from tuneforge.samplers.random import RandomSampler
from tuneforge.samplers.refined import RefinedSampler
from tuneforge.samplers.tpe import TPESampler

__all__ = [
    "AutoSampler",
    "BranchGridSampler",
    "CmaEsSampler",
    "GPSampler",
    "GeneticSampler",
    "GridSampler",
    "QueueingSampler",
    "RandomSampler",
    "RefinedSampler",
    "Sampler",
    "Suggestion",
    "TPESampler",
    "sampler_report",
    "trial_rng",
]
