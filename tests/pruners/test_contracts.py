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


@pytest.fixture(params=["percentile", "patience", "threshold", "asha", "hyperband",
                        "wilcoxon"])
def _new(request):
    import tuneforge as tf

    return {"percentile": lambda: tf.PercentilePruner(25.0, n_startup_trials=1),
            "patience": lambda: tf.PatiencePruner(tf.MedianPruner(), patience=1),
            "threshold": lambda: tf.ThresholdPruner(upper=1.0),
            "asha": lambda: tf.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2),
            "hyperband": lambda: tf.HyperbandPruner(max_resource=9),
            "wilcoxon": lambda: tf.WilcoxonPruner(p_threshold=0.3)}[request.param]()


class TestTheOtherPruners(PrunerContract):
    @pytest.fixture
    def pruner(self, _new):
        return _new
