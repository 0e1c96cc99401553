import math
import multiprocessing

import pytest

import tuneforge as tf
from tests.study._objectives import after_a_second_worker
from tuneforge import SuccessiveHalvingPruner, TrialState
from tuneforge.exceptions import TuneforgeError
from tuneforge.pruners.successive_halving import rung_step, rung_value
from tuneforge.trial.records import Direction

from ._curves import hist, rec, stops


def test_rung_steps_and_rung_values():
    assert [rung_step(1, 2, 0, k) for k in range(4)] == [1, 2, 4, 8]
    assert [rung_step(2, 3, 1, k) for k in range(3)] == [6, 18, 54]
    t = rec(0, {1: 5.0, 3: 4.0, 9: 2.0})
    assert rung_value(t, 1) == 5.0 and rung_value(t, 2) == 4.0 and rung_value(t, 10) is None


def test_each_trial_stops_at_the_rung_its_rank_says():
    # rungs at steps 1, 2, 4 (eta 2): keep the best max(1, n // 2) of the n trials there
    curves = [{1: 5.0, 2: 4.0, 3: 3.5, 4: 3.0},   # alone at every rung: completes
              {1: 6.0, 2: 1.0},                   # 6 > best 5 of 2 at step 1
              {1: 4.0, 2: 3.5, 3: 3.4, 4: 3.2},   # best at 1 and 2; 3.2 > 3.0 at step 4
              {1: 5.5, 2: 0.0},                   # 4 at step 1: best 2 are 4, 5
              {1: 4.5, 2: 3.9, 4: 1.0}]           # best 2 of 5 at 1 are 4, 4.5; 3.9 > 3.5 at 2
    pruner = SuccessiveHalvingPruner(min_resource=1, reduction_factor=2)
    assert stops(pruner, curves) == [None, 1, 4, 1, 2]


def test_a_prune_records_rung_and_statistic():
    done = [rec(0, {1: 5.0, 2: 4.0}), rec(1, {1: 3.0}, TrialState.PRUNED)]
    p = SuccessiveHalvingPruner(min_resource=1, reduction_factor=2)
    d = p.decide(rec(2, {1: 6.0}, TrialState.RUNNING), hist(done))
    assert d.prune and "rung 0" in d.reason
    assert dict(d.attrs) == {"prune_rung": 0, "prune_step": 1, "prune_rung_step": 1,
                             "prune_value": 6.0, "prune_threshold": 3.0,
                             "prune_n_trials": 3, "prune_n_promoted": 1}
    # a rung is decided once, at its first report: rung 1 (step 2) passed at step 2,
    # so the bad report at step 3 is not judged; with no step-2 report, step 3 decides
    assert not p.decide(rec(2, {1: 3.0, 2: 3.5, 3: 9.0}, TrialState.RUNNING), hist(done)).prune
    late = p.decide(rec(2, {1: 3.0, 3: 9.0}, TrialState.RUNNING), hist(done))
    assert late.prune and late.attrs["prune_rung"] == 1 and late.attrs["prune_step"] == 3


def test_maximize_nan_min_early_stopping_rate_and_bootstrap():
    done = [rec(i, {1: float(i), 2: float(i), 4: float(i)}) for i in range(4)]  # 0..3
    p = SuccessiveHalvingPruner(min_resource=1, reduction_factor=2)
    up = hist(done, Direction.MAXIMIZE)
    assert not p.decide(rec(9, {1: 3.0}, TrialState.RUNNING), up).prune   # top 2 of 5
    assert p.decide(rec(9, {1: 1.0}, TrialState.RUNNING), up).prune
    assert p.decide(rec(9, {1: math.nan}, TrialState.RUNNING), up).prune
    late = SuccessiveHalvingPruner(min_resource=1, reduction_factor=2, min_early_stopping_rate=2)
    assert not late.decide(rec(9, {1: 99.0, 2: 99.0}, TrialState.RUNNING), hist(done)).prune
    assert late.decide(rec(9, {1: 99.0, 2: 99.0, 4: 99.0}, TrialState.RUNNING), hist(done)).prune
    boot = SuccessiveHalvingPruner(min_resource=1, reduction_factor=2, bootstrap_count=5)
    assert not boot.decide(rec(9, {1: 99.0}, TrialState.RUNNING), hist(done)).prune


def test_auto_min_resource_waits_for_a_completed_trial():
    p = SuccessiveHalvingPruner()  # auto: first complete trial's last step // 100
    running = [rec(0, {1: 1.0}, TrialState.RUNNING)]
    assert not p.decide(rec(9, {1: 99.0}, TrialState.RUNNING), hist(running)).prune
    done = [rec(0, {s: 1.0 for s in range(1, 301)})]  # min_resource 3
    assert not p.decide(rec(9, {1: 99.0, 2: 99.0}, TrialState.RUNNING), hist(done)).prune
    assert p.decide(rec(9, {1: 99.0, 2: 99.0, 3: 99.0}, TrialState.RUNNING), hist(done)).prune


def test_bad_arguments_and_several_objectives():
    with pytest.raises(ValueError, match="reduction_factor"):
        SuccessiveHalvingPruner(reduction_factor=1)
    with pytest.raises(ValueError, match="min_resource"):
        SuccessiveHalvingPruner(min_resource=0)
    two = hist([], Direction.MINIMIZE)
    two._directions = (Direction.MINIMIZE, Direction.MAXIMIZE)
    with pytest.raises(TuneforgeError, match="ParetoPruner"):
        SuccessiveHalvingPruner(min_resource=1).decide(rec(0, {1: 1.0}), two)


# -- several worker processes through SQLite --------------------------------------------
def _level(trial):
    x = trial.suggest_float("x", 0.0, 1.0)
    for step in range(1, 10):
        trial.report(x + 1.0 / step, step)
        if trial.should_prune():
            raise tf.TrialPruned()
    return x


def _complete_two(url):
    study = tf.load_study(study_name="asha", storage=url,
                          pruner=SuccessiveHalvingPruner(min_resource=1, reduction_factor=3))
    for x in (0.5, 0.1):  # the second is better at every rung: both complete
        study.enqueue_trial({"x": x})
    study.optimize(_level, n_trials=2)


def test_another_process_s_trials_decide_the_rungs(tmp_path):
    url = f"sqlite:///{tmp_path / 'asha.db'}"
    pruner = SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
    tf.create_study(study_name="asha", storage=url, pruner=pruner, seed=0)
    child = multiprocessing.get_context("spawn").Process(target=_complete_two, args=(url,))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    # this process remembers nothing: the rung values come from the other process' rows
    study = tf.load_study(study_name="asha", storage=url, pruner=pruner)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE, TrialState.COMPLETE]
    study.enqueue_trial({"x": 0.05})   # best at step 1 of 3 trials: promoted
    study.enqueue_trial({"x": 0.3})    # 4 trials at step 1, best 1: 0.05 -> pruned at 1
    study.optimize(_level, n_trials=2)
    t2, t3 = study.trials[2:]
    assert t2.state is TrialState.COMPLETE
    assert t3.state is TrialState.PRUNED and t3.last_step == 1
    assert t3.system_attrs["prune_n_trials"] == 4 and t3.system_attrs["prune_threshold"] == 1.05


def test_two_workers_promote_asynchronously(tmp_path):
    url = f"sqlite:///{tmp_path / 'asha2.db'}"
    study = tf.create_study(study_name="asha", storage=url, seed=0,
                            pruner=SuccessiveHalvingPruner(min_resource=1, reduction_factor=3))
    study.optimize(after_a_second_worker(_level), n_trials=16, n_jobs=2)
    trials = study.trials
    assert len(trials) == 16 and {t.state for t in trials} <= {TrialState.COMPLETE,
                                                               TrialState.PRUNED}
    # run by both worker processes, not the driver (a kept worker left waiting on a
    # storage call of an earlier test's run once lost this run's job: see test_processes)
    workers = {t.system_attrs["worker"] for t in trials}
    assert len(workers) == 2 and study.worker_id not in workers
    for t in trials:
        if t.state is TrialState.PRUNED:  # each prune is what its rung said at the time
            a = t.system_attrs
            assert a["prune_step"] in (1, 3, 9) and a["prune_value"] > a["prune_threshold"]
            assert a["prune_n_promoted"] == max(1, a["prune_n_trials"] // 3)
    assert any(t.state is TrialState.COMPLETE for t in trials)
