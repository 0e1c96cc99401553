"""RiverModel: river's online models driven by OnlineTuner on a stream with a known change
point (the learning rate adapted live, a re-tune after a persistent drop)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import require_module

require_module("river", "river")  # skip locally without the extra; fail under CI=true

from river import linear_model, optim  # noqa: E402

import tuneforge as tf  # noqa: E402
from tuneforge.integrations.river import RiverModel, rows  # noqa: E402
from tuneforge.online import Adapt, OnlineTuner, recovery_batches  # noqa: E402

CHANGE = 12


def _stream(n=26, change=CHANGE, size=60, seed=0):
    """Binary labels from one linear rule, then (from batch `change`) another."""
    rng = np.random.default_rng(seed)
    before, after = np.array([2.0, -1.0, 0.5, 0.0]), np.array([-2.0, 1.0, 0.0, 1.5])
    out = []
    for b in range(n):
        X = rng.normal(size=(size, 4))
        out.append((X, (X @ (before if b < change else after) > 0).astype(int)))
    return out


def _make(p):
    return RiverModel(linear_model.LogisticRegression(optimizer=optim.SGD(p["optimizer__lr"]),
                                                      l2=p["l2"]))


def test_a_river_model_learns_batches_and_scores_like_scikit_learn():
    X, y = _stream(n=1, size=300)[0]
    model = _make({"optimizer__lr": 0.1, "l2": 0.0})
    assert model.is_classifier
    model.partial_fit(X[:200], y[:200])
    acc = model.score(X[200:], y[200:])
    assert acc > 0.85  # a linear rule a logistic regression learns online
    assert acc == pytest.approx(np.mean(model.predict(X[200:]) == y[200:]))
    reg = RiverModel(linear_model.LinearRegression(optimizer=optim.SGD(0.05)))
    t = X @ np.array([1.0, 2.0, 0.0, -1.0])
    for _ in range(3):
        reg.partial_fit(X[:200], t[:200])
    assert not reg.is_classifier and reg.score(X[200:], t[200:]) > 0.9  # R^2


def test_set_params_changes_the_live_model_and_keeps_what_it_learned():
    X, y = _stream(n=1, size=200)[0]
    model = _make({"optimizer__lr": 0.1, "l2": 0.0})
    model.partial_fit(X, y)
    weights = dict(model.model.weights)
    model.set_params(optimizer__lr=0.5, l2=0.01)
    assert model.model.optimizer.learning_rate == 0.5 and model.model.l2 == 0.01
    assert dict(model.model.weights) == weights  # nothing relearned
    assert model.get_params()["optimizer__lr__learning_rate"] == 0.5
    with pytest.raises(ValueError, match="no hyperparameter 'lr2'"):
        model.set_params(optimizer__lr2=0.1)
    with pytest.raises(ValueError, match="has no 'optim'"):
        model.set_params(optim__lr=0.1)


def test_rows_and_bad_input_say_what_is_wrong():
    assert list(rows(np.array([[1.0, 2.0]]), ["a", "b"])) == [{"a": 1.0, "b": 2.0}]
    assert list(rows([{"a": 1}])) == [{"a": 1}]
    with pytest.raises(ValueError, match="two-dimensional"):
        list(rows(np.zeros(3)))
    with pytest.raises(ValueError, match="1 feature names for 2 columns"):
        list(rows(np.zeros((1, 2)), ["a"]))
    with pytest.raises(TypeError, match="river estimator"):
        RiverModel(object())
    model = _make({"optimizer__lr": 0.1, "l2": 0.0})
    with pytest.raises(ValueError, match="3 rows but y has 2"):
        model.partial_fit(np.zeros((3, 4)), [0, 1])


def test_online_tuner_recovers_a_river_model_faster_than_a_fixed_configuration():
    params = {"optimizer__lr": 0.005, "l2": 1e-4}

    def run(**kw):
        tuner = OnlineTuner(_make, dict(params), n_trials=5, window=4, **kw)
        steps = tuner.run(_stream())
        return tuner, [s.score for s in steps]

    fixed, fixed_scores = run(patience=0)
    ours, our_scores = run(patience=2, space={"optimizer__lr": tf.Float(1e-3, 1.0, log=True)},
                           adapt={"optimizer__lr": Adapt(3.0, 1e-3, 1.0)})
    drop = next(s for s in ours.steps if s.drop)
    assert drop.batch >= CHANGE and drop.action == "adapt"
    assert drop.params["optimizer__lr"] == pytest.approx(0.015)
    assert ours.retunes >= 1 and any(s.action == "retune" for s in ours.steps)
    assert ours.model.model.optimizer.learning_rate == pytest.approx(ours.params["optimizer__lr"])
    retrained, retrained_scores = run(patience=2)  # retrained on the window, not re-tuned
    assert any(s.action == "retrain" for s in retrained.steps)
    fixed_rec = recovery_batches(fixed_scores, CHANGE, tolerance=0.05)
    our_rec = recovery_batches(our_scores, CHANGE, tolerance=0.05)
    retrain_rec = recovery_batches(retrained_scores, CHANGE, tolerance=0.05)
    assert our_rec is not None and (fixed_rec is None or our_rec < fixed_rec)
    assert retrain_rec is None or our_rec < retrain_rec
