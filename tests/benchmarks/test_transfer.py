"""The warm-start, online and drift benchmarks run end to end on tiny budgets."""

import warnings

from benchmarks import online, transfer


def test_transfer_pair_reports_trials_to_reach_the_cold_result():
    warnings.filterwarnings("ignore")
    row = transfer.run_pair("enet-diabetes", 0, 6, "tpe")
    assert row["similarity"] is not None and 0 < row["similarity"] <= 1
    reached = row["warm_trials_to_cold"]
    assert reached is None or 1 <= reached <= 6
    assert len(row["cold_curve"]) == len(row["warm_curve"]) == 6
    assert row["cold_curve"] == sorted(row["cold_curve"], reverse=True)  # best so far
    table = transfer.summarize([row], 6)
    assert "enet-diabetes" in table and "/1 |" in table


def test_cold_vs_cold_counts_the_other_seeds_that_reach_a_cold_result_in_half():
    fast = {"cold_curve": [5.0, 1.0, 1.0, 1.0]}    # reaches 1.0 at trial 2
    slow = {"cold_curve": [5.0, 4.0, 3.0, 1.0]}    # reaches 1.0 at trial 4
    assert transfer.reach(slow["cold_curve"], 1.0) == 4
    assert transfer.reach(slow["cold_curve"], 0.5) is None
    # fast reaches slow's final within 2 trials; slow does not reach fast's
    assert transfer.cold_vs_cold([fast, slow], 4) == (1, 2)
    assert transfer.cold_vs_cold([fast], 4) is None
    table = transfer.summarize([dict(fast, pair="p", sampler="gp", seed=0, cold_best=1.0,
                                     warm_best=1.0, warm_trials_to_cold=2),
                                dict(slow, pair="p", sampler="gp", seed=1, cold_best=1.0,
                                     warm_best=1.0, warm_trials_to_cold=None)], 4)
    assert table.splitlines()[-1].endswith("| 1/2 | 1/2 |")


def test_online_stream_changes_at_the_change_point():
    batches = online.stream(0, 6, 3, size=50)
    assert len(batches) == 6
    assert batches[2][0].min() >= 0 and (batches[3][0] <= 1).all()
    assert not (batches[3][1] == batches[2][1]).all()
