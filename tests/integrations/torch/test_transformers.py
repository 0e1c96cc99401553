"""Hugging Face Trainer: our optimizer and schedule passed in, pruning by callback."""

import importlib.util

import pytest

import tuneforge as tf
from tests.conftest import require_module, unavailable

torch = require_module("torch", "torch")

from tests.integrations.torch._models import TinyCNN, blobs  # noqa: E402
from tests.training._pruners import PruneAt  # noqa: E402
from tuneforge.integrations.torch import FineTuneConfig, trainer_optimizers  # noqa: E402
from tuneforge.integrations.torch.optim import current_lrs  # noqa: E402


def test_trainer_optimizers_freezes_and_builds_discriminative_groups():
    model = TinyCNN()
    cfg = FineTuneConfig(optimizer="adamw", head_lr=1e-2, lr_decay=0.5, freeze=1,
                         schedule="cosine", warmup=0.1)
    optimizer, scheduler = trainer_optimizers(model, cfg, num_training_steps=20)
    assert not model.stem.weight.requires_grad and model.block.weight.requires_grad
    lrs = current_lrs(optimizer)
    assert lrs["head"] == pytest.approx(2 * lrs["block"]) == pytest.approx(4 * lrs["norm/no_decay"])
    for _ in range(20):
        optimizer.step()
        scheduler.step()
    assert current_lrs(optimizer)["head"] < 1e-3
    with pytest.raises(ValueError, match="would freeze the head"):
        trainer_optimizers(model, FineTuneConfig(freeze=4), num_training_steps=5)


class Model(torch.nn.Module):
    """What the Trainer calls: forward(**batch) -> {"loss", "logits"}."""

    def __init__(self):
        super().__init__()
        self.body = torch.nn.Linear(6, 16)
        self.head = torch.nn.Linear(16, 2)

    def forward(self, x, labels=None):
        logits = self.head(torch.relu(self.body(x)))
        out = {"logits": logits}
        if labels is not None:
            out["loss"] = torch.nn.functional.cross_entropy(logits, labels)
        return out


def test_the_trainer_uses_our_optimizer_and_is_pruned(tmp_path):
    if importlib.util.find_spec("transformers") is None or \
            importlib.util.find_spec("accelerate") is None:
        unavailable("transformers is not installed (pip install 'tuneforge[transformers]')")
    import transformers

    from tuneforge.integrations.torch import TrainerPruningCallback

    X, y = blobs(64)
    rows = [{"x": a, "labels": b} for a, b in zip(X, y, strict=True)]
    study = tf.create_study(direction="minimize", pruner=PruneAt(8))
    seen = {}

    def objective(trial):
        model = Model()
        cfg = FineTuneConfig(optimizer="sgd", momentum=0.9, head_lr=0.1, lr_decay=0.1)
        args = transformers.TrainingArguments(
            output_dir=str(tmp_path), num_train_epochs=6, per_device_train_batch_size=16,
            eval_strategy="epoch", save_strategy="no", logging_strategy="no",
            report_to=[], use_cpu=True, disable_tqdm=True)
        optimizer, scheduler = trainer_optimizers(model, cfg, num_training_steps=24)
        trainer = transformers.Trainer(
            model=model, args=args, train_dataset=rows, eval_dataset=rows,
            optimizers=(optimizer, scheduler),
            callbacks=[TrainerPruningCallback(trial, "eval_loss")])
        seen["lrs"] = current_lrs(optimizer)
        trainer.train()
        return 0.0

    study.optimize(objective, n_trials=1)
    trial = study.trials[0]
    assert trial.state is tf.TrialState.PRUNED
    assert sorted(trial.intermediate) == [4, 8]  # 4 steps an epoch; pruned at step 8
    assert seen["lrs"]["body"] == pytest.approx(0.1 * seen["lrs"]["head"])
