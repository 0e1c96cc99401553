"""FineTuneSpace: conditional parameters, documented ranges, any sampler."""

import json

import pytest

import tuneforge as tf
from tuneforge.integrations.torch.space import FineTuneConfig, FineTuneSpace


def _params(config_space, seed=0, n=40, sampler=None):
    study = tf.create_study(direction="maximize", sampler=sampler or tf.RandomSampler(seed=seed))
    configs = []

    def objective(trial):
        config = config_space.suggest(trial)
        configs.append(config)
        return -abs(config.head_lr - 1e-3) - config.freeze * 0.01

    study.optimize(objective, n_trials=n)
    return study, configs


def test_conditional_parameters_appear_only_where_they_mean_something():
    space = FineTuneSpace(backbone_groups=3, l2sp=True)
    study, configs = _params(space, n=60)
    for t, config in zip(study.trials, configs, strict=True):
        p = t.params
        assert ("momentum" in p) == (p["optimizer"] == "sgd" and p["sgd_momentum"])
        assert ("nesterov" in p) == ("momentum" in p)
        assert ("beta1" in p) == (p["optimizer"] in ("adam", "adamw"))
        assert ("warmup" in p) == (p["schedule"] in ("cosine", "linear_warmup"))
        assert ("step_gamma" in p) == (p["schedule"] == "step")
        assert ("unfreeze_every" in p) == (p["freeze"] > 0)
        assert ("l2sp" in p) == p["use_l2sp"]
        assert 0 <= config.freeze <= 3 and 1e-5 <= config.head_lr <= 1e-1
        if p["optimizer"] == "sgd" and not p["sgd_momentum"]:
            assert config.optimizer_name == "sgd" and config.momentum == 0.0
        assert FineTuneConfig.from_params(p) == config
        assert FineTuneConfig(**json.loads(json.dumps(config.to_json()))) == config
    assert {t.params["optimizer"] for t in study.trials} == {
        "sgd", "adam", "adamw", "rmsprop", "adagrad"}


@pytest.mark.parametrize("sampler", [tf.TPESampler(seed=1), tf.GPSampler(seed=1),
                                     tf.CmaEsSampler(seed=1), tf.GeneticSampler(seed=1),
                                     tf.AutoSampler(seed=1)],
                         ids=lambda s: type(s).__name__)
def test_any_sampler_draws_valid_configs(sampler):
    space = FineTuneSpace(backbone_groups=2, optimizers=("sgd", "adamw"),
                          schedules=("cosine", "step"), epochs=(2, 4))
    study, configs = _params(space, n=14, sampler=sampler)
    assert len(configs) == 14 and all(c.schedule in ("cosine", "step") for c in configs)
    assert study.best_value is not None


def test_several_models_each_with_their_own_freeze_range():
    space = FineTuneSpace(models=("small", "big"), backbone_groups={"small": 1, "big": 5})
    study, configs = _params(space, n=30)
    for t, c in zip(study.trials, configs, strict=True):
        assert f"freeze_{c.model}" in t.params and "freeze" not in t.params
        assert c.freeze <= {"small": 1, "big": 5}[c.model]
    assert {c.model for c in configs} == {"small", "big"}


def test_fixed_values_are_not_drawn_and_fixed_trial_works():
    space = FineTuneSpace(backbone_groups=2, fixed={"optimizer": "adam", "batch_size": 8,
                                                   "epochs": 3})
    config = space.suggest(tf.FixedTrial({"head_lr": 0.01, "lr_decay": 0.5,
                                          "weight_decay": 1e-4, "beta1": 0.9, "beta2": 0.99,
                                          "freeze": 0, "schedule": "constant",
                                          "dropout": 0.1}))
    assert (config.optimizer, config.batch_size, config.epochs, config.beta2) == (
        "adam", 8, 3, 0.99)


def test_bad_spaces_and_configs_say_what_is_wrong():
    with pytest.raises(ValueError, match="unknown optimizers"):
        FineTuneSpace(optimizers=("lion",))
    with pytest.raises(ValueError, match="missing"):
        FineTuneSpace(models=("a", "b"), backbone_groups={"a": 2})
    with pytest.raises(ValueError, match="head_lr range"):
        FineTuneSpace(head_lr=(1.0, 0.1))
    with pytest.raises(ValueError, match="fixed names unknown"):
        FineTuneSpace(fixed={"learning_rate": 0.1})
    with pytest.raises(ValueError, match="schedule must be one of"):
        FineTuneConfig(schedule="poly")
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        FineTuneConfig(batch_size=0)
