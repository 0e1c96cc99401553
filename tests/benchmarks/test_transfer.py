"""The warm-start, online and drift benchmarks run end to end on tiny budgets."""

import warnings

from benchmarks import online, transfer


def test_transfer_pair_reports_trials_to_reach_the_cold_result():
    warnings.filterwarnings("ignore")
    row = transfer.run_pair("enet-diabetes", 0, 6, "tpe")
    assert row["similarity"] is not None and 0 < row["similarity"] <= 1
    reached = row["warm_trials_to_cold"]
    assert reached is None or 1 <= reached <= 6
    table = transfer.summarize([row], 6)
    assert "enet-diabetes" in table and "/1 |" in table


def test_online_stream_changes_at_the_change_point():
    batches = online.stream(0, 6, 3, size=50)
    assert len(batches) == 6
    assert batches[2][0].min() >= 0 and (batches[3][0] <= 1).all()
    assert not (batches[3][1] == batches[2][1]).all()
