"""benchmarks.pbt's methods on a tiny budget: equal epochs, a schedule, honest fields."""

from __future__ import annotations

from tests.conftest import require_module

require_module("sklearn", "sklearn")
require_module("torch", "torch")


def test_pbt_and_the_grid_train_the_same_number_of_epochs() -> None:
    from benchmarks import pbt

    ours = pbt.run_tuneforge(0, population=2, epochs=4, interval=2, synchronous=True)
    grid = pbt.run_grid(0, population=2, epochs=4, interval=2)
    assert ours["epochs_trained"] == grid["epochs_trained"] == 8
    assert ours["final_model_epochs"] == 4 == grid["final_model_epochs"]
    assert [s[:2] for s in ours["schedule"]] == [[0, 2], [2, 4]]
    assert all(pbt.LR_LOW <= s[2] <= pbt.LR_HIGH for s in ours["schedule"])
    assert grid["best_lr"] in (pbt.LR_LOW, pbt.LR_HIGH)
    for run in (ours, grid):
        assert 0 < run["val_loss"] < 2.5 and 0 <= run["test_acc"] <= 1
        assert run["curve"][-1][0] == 8
        ys = [y for _, y in run["curve"]]
        assert ys == sorted(ys, reverse=True)  # best so far never gets worse
