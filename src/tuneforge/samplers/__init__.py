"""Samplers: what to try next. Each implements `base.Sampler`; `BaseSampler` has its defaults."""

from tuneforge.samplers.auto import AutoSampler, sampler_report
from tuneforge.samplers.base import BaseSampler, Sampler, Suggestion, check_sampler, trial_rng
from tuneforge.samplers.bohb import BOHBSampler
from tuneforge.samplers.cmaes import CmaEsSampler
from tuneforge.samplers.genetic import GeneticSampler
from tuneforge.samplers.gp import GPSampler
from tuneforge.samplers.grid import BranchGridSampler, GridSampler
from tuneforge.samplers.mobo import MOBOSampler
from tuneforge.samplers.moead import MOEADSampler
from tuneforge.samplers.nsga2 import NSGAIISampler
from tuneforge.samplers.random import RandomSampler
from tuneforge.samplers.refined import RefinedSampler
from tuneforge.samplers.tpe import TPESampler

__all__ = [
    "AutoSampler",
    "BOHBSampler",
    "BaseSampler",
    "BranchGridSampler",
    "CmaEsSampler",
    "GPSampler",
    "GeneticSampler",
    "GridSampler",
    "MOBOSampler",
    "MOEADSampler",
    "NSGAIISampler",
    "RandomSampler",
    "RefinedSampler",
    "Sampler",
    "Suggestion",
    "TPESampler",
    "check_sampler",
    "sampler_report",
    "trial_rng",
]
