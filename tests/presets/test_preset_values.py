"""Every value of every preset's space builds an estimator that fits: each categorical
choice and both ends of each numeric range, the other parameters at their defaults."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tuneforge.presets import get_preset, presets
from tuneforge.space import Categorical

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 3))
Y_CLASS = (X[:, 0] + 0.3 * RNG.normal(size=40) > 0).astype(int)
Y_REG = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * RNG.normal(size=40)


def _values(dist):
    if isinstance(dist, Categorical):
        return list(dist.choices)
    return [dist.low, dist.high]


CASES = [(p.name, name, value) for p in presets(available_only=True)
         if p.name in {"tree", "tree_reg", "svc", "svr", "mlp", "mlp_reg"}
         for name, dist in p.space.items() for value in _values(dist)]


@pytest.mark.parametrize(("preset", "param", "value"), CASES)
def test_every_value_builds_and_fits(preset: str, param: str, value: object) -> None:
    p = get_preset(preset)
    params = {**p.defaults_for(X.shape[1]), param: value}
    if preset.startswith("mlp"):  # keep the fit short: the optimizer settings still apply
        params["hidden_units"] = min(params["hidden_units"], 16)
    model = p.build(params, random_state=0)
    y = Y_CLASS if p.task == "classification" else Y_REG
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few settings stop before converging
        model.fit(X, y)
    pred = model.predict(X)
    assert pred.shape == (40,)
    assert np.all(np.isfinite(pred.astype(float)))


def test_new_presets_tune_what_users_tune() -> None:
    tree = get_preset("tree")
    assert set(tree.space) == {"max_depth", "min_samples_split", "min_samples_leaf",
                               "criterion"}
    assert set(get_preset("svc").space["kernel"].choices) == {"rbf", "linear", "poly"}
    assert get_preset("svc").space["degree"].low == 2
    mlp = get_preset("mlp")
    assert set(mlp.space["solver"].choices) == {"adam", "sgd"}
    assert {"momentum", "nesterovs_momentum", "batch_size", "alpha", "learning_rate_init",
            "hidden_layers", "hidden_units"} <= set(mlp.space)


def test_sgd_settings_reach_the_estimator() -> None:
    model = get_preset("mlp").build({"solver": "sgd", "momentum": 0.7,
                                     "nesterovs_momentum": False, "batch_size": 32})
    mlp = model.steps[-1][1]
    assert (mlp.solver, mlp.momentum, mlp.nesterovs_momentum, mlp.batch_size) == \
        ("sgd", 0.7, False, 32)
    svc = get_preset("svc").build({"kernel": "poly", "degree": 4}).steps[-1][1]
    assert (svc.kernel, svc.degree) == ("poly", 4)
