"""The online loop on a stream with a known change point: monitoring, on-the-fly
adaptation, re-tuning, and recovery against a fixed configuration."""

import numpy as np
import pytest
from sklearn.linear_model import SGDClassifier

import tuneforge as tf
from tuneforge.online import Adapt, OnlineTuner, ScoreMonitor, recovery_batches


def _stream(n=36, change=16, size=80, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for b in range(n):
        X = rng.normal(size=(size, 4))
        w = np.array([2.0, -1.0, 0.5, 0.0]) if b < change else np.array([-2.0, 1.0, 0.0, 1.5])
        out.append((X, (X @ w > 0).astype(int)))
    return out


def _make(seed=0):
    return lambda p: SGDClassifier(loss="log_loss", learning_rate="constant",
                                   random_state=seed, **p)


def test_monitor_learns_a_level_then_flags_drops_and_counts_the_streak():
    m = ScoreMonitor(warmup=3, min_drop=0.05)
    assert not any(m.update(s) for s in (0.9, 0.91, 0.89, 0.9, 0.92))
    assert m.update(0.7) and m.update(0.72) and m.streak == 2
    assert not m.update(0.9) and m.streak == 0
    m.reset()
    assert m.level is None
    with pytest.raises(ValueError, match="finite"):
        m.update(float("nan"))


def test_adapt_raises_the_learning_rate_on_a_drop_and_relaxes_back():
    tuner = OnlineTuner(_make(), {"eta0": 0.01, "alpha": 1e-4}, patience=0,
                        adapt={"eta0": Adapt(3.0, 1e-4, 1.0), "alpha": Adapt(1 / 3, 1e-6, 1)},
                        classes=[0, 1])
    steps = tuner.run(_stream())
    first_drop = next(s for s in steps if s.drop)
    assert first_drop.action == "adapt" and first_drop.batch >= 16
    assert first_drop.params["eta0"] == pytest.approx(0.03)
    assert first_drop.params["alpha"] == pytest.approx(1e-4 / 3)
    assert steps[-1].params["eta0"] < max(s.params["eta0"] for s in steps)


@pytest.mark.slow
def test_a_persistent_drop_triggers_a_retune_and_recovery_beats_a_fixed_configuration():
    def run(**kw):
        tuner = OnlineTuner(_make(), {"eta0": 0.001, "alpha": 1e-4}, classes=[0, 1],
                            n_trials=6, **kw)
        steps = tuner.run(_stream())
        return tuner, [s.score for s in steps]

    fixed, fixed_scores = run(patience=0)
    ours, our_scores = run(patience=2, space={"eta0": tf.Float(1e-4, 1.0, log=True)},
                           adapt={"eta0": Adapt(3.0, 1e-4, 1.0)})
    assert ours.retunes >= 1 and any(s.action == "retune" for s in ours.steps)
    fixed_rec = recovery_batches(fixed_scores, 16, tolerance=0.05)
    our_rec = recovery_batches(our_scores, 16, tolerance=0.05)
    assert our_rec is not None and (fixed_rec is None or our_rec < fixed_rec)


def test_retrain_without_a_space_keeps_the_parameters():
    tuner = OnlineTuner(_make(), {"eta0": 0.01, "alpha": 1e-4}, patience=2, classes=[0, 1])
    tuner.run(_stream())
    assert any(s.action == "retrain" for s in tuner.steps)
    assert tuner.params == {"eta0": 0.01, "alpha": 1e-4}


def test_recovery_batches_and_bad_settings():
    scores = [0.9] * 10 + [0.5, 0.6, 0.89, 0.9, 0.9]
    assert recovery_batches(scores, 10) == 2
    assert recovery_batches([0.9] * 10 + [0.5] * 5, 10) is None
    with pytest.raises(ValueError, match="not in params"):
        OnlineTuner(_make(), {"eta0": 0.1}, adapt={"alpha": Adapt(2, 1e-6, 1)})
    with pytest.raises(ValueError, match="factor"):
        Adapt(1.0, 0.1, 1.0)
    with pytest.raises(ValueError, match="window"):
        OnlineTuner(_make(), {"eta0": 0.1}, window=1)
