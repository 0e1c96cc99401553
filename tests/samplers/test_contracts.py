"""Our samplers pass the public SamplerContract (TPE, GP, GA, CMA-ES and Auto run it in
their own test modules, with their variants)."""

import pytest

from tuneforge import Float, RandomSampler, SearchSpace, TPESampler
from tuneforge.samplers import BranchGridSampler, GridSampler, RefinedSampler
from tuneforge.testing import QueueingSamplerContract, SamplerContract


class TestRandomSampler(SamplerContract):
    @pytest.fixture
    def sampler(self):
        return RandomSampler()


class TestQuasiRandomSampler(SamplerContract):
    @pytest.fixture
    def sampler(self):
        return RandomSampler(seed=1, qmc=True)


class TestGridSampler(QueueingSamplerContract):
    @pytest.fixture
    def sampler(self):
        return GridSampler({"x": [1, 2, 3], "k": ["a", "b"]}, shuffle=True)


class TestBranchGridSampler(QueueingSamplerContract):
    @pytest.fixture
    def sampler(self):
        return BranchGridSampler([{"x": [1, 2]}, {"y": ["a", "b"], "z": [0.5]}])


class TestRefinedSampler(SamplerContract):
    @pytest.fixture
    def sampler(self):
        return RefinedSampler(TPESampler(), SearchSpace({"f": Float(-1.0, 1.0)}))
