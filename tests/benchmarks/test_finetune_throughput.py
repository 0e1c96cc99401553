"""benchmarks.finetune_throughput: both loops train the same model and report speeds."""

from __future__ import annotations

from tests.conftest import require_module

torch = require_module("torch", "torch")


def test_both_loops_train_and_measure() -> None:
    from benchmarks import finetune_throughput as ft

    torch.set_num_threads(1)
    X, y = torch.randn(16, 3, 8, 8), torch.randint(0, 10, (16,))
    speeds = []
    for loop in (ft.ours, ft.hand_loop):
        torch.manual_seed(0)
        model = ft.resnet_like()
        before = model[-1].weight.detach().clone()
        speeds.append(loop(model, X, y, epochs=1, batch=8, amp=False,
                           device=torch.device("cpu")))
        assert not torch.equal(before, model[-1].weight)  # it trained
    assert all(s > 0 for s in speeds)
