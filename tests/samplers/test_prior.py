"""The warm-start prior: mapping past configurations into a new space, ranks, JSON, and
its effect on TPE, the GP and Auto."""

import numpy as np
import pytest

import tuneforge as tf
from tuneforge.exceptions import TuneforgeError
from tuneforge.samplers.prior import (
    PriorPoint,
    SupportsPrior,
    TransferPrior,
    fade,
    map_params,
    rank_scores,
)


def test_map_params_keeps_values_inside_and_drops_invalid_configurations():
    space = {"lr": tf.Float(1e-4, 1e-1, log=True), "depth": tf.Int(1, 8),
             "kind": tf.Categorical(("a", "b"))}
    assert map_params({"lr": 0.01, "depth": 3.0, "kind": "a", "gone": 1}, space) == \
        {"lr": 0.01, "depth": 3, "kind": "a"}
    assert map_params({"lr": 0.5, "depth": 3, "kind": "a"}, space) is None   # out of range
    assert map_params({"lr": 0.01, "depth": 3, "kind": "c"}, space) is None  # lost choice
    assert map_params({"lr": 0.01, "depth": 3.5, "kind": "a"}, space) is None  # not integral
    assert map_params({"lr": 0.01}, space) is None
    assert map_params({"lr": 0.01}, space, partial=True) == {"lr": 0.01}


def test_rank_scores_share_ties_and_span_zero_to_one():
    assert rank_scores([3.0, 1.0, 2.0]) == [1.0, 0.0, 0.5]
    assert rank_scores([1.0, 1.0, 5.0]) == [0.25, 0.25, 1.0]
    assert rank_scores([7.0]) == [0.0]


def test_prior_json_round_trip_and_validation():
    prior = TransferPrior((PriorPoint({"x": 1.0}, 0.0, 0.5, "a"),), (("a", 0.5),))
    assert TransferPrior.from_json(prior.to_json()) == prior
    with pytest.raises(TuneforgeError, match="rank must be in"):
        TransferPrior((PriorPoint({"x": 1.0}, 1.5, 0.5, "a"),))
    with pytest.raises(TuneforgeError, match="warm-start prior"):
        TransferPrior.from_json({"version": 99})


def test_fade_halves_after_the_half_life():
    assert fade(0) == 1.0 and fade(10) == 0.5 and fade(1000) < 0.01


@pytest.mark.parametrize("cls", [tf.TPESampler, tf.GPSampler, tf.AutoSampler])
def test_model_based_samplers_accept_a_prior(cls):
    assert isinstance(cls(), SupportsPrior)


def _prior_at(x0: float, y0: float, n: int = 30) -> TransferPrior:
    """A past study's trials of (x - x0)^2 + (y - y0)^2, ranked."""
    rng = np.random.default_rng(0)
    pts = rng.uniform(-5, 5, size=(n, 2))
    loss = ((pts - [x0, y0]) ** 2).sum(1)
    ranks = rank_scores(list(loss))
    return TransferPrior(tuple(PriorPoint({"x": float(a), "y": float(b)}, r, 1.0, "past")
                               for (a, b), r in zip(pts, ranks, strict=True)))


def _run(sampler, n):
    study = tf.create_study(sampler=sampler)

    def objective(trial):
        x = trial.suggest_float("x", -5, 5)
        y = trial.suggest_float("y", -5, 5)
        return (x - 3) ** 2 + (y + 3) ** 2

    study.optimize(objective, n_trials=n)
    return study


@pytest.mark.parametrize("cls", [tf.TPESampler, tf.GPSampler])
def test_a_prior_near_the_optimum_starts_the_search_there(cls):
    warm = cls(seed=1)
    warm.set_prior(_prior_at(3.0, -3.0))
    cold = cls(seed=1)
    w, c = _run(warm, 6), _run(cold, 6)
    # the first trials already sit near the past optimum; the cold start's do not
    assert np.median([t.value for t in w.trials]) < np.median([t.value for t in c.trials])
    assert w.best_value < 2.0


def test_tpe_skips_its_random_start_up_with_a_prior_and_forgets_it_on_none():
    tpe = tf.TPESampler(seed=0, n_startup_trials=10)
    tpe.set_prior(_prior_at(3.0, -3.0))
    first = _run(tpe, 1).trials[0]
    assert abs(first.params["x"] - 3) + abs(first.params["y"] + 3) < 4
    tpe.set_prior(None)
    assert tpe.prior is None


def test_gp_starts_with_the_best_transferred_configuration():
    gp = tf.GPSampler(seed=0)
    prior = _prior_at(3.0, -3.0)
    gp.set_prior(prior)
    study = _run(gp, 2)
    best = min(prior.points, key=lambda p: p.rank)
    assert dict(study.trials[0].params) == pytest.approx(best.params)
    assert study.trials[0].system_attrs["gp_phase"] == "prior"
    assert dict(study.trials[1].params) != dict(study.trials[0].params)


def test_auto_hands_the_prior_to_the_sampler_it_picks():
    auto = tf.AutoSampler(seed=0)
    auto.set_prior(_prior_at(3.0, -3.0))
    study = _run(auto, 3)
    assert study.trials[0].system_attrs.get("gp_phase") == "prior"


def test_tpe_with_a_prior_still_explores_half_its_start_up_at_random():
    warm = tf.TPESampler(seed=0, n_startup_trials=6)
    warm.set_prior(_prior_at(3.0, -3.0))
    w = _run(warm, 8)
    c = _run(tf.TPESampler(seed=0, n_startup_trials=6), 8)
    explore = [t.number for t in w.trials if t.system_attrs.get("warm_start") == "explore"]
    assert explore == [1, 3, 5]  # every other start-up trial; none after the start-up
    for n in explore:  # drawn exactly as the cold start draws that trial
        assert dict(w.trials[n].params) == dict(c.trials[n].params)
    for n in (0, 2, 4):  # the others follow the prior, near the past optimum
        t = w.trials[n]
        assert abs(t.params["x"] - 3) + abs(t.params["y"] + 3) < 4


def test_gp_explores_after_the_transferred_configurations():
    gp = tf.GPSampler(seed=0, n_startup_trials=6)
    gp.set_prior(_prior_at(3.0, -3.0))
    phases = [t.system_attrs["gp_phase"] for t in _run(gp, 7).trials]
    assert phases == ["prior", "prior", "startup", "startup", "startup", "model", "model"]


def test_gp_records_how_much_the_prior_mean_still_weighs():
    """A prior that ranks the new study's trials right keeps more weight than one whose
    optimum is the new study's worst corner; each model trial says its weight."""
    weights = {}
    for name, prior in (("right", _prior_at(3.0, -3.0)), ("wrong", _prior_at(-5.0, 5.0))):
        gp = tf.GPSampler(seed=0, n_startup_trials=6)
        gp.set_prior(prior)
        model = [t for t in _run(gp, 9).trials if t.system_attrs["gp_phase"] == "model"]
        assert model and all(0.0 <= t.system_attrs["gp_prior_weight"] <= 1.0 for t in model)
        weights[name] = model[-1].system_attrs["gp_prior_weight"]
    assert weights["right"] > weights["wrong"]
    cold = _run(tf.GPSampler(seed=0, n_startup_trials=6), 8)
    assert not any("gp_prior_weight" in t.system_attrs for t in cold.trials)
