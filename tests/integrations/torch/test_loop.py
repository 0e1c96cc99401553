"""fine_tune: reporting, pruning, early stopping at the right epoch, seeds, gradient
accumulation, the overfitting gap, forgetting and L2-SP."""

import pytest

import tuneforge as tf
from tests.conftest import require_module

torch = require_module("torch", "torch")

from tests.integrations.torch._models import TinyCNN, blobs, mlp  # noqa: E402
from tests.training._pruners import PruneAt  # noqa: E402
from tuneforge.integrations.torch import (  # noqa: E402
    FineTuneConfig,
    SourceTask,
    fine_tune,
    replace_head,
)
from tuneforge.integrations.torch.loop import evaluate  # noqa: E402

SGD = FineTuneConfig(optimizer="sgd", momentum=0.0, head_lr=0.05, weight_decay=0.0,
                     batch_size=32, epochs=6)


def data(n=120):
    X, y = blobs(n)
    return (X[:80], y[:80]), (X[80:], y[80:])


def test_reports_every_epoch_and_is_pruned_where_the_pruner_says():
    train, val = data()
    study = tf.create_study(direction="maximize", pruner=PruneAt(3))

    def objective(trial):
        return fine_tune(mlp(), SGD, train=train, validation=val, trial=trial).best_score

    study.optimize(objective, n_trials=1)
    trial = study.trials[0]
    assert trial.state is tf.TrialState.PRUNED
    assert sorted(trial.intermediate) == [1, 2, 3]
    assert trial.user_attrs["epochs_run"] == 3 and "gap" in trial.user_attrs
    assert trial.user_attrs["finetune_config"]["optimizer"] == "sgd"


def test_early_stops_at_the_right_epoch_and_restores_the_best_weights():
    train, val = data()
    script = iter([0.5, 0.7, 0.69, 0.74, 0.6, 0.9, 0.9])
    seen = {}

    def metric(logits, targets):
        if len(targets) != len(val[1]):  # the train sample: a plain accuracy
            return float((logits.argmax(1) == targets).float().mean())
        epoch = len(seen) + 1
        seen[epoch] = logits.clone()
        return next(script)

    model = mlp()
    result = fine_tune(model, SGD.__class__(**{**SGD.to_json(), "epochs": 7}), train=train,
                       validation=val, metric=metric, patience=2, min_delta=0.05)
    # 0.7 at epoch 2 is the best; 0.69 and 0.74 do not beat it by more than 0.05
    assert result.log.steps == [1, 2, 3, 4] and result.log.stopped_early
    assert result.best_epoch == 2 and result.best_score == 0.7
    model.eval()
    assert torch.equal(model(val[0]), seen[2])
    assert result.gap == pytest.approx(result.train_scores[1] - 0.7)


def test_the_same_seed_gives_the_same_weights_and_another_seed_does_not():
    train, val = data()
    cfg = FineTuneConfig(optimizer="adam", head_lr=1e-2, batch_size=16, epochs=3, dropout=0.0)
    weights = []
    for seed in (3, 3, 4):
        model = mlp(seed=0)
        fine_tune(model, cfg, train=train, validation=val, seed=seed)
        weights.append(model[0].weight.detach().clone())
    assert torch.equal(weights[0], weights[1]) and not torch.equal(weights[0], weights[2])


def test_gradient_accumulation_matches_the_full_batch():
    train, val = data()
    cfg = FineTuneConfig(optimizer="sgd", momentum=0.9, head_lr=0.05, batch_size=40, epochs=2)
    full, split = mlp(), mlp()
    fine_tune(full, cfg, train=train, validation=val, restore_best=False)
    fine_tune(split, cfg, train=train, validation=val, max_batch_size=7, restore_best=False)
    for a, b in zip(full.parameters(), split.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_overfitting_is_flagged_from_the_train_validation_gap():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(224, 6, generator=g)
    y = (X[:, 0] * X[:, 1] > 0).long()  # XOR-like: 24 examples are too few to learn it
    cfg = FineTuneConfig(optimizer="adam", head_lr=1e-2, batch_size=8, epochs=40)
    result = fine_tune(mlp(width=128), cfg, train=(X[:24], y[:24]),
                       validation=(X[24:], y[24:]))
    assert result.train_scores[result.best_epoch - 1] == 1.0  # memorized
    assert result.gap > 0.2 and result.overfitting
    X, y = blobs(200)
    clean = fine_tune(mlp(), SGD, train=(X[:100], y[:100]), validation=(X[100:], y[100:]))
    assert not clean.overfitting and abs(clean.gap) < 0.1


def _pretrained_on_source():
    torch.manual_seed(0)
    X = torch.randn(300, 6)
    y = (X[:, 2] - X[:, 3] > 0).long()
    model = mlp(n_out=2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(200):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(X), y).backward()
        opt.step()
    return model, (X, y)


def test_forgetting_is_measured_and_l2sp_keeps_weights_near_the_start():
    train, val = data()
    results, drift = {}, {}
    for alpha in (0.0, 0.5):
        model, (Xs, ys) = _pretrained_on_source()
        start = model[0].weight.detach().clone()
        swap = replace_head(model, 2)
        source = SourceTask(Xs, ys, head=swap.old, path=swap.path)
        cfg = FineTuneConfig(optimizer="sgd", momentum=0.9, head_lr=0.05, batch_size=16,
                             epochs=8, l2sp=alpha)
        results[alpha] = fine_tune(model, cfg, train=train, validation=val, source=source,
                                   restore_best=False)
        drift[alpha] = float((model[0].weight.detach() - start).norm())
    plain = results[0.0]
    assert plain.source_before > 0.95  # the source head on the untouched backbone
    assert len(plain.source_scores) == 8
    assert plain.forgetting == pytest.approx(
        plain.source_before - plain.source_scores[plain.best_epoch - 1])
    assert drift[0.5] < 0.5 * drift[0.0]
    assert results[0.5].forgetting < 0.5 * plain.forgetting


def test_frozen_layers_stay_bit_identical_and_gradual_unfreezing_opens_them():
    torch.manual_seed(0)
    X, y = torch.randn(48, 1, 6, 6), torch.randint(0, 3, (48,))
    model = TinyCNN()
    stem, mean = model.stem.weight.detach().clone(), model.norm.running_mean.clone()
    cfg = FineTuneConfig(optimizer="sgd", momentum=0.9, head_lr=0.1, batch_size=16, epochs=3,
                         freeze=2)
    fine_tune(model, cfg, train=(X, y), validation=(X, y))
    assert torch.equal(model.stem.weight, stem) and torch.equal(model.norm.running_mean, mean)
    gradual = FineTuneConfig(**{**cfg.to_json(), "unfreeze_every": 1})
    fine_tune(model, gradual, train=(X, y), validation=(X, y), restore_best=False)
    assert not torch.equal(model.stem.weight, stem)


def test_a_diverging_run_stops_and_says_so():
    train, val = data()
    cfg = FineTuneConfig(optimizer="sgd", momentum=0.9, head_lr=1e30, batch_size=8, epochs=5)
    result = fine_tune(mlp(), cfg, train=train, validation=val)
    assert result.diverged and len(result.log.steps) == 1


def test_mixed_precision_on_cpu_runs_and_a_dataset_works():
    train, val = data()
    dataset = torch.utils.data.TensorDataset(*train)
    result = fine_tune(mlp(), SGD, train=dataset, validation=val, amp=True)
    assert 0.0 <= result.best_score <= 1.0 and result.samples_per_second > 0
    assert evaluate(result.model, val, lambda o, t: float(len(o))) == len(val[1])


def test_bad_input_is_refused_with_its_name():
    train, val = data()
    with pytest.raises(ValueError, match="freeze=3 would freeze the head"):
        fine_tune(mlp(), FineTuneConfig(freeze=3), train=train, validation=val)
    with pytest.raises(ValueError, match="train has 80 inputs but 3 targets"):
        fine_tune(mlp(), SGD, train=(train[0], train[1][:3]), validation=val)
    with pytest.raises(TypeError, match="validation must be an"):
        fine_tune(mlp(), SGD, train=train, validation=42)
    with pytest.raises(TypeError, match="config must be a FineTuneConfig"):
        fine_tune(mlp(), {"head_lr": 0.1}, train=train, validation=val)
    with pytest.raises(ValueError, match="max_batch_size"):
        fine_tune(mlp(), SGD, train=train, validation=val, max_batch_size=0)


def test_norm_eval_keeps_every_running_statistic_but_trains_the_scales():
    torch.manual_seed(0)
    X, y = torch.randn(32, 1, 6, 6) + 2.0, torch.randint(0, 3, (32,))
    model = TinyCNN()
    mean, scale = model.norm.running_mean.clone(), model.norm.weight.detach().clone()
    cfg = FineTuneConfig(optimizer="sgd", momentum=0.9, head_lr=0.1, batch_size=16, epochs=2)
    fine_tune(model, cfg, train=(X, y), validation=(X, y), norm_eval=True, restore_best=False)
    assert torch.equal(model.norm.running_mean, mean)
    assert not torch.equal(model.norm.weight, scale)
    fine_tune(model, cfg, train=(X, y), validation=(X, y), restore_best=False)
    assert not torch.equal(model.norm.running_mean, mean)  # by default they adapt
