"""benchmarks.finetune_transfer on a tiny budget: the arms select on validation only,
fine-tuning starts from the pretrained weights, and scratch from random ones."""

from __future__ import annotations

import pytest

from tests.conftest import require_module

require_module("sklearn", "sklearn")
torch = require_module("torch", "torch")


@pytest.mark.slow
def test_the_arms_run_and_report_honest_fields() -> None:
    from benchmarks import finetune_transfer as ft

    torch.set_num_threads(1)
    data = ft.tasks("plain")
    assert data["n_source"] == data["n_target"] == 5
    train, val, test = ft.target_split(data, seed=0, labels=2)
    assert len(train[1]) == len(val[1]) == 10 and len(test[1]) > 800
    assert sorted(train[1].tolist()) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    weights = {k: torch.zeros_like(v) for k, v in ft.cnn(5).state_dict().items()}
    model, source = ft._build(data, weights, seed=0, dropout=0.0)
    assert torch.equal(model[0].weight, weights["0.weight"]) and source is not None
    scratch, none = ft._build(data, None, seed=0, dropout=0.0)
    assert none is None and not torch.equal(scratch[0].weight, weights["0.weight"])
    pretrained, acc = ft.pretrain(data, epochs=4)
    assert acc > 0.8
    runs = [ft.run_arm(arm, data, pretrained, 0, labels=2, trials=2) for arm in ft.ARMS]
    for run in runs:
        assert 0 <= run["test_acc"] <= 1 and 0 <= run["val_acc"] <= 1
    assert "forgetting" not in runs[0]  # from scratch: no source task to forget
    assert runs[2]["source_before"] > 0.9 and "params" in runs[2]
    rows = ft.summarize(runs)
    assert [r["arm"] for r in rows] == list(ft.ARMS)
    assert "finetune-tuned" in ft.table(rows)
