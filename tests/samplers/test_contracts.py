"""Our samplers pass the public SamplerContract."""

import pytest

from tuneforge import RandomSampler
from tuneforge.testing import SamplerContract


class TestRandomSampler(SamplerContract):
    @pytest.fixture
    def sampler(self):
        return RandomSampler()


class TestQuasiRandomSampler(SamplerContract):
    @pytest.fixture
    def sampler(self):
        return RandomSampler(seed=1, qmc=True)
