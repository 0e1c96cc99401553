"""Discriminative parameter groups, optimizers and schedules by name."""

import math

import pytest

from tests.conftest import require_module

torch = require_module("torch", "torch")

from tests.integrations.torch._models import TinyCNN  # noqa: E402
from tuneforge.integrations.torch import (  # noqa: E402
    OPTIMIZERS,
    SCHEDULERS,
    freeze,
    lr_factor,
    make_optimizer,
    make_scheduler,
    param_groups,
)
from tuneforge.integrations.torch.optim import current_lrs, group_lrs  # noqa: E402


def test_group_learning_rates_land_in_the_optimizer():
    model = TinyCNN()
    opt = make_optimizer("adamw", param_groups(model, 0.1, 0.5, weight_decay=0.01))
    assert current_lrs(opt) == {
        "stem": 0.0125, "stem/no_decay": 0.0125, "norm/no_decay": 0.025,
        "block": 0.05, "block/no_decay": 0.05, "head": 0.1, "head/no_decay": 0.1}
    decays = {g["name"]: g["weight_decay"] for g in opt.param_groups}
    assert decays["block"] == 0.01 and decays["block/no_decay"] == 0.0
    assert decays["norm/no_decay"] == 0.0  # norm scales are not decayed
    assert group_lrs(1.0, 0.1, 3) == pytest.approx([0.01, 0.1, 1.0])


def test_per_group_weight_decay_and_trainable_only():
    model = TinyCNN()
    groups = param_groups(model, 0.1, weight_decay=[0.0, 0.0, 0.2, 0.3])
    assert [g["weight_decay"] for g in groups if "/" not in g["name"]] == [0.0, 0.2, 0.3]
    freeze(model, 3)
    assert [g["name"] for g in param_groups(model, 0.1, trainable_only=True)] == [
        "head", "head/no_decay"]
    with pytest.raises(ValueError, match="2 weight decays for 4 layer groups"):
        param_groups(model, 0.1, weight_decay=[0.1, 0.2])
    with pytest.raises(ValueError, match="head_lr must be a finite number > 0"):
        param_groups(model, 0.0)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_each_optimizer_builds_and_steps(name):
    torch.manual_seed(0)
    model = TinyCNN()
    opt = make_optimizer(name, param_groups(model, 0.05), momentum=0.9)
    x, y = torch.randn(16, 1, 6, 6), torch.randint(0, 3, (16,))
    before = model.head.weight.detach().clone()
    for _ in range(2):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    assert not torch.equal(before, model.head.weight)
    expected = {"sgd": 0.0, "sgd_momentum": 0.9, "nesterov": 0.9}
    if name in expected:
        assert opt.defaults["momentum"] == expected[name]
        assert opt.defaults["nesterov"] is (name == "nesterov")


def test_optimizer_errors_name_the_problem():
    params = TinyCNN().parameters()
    with pytest.raises(ValueError, match="unknown optimizer 'lamb'"):
        make_optimizer("lamb", params)
    with pytest.raises(ValueError, match="nesterov needs momentum > 0"):
        make_optimizer("nesterov", TinyCNN().parameters(), momentum=0.0)
    with pytest.raises(ValueError, match="betas"):
        make_optimizer("adam", TinyCNN().parameters(), betas=(0.9, 1.0))


@pytest.mark.parametrize("name", SCHEDULERS)
def test_each_schedule_builds_and_steps(name):
    model = TinyCNN()
    opt = make_optimizer("sgd_momentum", param_groups(model, 0.1, 0.5))
    sched = make_scheduler(name, opt, total_steps=20, warmup_steps=2 if name != "one_cycle"
                           else 0)
    lrs = []
    for _ in range(20):
        opt.step()
        sched.step()
        lrs.append(current_lrs(opt)["head"])
    # the discriminative ratio survives every schedule
    assert current_lrs(opt)["block"] == pytest.approx(current_lrs(opt)["head"] * 0.5)
    if name == "constant":
        assert lrs[-1] == pytest.approx(0.1)
    else:
        assert lrs[-1] < 0.1 * 0.5


def test_lr_factor_shapes():
    assert lr_factor("linear_warmup", 0, 10, warmup_steps=4) == pytest.approx(0.2)
    assert lr_factor("linear_warmup", 4, 10, warmup_steps=4) == 1.0
    assert lr_factor("linear_warmup", 9, 10, warmup_steps=4) == 0.0
    assert lr_factor("cosine", 5, 11) == pytest.approx(0.5)
    assert lr_factor("step", 7, 10, step_every=3, gamma=0.5) == 0.25
    assert math.isclose(lr_factor("cosine", 10, 11, min_factor=0.1), 0.1)
    with pytest.raises(ValueError, match="unknown schedule 'poly'"):
        make_scheduler("poly", make_optimizer("sgd", TinyCNN().parameters()), total_steps=3)
    with pytest.raises(ValueError, match="warmup_steps"):
        make_scheduler("cosine", make_optimizer("sgd", TinyCNN().parameters()),
                       total_steps=3, warmup_steps=3)
