"""LightningPruningCallback: reports each validation epoch to the trial and prunes."""

import importlib.util

import pytest

import tuneforge as tf
from tests.conftest import require_module, unavailable

torch = require_module("torch", "torch")
if importlib.util.find_spec("lightning") is None and \
        importlib.util.find_spec("pytorch_lightning") is None:
    unavailable("pytorch-lightning is not installed (pip install 'tuneforge[lightning]')")

from tests.integrations.torch._models import blobs  # noqa: E402
from tests.training._pruners import PruneAt  # noqa: E402
from tuneforge.integrations.torch import LightningPruningCallback  # noqa: E402
from tuneforge.integrations.torch.lightning import _pl as pl  # noqa: E402


class Classifier(pl.LightningModule):
    def __init__(self, lr):
        super().__init__()
        self.net = torch.nn.Linear(6, 2)
        self.lr = lr

    def training_step(self, batch, _):
        x, y = batch
        return torch.nn.functional.cross_entropy(self.net(x), y)

    def validation_step(self, batch, _):
        x, y = batch
        self.log("val_acc", (self.net(x).argmax(1) == y).float().mean())

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr)


def loaders():
    X, y = blobs(96)
    data = torch.utils.data.TensorDataset(X, y)
    return (torch.utils.data.DataLoader(data, batch_size=32),
            torch.utils.data.DataLoader(data, batch_size=96))


def trainer(callback, epochs=6):
    return pl.Trainer(max_epochs=epochs, callbacks=[callback], logger=False,
                      enable_checkpointing=False, enable_progress_bar=False,
                      enable_model_summary=False, accelerator="cpu", devices=1)


def test_each_validation_epoch_is_reported_and_the_trial_pruned():
    study = tf.create_study(direction="maximize", pruner=PruneAt(3))

    def objective(trial):
        train, val = loaders()
        trainer(LightningPruningCallback(trial, "val_acc")).fit(
            Classifier(trial.suggest_float("lr", 0.01, 0.1)), train, val)
        return 1.0

    study.optimize(objective, n_trials=1)
    trial = study.trials[0]
    assert trial.state is tf.TrialState.PRUNED
    assert sorted(trial.intermediate) == [1, 2, 3]  # the sanity check is not reported
    assert all(0.0 <= v <= 1.0 for v in trial.intermediate.values())


def test_an_unlogged_metric_is_named():
    study = tf.create_study(direction="maximize")
    trial = study.ask()
    train, val = loaders()
    with pytest.raises(KeyError, match="'val_loss' was not logged.*val_acc"):
        trainer(LightningPruningCallback(trial, "val_loss"), epochs=1).fit(
            Classifier(0.1), train, val)
