"""PBT: exploit/explore on the paper's toy quadratic, the decision rule on hand-made
populations, perturbation, synchronous waiting, several workers."""

import numpy as np
import pytest

import tuneforge as tf
from tests.schedulers import _toy
from tuneforge.schedulers.pbt import PBT
from tuneforge.space.distributions import Categorical, Float, Int
from tuneforge.storage.cached import Snapshot
from tuneforge.trial.records import Direction, TrialRecord, TrialState


def toy_study(*, synchronous=False, storage=None, seed=1):
    pbt = tf.PBT(population_size=2, perturbation_interval=_toy.STEPS_PER_SEGMENT,
                 quantile_fraction=0.5, resample_probability=0.0, synchronous=synchronous)
    study = tf.create_study(direction="maximize", sampler=pbt, storage=storage, seed=seed)
    study.enqueue_trial({"h": "x"})
    study.enqueue_trial({"h": "y"})
    return study


def fixed_schedule_score(h, steps):
    theta = np.array([0.9, 0.9])
    mask = np.array([1.0, 0.0]) if h == "x" else np.array([0.0, 1.0])
    for _ in range(steps):
        theta = theta - _toy.LEARNING_RATE * 2 * mask * theta
    return 1.2 - float(np.sum(theta ** 2))


@pytest.mark.parametrize("synchronous", [False, True])
def test_pbt_beats_every_fixed_schedule_on_the_toy_quadratic(synchronous):
    study = toy_study(synchronous=synchronous)
    study.optimize(_toy.quadratic, n_trials=12)  # 2 members x 6 segments of 4 steps
    fixed = max(fixed_schedule_score(h, 6 * _toy.STEPS_PER_SEGMENT) for h in "xy")
    assert fixed <= _toy.BEST_FIXED + 1e-12
    assert study.best_value > 1.19 > fixed  # alternating h: both coordinates shrink
    events = [t.system_attrs["pbt_event"] for t in study.trials]
    assert events[:2] == ["init", "init"] and "exploit" in events
    for t in study.trials:  # every exploit copied a member and flipped h (explore)
        a = t.system_attrs
        if a["pbt_event"] == "exploit":
            parent = study.trials[a["pbt_parent"]]
            assert a["checkpoint_from"] == parent.key
            assert t.params["h"] != parent.params["h"]
            assert a["pbt_start_step"] == parent.system_attrs["pbt_end_step"]


def record(number, member, gen, value, *, params=None):
    end = 4 * (gen + 1)
    return TrialRecord(number=number, key=f"k{number}", state=TrialState.COMPLETE,
                       values=(value,), params=params or {"lr": 0.1},
                       system_attrs={"pbt_member": member, "pbt_generation": gen,
                                     "pbt_event": "init", "pbt_start_step": end - 4,
                                     "pbt_end_step": end})


def test_the_bottom_quantile_exploits_the_top_quantile_and_the_rest_continue():
    pbt = PBT(population_size=4, perturbation_interval=4, quantile_fraction=0.25)
    gen0 = [record(i, i, 0, v) for i, v in enumerate([0.5, 0.9, 0.1, 0.7])]
    history = Snapshot((Direction.MAXIMIZE,), gen0, seed=3)
    decisions = [pbt.decide(history, 4 + m) for m in range(4)]
    assert [d["pbt_event"] for d in decisions] == ["continue", "continue", "exploit",
                                                   "continue"]
    worst = decisions[2]
    assert worst["pbt_parent"] == 1 and worst["pbt_source_member"] == 1  # the best member
    assert worst["checkpoint_from"] == "k1" and worst["pbt_start_step"] == 4
    assert decisions[0]["pbt_parent"] == 0 and decisions[0]["pbt_end_step"] == 8
    # minimizing, the same values rank the other way round
    low = Snapshot((Direction.MINIMIZE,), gen0, seed=3)
    assert pbt.decide(low, 5)["pbt_event"] == "exploit"
    assert pbt.decide(low, 5)["pbt_source_member"] == 2


def test_a_member_whose_segments_all_failed_starts_afresh():
    pbt = PBT(population_size=2, perturbation_interval=4)
    failed = TrialRecord(number=1, key="k1", state=TrialState.FAIL,
                         system_attrs={"pbt_member": 1, "pbt_generation": 0,
                                       "pbt_event": "init", "pbt_start_step": 0,
                                       "pbt_end_step": 4})
    history = Snapshot((Direction.MAXIMIZE,), [record(0, 0, 0, 0.5), failed])
    decision = pbt.decide(history, 3)
    assert decision["pbt_event"] == "init" and decision["pbt_start_step"] == 0
    assert "checkpoint_from" not in decision


def test_synchronous_ranks_only_the_previous_generation():
    pbt = PBT(population_size=2, perturbation_interval=4, quantile_fraction=0.5,
              synchronous=True)
    # member 0 is already at generation 1 with a poor score; generation 0 ranks member 1
    # below member 0, so member 1 exploits member 0's generation-0 segment
    trials = [record(0, 0, 0, 0.9), record(1, 1, 0, 0.5), record(2, 0, 1, 0.1)]
    history = Snapshot((Direction.MAXIMIZE,), trials)
    sync = pbt.decide(history, 3)
    assert sync["pbt_event"] == "exploit" and sync["pbt_parent"] == 0
    asynchronous = PBT(population_size=2, perturbation_interval=4, quantile_fraction=0.5)
    assert asynchronous.decide(history, 3)["pbt_event"] == "continue"  # 0.5 beats 0.1


def test_perturbation_stays_inside_the_distribution():
    pbt = PBT(population_size=2, perturbation_factors=(0.5, 2.0), resample_probability=0.0)
    rng = np.random.default_rng(0)
    lr = Float(1e-3, 1.0, log=True)
    moved = {pbt.perturb(lr, 0.1, rng) for _ in range(50)}
    assert moved == {0.05, 0.2}
    assert pbt.perturb(lr, 0.9, np.random.default_rng(1)) in (0.45, 1.0)  # clipped at high
    assert {pbt.perturb(Int(1, 10), 1, rng) for _ in range(30)} == {1, 2}  # a small int moves
    cat = Categorical(("a", "b", "c"))
    assert {pbt.perturb(cat, "b", rng) for _ in range(30)} == {"a", "c"}
    assert {pbt.perturb(cat, "a", rng) for _ in range(30)} == {"b"}  # moved inward
    always = PBT(population_size=2, resample_probability=1.0)
    draws = {always.perturb(lr, 0.1, rng) for _ in range(20)}
    assert len(draws) == 20 and all(lr.contains(d) for d in draws)


@pytest.mark.parametrize("bad, match", [
    ({"population_size": 1}, "population_size"),
    ({"perturbation_interval": 0}, "perturbation_interval"),
    ({"quantile_fraction": 0.7}, "quantile_fraction"),
    ({"perturbation_factors": (0.8, -1)}, "perturbation_factors"),
    ({"resample_probability": 2}, "resample_probability"),
])
def test_bad_settings_are_named(bad, match):
    with pytest.raises(ValueError, match=match):
        PBT(**bad)


def test_suggesting_before_the_segment_is_decided_says_what_to_do():
    study = tf.create_study(sampler=PBT(population_size=2))
    with pytest.raises(tf.TuneforgeError, match="pbt_segment"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1, catch=())
    plain = tf.create_study()
    with pytest.raises(tf.TuneforgeError, match="sampler is PBT"):
        plain.optimize(lambda t: tf.pbt_segment(t).member, n_trials=1, catch=())


def test_several_workers_share_the_population_through_the_storage(tmp_path):
    study = toy_study(storage=f"sqlite:///{tmp_path / 'pbt.db'}", synchronous=True)
    study.optimize(_toy.quadratic, n_trials=8, n_jobs=2)
    trials = study.trials
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 8
    assert len({t.system_attrs["worker"] for t in trials}) >= 1
    assert [(t.system_attrs["pbt_member"], t.system_attrs["pbt_generation"])
            for t in trials] == [(n % 2, n // 2) for n in range(8)]
    # synchronous: the same decisions, hence the same values, as with one worker
    one = toy_study(synchronous=True)
    one.optimize(_toy.quadratic, n_trials=8)
    assert [t.value for t in trials] == pytest.approx([t.value for t in one.trials])
    assert (tmp_path / "pbt.artifacts").is_dir()  # checkpoints beside the SQLite file
