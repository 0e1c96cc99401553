"""Space-filling designs are seeded by the study; a sampler's seed= only stands in for it."""

import pytest

import tuneforge as tf


def _first_points(sampler_factory, seed, n=3):
    study = tf.create_study(sampler=sampler_factory(), seed=seed)
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1), n_trials=n)
    return [tuple(t.params.values()) for t in study.trials]


@pytest.mark.parametrize("factory", [
    lambda: tf.RandomSampler(qmc=True),
    lambda: tf.GPSampler(),
    lambda: tf.GeneticSampler(),
], ids=["qmc", "gp", "ga"])
def test_unseeded_samplers_take_the_study_seed(factory):
    a = _first_points(factory, seed=1)
    assert a == _first_points(factory, seed=1)          # same study seed: same design
    assert a != _first_points(factory, seed=2)          # another study: another design


def test_a_sampler_seed_is_the_study_seed_when_the_study_has_none():
    a = _first_points(lambda: tf.RandomSampler(seed=7, qmc=True), seed=None)
    assert a == _first_points(lambda: tf.RandomSampler(qmc=True), seed=7)


def test_the_samplers_share_one_sobol_design():
    # samplers.base.sobol_point: point n of the study's design is trial n's, whichever
    # sampler asks (the GP's startup trials, the GA's generation 0, random qmc); trial 0,
    # before the joint space is known, is drawn one parameter at a time
    qmc = _first_points(lambda: tf.RandomSampler(qmc=True), seed=3, n=4)[1:]
    assert qmc == _first_points(lambda: tf.GPSampler(), seed=3, n=4)[1:]
    assert qmc == _first_points(lambda: tf.GeneticSampler(), seed=3, n=4)[1:]
