"""Delta artifacts: only changed tensors, content-addressed, reloading to the same
predictions, and much smaller than a full copy when the backbone is partly frozen."""

import pytest

import tuneforge as tf
from tests.conftest import require_module

torch = require_module("torch", "torch")
safetensors_torch = require_module("safetensors.torch", "torch")

from torch import nn  # noqa: E402

from tuneforge.integrations.torch import (  # noqa: E402
    DeltaStore,
    FineTuneConfig,
    fine_tune,
    layer_groups,
    load_trial_model,
    replace_head,
    save_trial_delta,
    state_delta,
)
from tuneforge.integrations.torch.delta import DeltaError  # noqa: E402


def backbone_model(seed=0):
    """A 'pretrained' backbone (seeded: the same weights every time) with a new head."""
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
    torch.manual_seed(1234)
    replace_head(model, 3)
    return model


def images(n=48, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 1, 8, 8, generator=g)
    return X, (X.mean(dim=(1, 2, 3)) > 0).long() + (X[:, 0, 0, 0] > 1).long()


def test_only_changed_tensors_are_kept_and_the_delta_is_small(tmp_path):
    model = backbone_model()
    base = {k: v.clone() for k, v in model.state_dict().items()}
    groups = layer_groups(model)  # 0, 1, 3, 4, 6, 7, 11 (the head)
    X, y = images()
    # the convolutions frozen; the last norm layer and the head are fine-tuned
    cfg = FineTuneConfig(optimizer="adamw", head_lr=1e-2, batch_size=16, epochs=2, freeze=5)
    fine_tune(model, cfg, train=(X, y), validation=(X, y), groups=groups)
    changed, removed = state_delta(model, base)
    assert removed == []
    assert sorted(changed) == sorted(["7.weight", "7.bias", "7.running_mean", "7.running_var",
                                      "7.num_batches_tracked", "11.1.weight", "11.1.bias"])
    ref = DeltaStore(tmp_path / "deltas").save(model, base)
    full = tmp_path / "full.safetensors"
    safetensors_torch.save_file({k: v.contiguous() for k, v in model.state_dict().items()},
                                str(full))
    assert full.stat().st_size >= 5 * ref.nbytes
    assert ref.path.name == f"{ref.digest}.safetensors" and ref.n_tensors == 7


def test_a_trial_delta_reloads_to_identical_predictions():
    X, y = images()
    study = tf.create_study(direction="maximize")

    def objective(trial):
        model = backbone_model()
        base = {k: v.clone() for k, v in model.state_dict().items()}
        cfg = FineTuneConfig(head_lr=trial.suggest_float("lr", 1e-3, 1e-1, log=True),
                             batch_size=16, epochs=2, freeze=3)
        result = fine_tune(model, cfg, train=(X, y), validation=(X, y), trial=trial)
        save_trial_delta(trial, model, base)
        model.eval()
        trial.set_user_attr("logits", model(X[:4]).tolist())
        return result.best_score

    study.optimize(objective, n_trials=3)
    best = study.best_trial
    rebuilt = load_trial_model(study, lambda attrs: backbone_model())
    rebuilt.eval()
    with torch.no_grad():
        assert rebuilt(X[:4]).tolist() == best.user_attrs["logits"]
    assert len({t.user_attrs["finetune_delta"] for t in study.trials}) == 3


def test_same_content_same_file_and_a_wrong_base_is_refused(tmp_path):
    store = DeltaStore(tmp_path)
    model = backbone_model()
    base = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        model[11][1].weight.add_(1.0)
    first, again = store.save(model, base), store.save(model, base)
    assert first.digest == again.digest
    assert len(list(tmp_path.glob("*.safetensors"))) == 1
    other = backbone_model(seed=5)  # another "pretrained" backbone
    with pytest.raises(DeltaError, match="not the ones the delta was made from"):
        store.apply(first.digest, other)
    store.apply(first.digest, other, verify=False)
    assert torch.equal(other[11][1].weight, model[11][1].weight)
    with pytest.raises(DeltaError, match="no delta 'abc'"):
        store.apply("abc", other)
    with pytest.raises(DeltaError, match="has no tensors"):
        store.apply(first.digest, nn.Linear(2, 2))


def test_a_checkpoint_restores_bit_identical_weights():
    X, y = images()
    study = tf.create_study(direction="maximize")
    saved = {}

    def objective(trial):
        model = backbone_model()
        fine_tune(model, FineTuneConfig(batch_size=16, epochs=1), train=(X, y),
                  validation=(X, y), trial=trial)
        trial.checkpoint({"model": model.state_dict()})
        saved.update({k: v.clone() for k, v in model.state_dict().items()})
        restored = backbone_model(seed=9)
        restored.load_state_dict(trial.load_checkpoint()["model"])
        return float(all(torch.equal(v, saved[k]) for k, v in restored.state_dict().items()))

    study.optimize(objective, n_trials=1)
    assert study.trials[0].value == 1.0
