"""Our pruners pass the public PrunerContract."""

import pytest

from tuneforge import MedianPruner, NopPruner
from tuneforge.testing import PrunerContract


class TestNopPruner(PrunerContract):
    @pytest.fixture
    def pruner(self):
        return NopPruner()


class TestMedianPruner(PrunerContract):
    @pytest.fixture
    def pruner(self):
        return MedianPruner(n_startup_trials=2)


class TestMedianPrunerWarmup(PrunerContract):
    @pytest.fixture
    def pruner(self):
        return MedianPruner(n_startup_trials=0, n_warmup_steps=2, interval_steps=2)
