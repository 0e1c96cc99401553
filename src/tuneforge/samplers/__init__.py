"""Samplers: what to try next. Each is one `sample` call (see base.Sampler)."""

from tuneforge.samplers.base import QueueingSampler, Sampler, Suggestion, trial_rng
from tuneforge.samplers.grid import GridSampler
from tuneforge.samplers.random import RandomSampler

__all__ = ["GridSampler", "QueueingSampler", "RandomSampler", "Sampler", "Suggestion",
           "trial_rng"]
