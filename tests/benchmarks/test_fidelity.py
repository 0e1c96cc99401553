"""Every optimizer of the fidelity suite runs: a one-second budget on the SGD problem."""

import pytest

from benchmarks import fidelity, suites
from tests.benchmarks._peers import require_peers


def test_the_suite_lists_every_fidelity_optimizer():
    listed = {o for g in suites.SUITES["fidelity"].groups for o in g.optimizers}
    assert listed == set(fidelity.OPTIMIZERS)


@pytest.mark.parametrize("optimizer", ["tuneforge-asha", "tuneforge-bohb", "optuna-sha",
                                       "tuneforge-asha-gp-auto"])
def test_a_pruning_optimizer_runs_and_counts_its_prunes(optimizer):
    require_peers("optuna", "sklearn")
    rec = fidelity.run({"optimizer": optimizer, "problem": "fid-sgd-digits", "seed": 0,
                        "budget": 1.0}, {})
    assert rec["status"] == "ok", rec["error"]
    assert rec["steps"] == len(rec["best"]) > 0
    assert rec["complete"] + rec["pruned"] <= rec["trials"]
    assert rec["best"] == sorted(rec["best"], reverse=True)  # best so far never worsens
