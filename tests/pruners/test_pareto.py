"""ParetoPruner on hand-made vector curves: which trial stops at which step, and why."""

import pytest

import tuneforge as tf
from tuneforge.exceptions import TuneforgeError
from tuneforge.math.pareto import non_dominated_fronts
from tuneforge.pruners.pareto import ParetoPruner, crowding
from tuneforge.testing import PrunerContract
from tuneforge.trial.records import TrialState

# both objectives minimized; trials 0 and 1 complete, each then runs in turn
CURVES = [
    [(1, 4), (1, 3), (1, 2)],
    [(4, 1), (3, 1), (2, 1)],
    [(0.5, 0.5), (5, 5), (0, 0)],   # best at step 0, dominated by both at step 1
    [(2, 2), (2, 2), (2, 2)],       # dominated by trial 2 at step 0
]


def run(pruner, curves=CURVES, directions=("minimize", "minimize")):
    """{trial: step it was pruned at, or None} and the study."""
    study = tf.create_study(directions=list(directions), pruner=pruner, seed=0)
    stopped = {}
    for i, curve in enumerate(curves):
        trial = study.ask()
        stopped[i] = None
        for step, vec in enumerate(curve):
            trial.report(list(vec), step)
            if trial.should_prune():
                study.tell(trial, state="PRUNED")
                stopped[i] = step
                break
        else:
            study.tell(trial, list(curve[-1]))
    return stopped, study


def test_rank_and_crowding_rule_stops_exactly_these_trials():
    stopped, study = run(ParetoPruner(eta=2, n_startup_trials=2, n_min_trials=2))
    assert stopped == {0: None, 1: None, 2: 1, 3: 0}
    t2, t3 = study.trials[2].system_attrs, study.trials[3].system_attrs
    # step 1: (5, 5) behind both peers, 3rd of 3 where ceil(3 / 2) = 2 continue
    assert {k: t2[k] for k in ("prune_step", "prune_rank", "prune_n_dominating",
                               "prune_n_peers", "prune_position", "prune_keep")} == \
        {"prune_step": 1, "prune_rank": 1, "prune_n_dominating": 2, "prune_n_peers": 2,
         "prune_position": 2, "prune_keep": 2}
    # step 0: (2, 2) shares front 1 with (1, 4) and (4, 1) behind (0.5, 0.5); they are
    # that front's ends (infinite crowding), so it is 4th of 4 and 2 continue
    assert (t3["prune_step"], t3["prune_rank"], t3["prune_n_dominating"],
            t3["prune_n_peers"], t3["prune_position"]) == (0, 1, 1, 3, 3)
    assert "number 4 of 4" in study.trials[3].system_attrs["prune_reason"]


def test_dominated_by_k_rule_stops_exactly_these_trials():
    stopped, study = run(ParetoPruner(eta=None, max_dominated_by=2, n_startup_trials=2))
    # trial 2's (5, 5) is behind both peers at step 1; trial 3's (2, 2) is dominated by
    # one peer at step 0, by none at step 1 ((1, 3), (3, 1), (5, 5)) and by (1, 2) and
    # (2, 1) at step 2
    assert stopped == {0: None, 1: None, 2: 1, 3: 2}
    assert study.trials[2].system_attrs["prune_n_dominating"] == 2
    assert "2 of 2 peers dominate (5, 5)" in study.trials[2].system_attrs["prune_reason"]


def test_warm_up_startup_and_min_peers_hold_pruning_back():
    # only step 2 is a rung: (0, 0) leads; (2, 2) is behind (1, 2), (2, 1) and (0, 0)
    assert run(ParetoPruner(eta=2, n_startup_trials=2, n_warmup_steps=2))[0] == \
        {0: None, 1: None, 2: None, 3: 2}
    assert run(ParetoPruner(eta=2, n_startup_trials=3))[0] == \
        {0: None, 1: None, 2: None, 3: 0}  # trial 2 runs with 2 finished; trial 3 with 3
    assert run(ParetoPruner(eta=2, n_startup_trials=0, n_min_trials=4))[0] == \
        {0: None, 1: None, 2: None, 3: None}  # never 4 peers at a step


def test_interval_steps_checks_every_kth_step():
    stopped, _ = run(ParetoPruner(eta=2, n_startup_trials=2, interval_steps=2))
    assert stopped == {0: None, 1: None, 2: None, 3: 0}  # step 1 is not checked


def test_maximized_objectives_are_flipped():
    flipped = [[(-a, b) for a, b in curve] for curve in CURVES]
    stopped, _ = run(ParetoPruner(eta=2, n_startup_trials=2, n_min_trials=2), flipped,
                     ("maximize", "minimize"))
    assert stopped == {0: None, 1: None, 2: 1, 3: 0}


def test_single_objective_plain_reports_are_vectors_of_one():
    curves = [[(v,)] * 2 for v in (1.0, 2.0, 3.0)] + [[(9.0,), (9.0,)]]
    study = tf.create_study(pruner=ParetoPruner(eta=2, n_startup_trials=2), seed=0)
    stopped = {}
    for i, curve in enumerate(curves):
        trial = study.ask()
        trial.report(curve[0][0], 0)  # a plain float
        stopped[i] = trial.should_prune()
        study.tell(trial, curve[0][0])
    assert stopped == {0: False, 1: False, 2: True, 3: True}


def test_plain_reports_in_a_multi_objective_study_are_refused():
    study = tf.create_study(directions=["minimize", "minimize"],
                            pruner=ParetoPruner(n_startup_trials=0))
    trial = study.ask()
    trial.report(1.0, 0)
    with pytest.raises(TuneforgeError, match=r"report a vector.*trial.report\(\[v1, v2"):
        trial.should_prune()


@pytest.mark.parametrize("kw, message", [
    ({"eta": 1}, "eta must be a number > 1"), ({"eta": None}, "give eta, max_dominated_by"),
    ({"max_dominated_by": 0}, "max_dominated_by must be"), ({"n_min_trials": 0}, "n_min"),
])
def test_bad_settings_are_refused(kw, message):
    with pytest.raises(ValueError, match=message):
        ParetoPruner(**kw)


def test_crowding_distance_on_a_hand_made_front():
    costs = [[0.0, 4.0], [1.0, 2.0], [2.0, 1.0], [4.0, 0.0], [5.0, 5.0]]
    import numpy as np

    c = np.array(costs)
    fronts = non_dominated_fronts(c)
    assert fronts.tolist() == [0, 0, 0, 0, 1]
    d = crowding(c, fronts)
    # interior: (x_next - x_prev) / 4 + (y_prev - y_next) / 4
    assert d[1] == pytest.approx((2 - 0) / 4 + (4 - 1) / 4)
    assert d[2] == pytest.approx((4 - 1) / 4 + (2 - 0) / 4)
    assert np.isinf(d[[0, 3, 4]]).all()


def test_cross_validated_trials_are_pruned_on_their_vectors():
    pruned = [t for t in run(ParetoPruner(eta=2, n_startup_trials=2))[1].trials
              if t.state is TrialState.PRUNED]
    assert all(t.intermediate_vectors for t in pruned)


class TestParetoPrunerContract(PrunerContract):
    """The public pruner contract (single-objective histories: vectors of one)."""

    @pytest.fixture
    def pruner(self):
        return ParetoPruner(eta=2, n_startup_trials=2)
