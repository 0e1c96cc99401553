import pytest

from tests.conftest import require_module

require_module("sklearn", "sklearn")

import tuneforge as tf  # noqa: E402
from tuneforge.importance import param_importances  # noqa: E402
from tuneforge.samplers import RandomSampler  # noqa: E402


def test_param_importances_of_a_study():
    study = tf.create_study(sampler=RandomSampler(seed=0))
    study.optimize(lambda t: 5 * t.suggest_float("a", 0, 1) + 0.01 * t.suggest_float("b", 0, 1),
                   n_trials=60)
    for method in ("fanova", "permutation"):
        imp = param_importances(study, method=method, repeats=2)
        assert imp.ranking() == ["a", "b"] and imp.to_json()["method"] == method
    with pytest.raises(ValueError, match="method must be"):
        param_importances(study, method="shap")
    with pytest.raises(TypeError, match="takes a Study"):
        param_importances(study.trials)
