"""Layer groups, freezing (counts, patterns, gradual) and head replacement."""

import pytest

from tests.conftest import require_module

torch = require_module("torch", "torch")

from tests.integrations.torch._models import TinyCNN, mlp  # noqa: E402
from tuneforge.integrations.torch import (  # noqa: E402
    GradualUnfreezing,
    freeze,
    layer_groups,
    make_optimizer,
    param_groups,
    replace_head,
    trainable_names,
    unfreeze,
)
from tuneforge.integrations.torch.layers import count_parameters, frozen_norms_to_eval  # noqa: E402


def test_groups_follow_the_module_tree_from_input_to_head():
    groups = layer_groups(TinyCNN())
    assert [g.name for g in groups] == ["stem", "norm", "block", "head"]
    assert groups[0].params == ("stem.weight", "stem.bias")
    assert [g.name for g in layer_groups(mlp())] == ["0", "2", "4"]


def test_groups_by_patterns_and_their_errors():
    groups = layer_groups(TinyCNN(), patterns=["stem", "norm", "re:^block\\.", "head"])
    assert [len(g) for g in groups] == [2, 2, 2, 2]
    merged = layer_groups(TinyCNN(), patterns=["stem", "norm", "*"])
    assert merged[-1].params == ("block.weight", "block.bias", "head.weight", "head.bias")
    with pytest.raises(ValueError, match="match no pattern.*head.weight"):
        layer_groups(TinyCNN(), patterns=["stem", "norm", "block"])
    with pytest.raises(ValueError, match=r"\['nothing'\] match no parameter"):
        layer_groups(TinyCNN(), patterns=["*", "nothing"])
    with pytest.raises(ValueError, match="bad regular expression"):
        layer_groups(TinyCNN(), patterns=["re:("])


def test_a_frozen_group_gets_no_gradient_and_no_update_from_any_optimizer():
    for name in ("sgd", "nesterov", "adam", "adamw", "rmsprop", "adagrad"):
        torch.manual_seed(0)
        model = TinyCNN()
        frozen = freeze(model, 2)
        assert frozen == ["stem.weight", "stem.bias", "norm.weight", "norm.bias"]
        before = {n: p.detach().clone() for n, p in model.named_parameters()}
        opt = make_optimizer(name, param_groups(model, 0.1, weight_decay=0.1), lr=0.1)
        x, y = torch.randn(8, 1, 6, 6), torch.randint(0, 3, (8,))
        for _ in range(3):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        for n, p in model.named_parameters():
            if n in frozen:
                assert p.grad is None, (name, n)
                assert torch.equal(p, before[n]), (name, n)
            else:
                assert not torch.equal(p, before[n]), (name, n)


def test_freeze_by_pattern_and_unfreeze():
    model = TinyCNN()
    assert freeze(model, patterns=["re:weight$"]) == [
        "stem.weight", "norm.weight", "block.weight", "head.weight"]
    assert trainable_names(model) == ["stem.bias", "norm.bias", "block.bias", "head.bias"]
    unfreeze(model)
    assert count_parameters(model, trainable_only=True) == count_parameters(model)
    with pytest.raises(ValueError, match=r"n_groups must be an integer in \[0, 4\]"):
        freeze(model, 5)
    with pytest.raises(ValueError, match="exactly one"):
        freeze(model, 1, patterns=["stem"])
    with pytest.raises(ValueError, match="match no parameter"):
        freeze(model, patterns=["nope"])


def test_gradual_unfreezing_opens_one_group_per_period_from_the_head():
    model = TinyCNN()
    groups = layer_groups(model)
    freeze(model, 3, groups=groups)
    schedule = GradualUnfreezing(groups, frozen=3, every=2)
    assert [schedule.frozen_at(e) for e in range(1, 9)] == [3, 3, 2, 2, 1, 1, 0, 0]
    assert schedule.apply(model, 1) == []
    assert schedule.apply(model, 3) == ["block.weight", "block.bias"]
    assert schedule.apply(model, 7) == ["stem.weight", "stem.bias", "norm.weight", "norm.bias"]


def test_frozen_norm_layers_keep_their_running_statistics():
    model = TinyCNN()
    freeze(model, 2)
    mean = model.norm.running_mean.clone()
    model.train()
    assert frozen_norms_to_eval(model) == 1
    model(torch.randn(4, 1, 6, 6) + 3)
    assert torch.equal(model.norm.running_mean, mean)


def test_replace_head_keeps_the_features_and_changes_the_classes():
    model = TinyCNN(n_classes=10)
    swap = replace_head(model, 4, dropout=0.3)
    assert swap.path == "head" and swap.old.out_features == 10
    assert model(torch.randn(2, 1, 6, 6)).shape == (2, 4)
    assert model.head[0].p == 0.3 and layer_groups(model)[-1].params == (
        "head.1.weight", "head.1.bias")
    again = replace_head(model, 2)  # a Sequential ending in a Linear is a head too
    assert again.old is swap.new and model.head[1].out_features == 2
    nested = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Sequential(
        torch.nn.ReLU(), torch.nn.Linear(3, 5)))
    assert replace_head(nested, 2).path == "1.1"
    with pytest.raises(TypeError, match="not an nn.Linear"):
        replace_head(model, 2, path="stem")
    with pytest.raises(ValueError, match="no nn.Linear"):
        replace_head(torch.nn.Conv2d(1, 1, 1), 2)
    with pytest.raises(ValueError, match="num_classes"):
        replace_head(model, 0)
