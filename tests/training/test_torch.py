"""fit_torch: early stopping with state_dict restore, and the missing-extra message."""

import builtins

import pytest

import tuneforge as tf
from tests.conftest import require_module
from tests.training._pruners import PruneAt
from tuneforge.training import fit_torch
from tuneforge.training.torch import require_torch

torch = require_module("torch", "torch")


def tiny_problem(seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(64, 4, generator=g)
    y = (X[:, 0] > 0).long()
    torch.manual_seed(seed)
    model = torch.nn.Linear(4, 2)
    return X, y, model


def test_the_best_epochs_weights_are_loaded_back():
    X, y, model = tiny_problem()
    opt = torch.optim.SGD(model.parameters(), lr=2.0)  # large steps: a noisy curve
    snapshots = []

    def validate(m):
        snapshots.append({k: v.clone() for k, v in m.state_dict().items()})
        return -torch.nn.functional.cross_entropy(m(X), y).item()

    stopper = tf.EarlyStopping(patience=2)
    model, log = fit_torch(model, optimizer=opt, loss_fn=torch.nn.functional.cross_entropy,
                           train_batches=lambda: [(X, y)], validate=validate,
                           max_epochs=40, early_stopping=stopper)
    best = stopper.best_step
    assert log.best_step == best + 1 and max(log.scores) == log.scores[best]
    for k, v in model.state_dict().items():
        assert torch.equal(v, snapshots[best][k])


def test_reports_each_epoch_and_prunes():
    X, y, model = tiny_problem()
    study = tf.create_study(direction="maximize", pruner=PruneAt(2))

    def objective(trial):
        lr = trial.suggest_float("lr", 0.01, 0.1)
        fit_torch(model, optimizer=torch.optim.SGD(model.parameters(), lr=lr),
                  loss_fn=torch.nn.functional.cross_entropy, train_batches=lambda: [(X, y)],
                  validate=lambda m: (m(X).argmax(1) == y).float().mean().item(),
                  max_epochs=10, trial=trial)
        return 0.0

    study.optimize(objective, n_trials=1)
    assert study.trials[0].state is tf.TrialState.PRUNED
    assert sorted(study.trials[0].intermediate) == [1, 2]


def test_without_torch_the_error_names_the_extra(monkeypatch):
    real = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("no torch")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    with pytest.raises(tf.MissingExtraError, match=r"tuneforge\[torch\]"):
        require_torch()
