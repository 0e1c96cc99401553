"""The sampler seam: every member a sampler may declare, BaseSampler's defaults, the
refusal of an incomplete sampler, the one pickling mechanism, and the seed's one source."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import numpy as np
import pytest

import tuneforge as tf
from tuneforge import Float
from tuneforge.samplers import auto
from tuneforge.samplers.base import BaseSampler, Sampler, Suggestion, check_sampler
from tuneforge.space.encoding import decode
from tuneforge.storage.cached import Snapshot, StateHistory
from tuneforge.storage.replay import StudyState
from tuneforge.trial.records import Direction, History, TrialRecord, TrialState

SRC = Path(tf.__file__).parent


class Uniform(BaseSampler):
    """A plugin sampler: only `sample`, every other member inherited."""

    def sample(self, space, history, rng, trial):
        return Suggestion(decode(space, rng.random(len(space))), {"sampler": "Uniform"})


def _objective(trial):
    return trial.suggest_float("x", 0, 1) + trial.suggest_float("y", 0, 1)


# -- the protocol -----------------------------------------------------------------------
def test_base_sampler_declares_every_member_with_its_default():
    s = Uniform()
    assert isinstance(s, Sampler) and check_sampler(s) is s
    assert s.relative is True and s.seed is None and s.initial_queue() is None
    space = {"x": Float(0, 1)}
    assert s.joint_space(space) is space


def test_a_base_sampler_without_sample_cannot_be_made():
    class NoSample(BaseSampler):
        pass

    with pytest.raises(TypeError, match="sample"):
        NoSample()


def test_a_plugin_inheriting_base_sampler_runs_a_study():
    study = tf.create_study(sampler=Uniform(), seed=0)
    study.optimize(_objective, n_trials=5)
    assert study.sampler_report() == {"Uniform": 5}


class OnlySample:
    """What a sampler was on paper before: one method."""

    def sample(self, space, history, rng, trial):
        return Suggestion({})


@pytest.mark.parametrize("make", [
    lambda s: tf.create_study(sampler=s),
    lambda s: tf.Study(storage=tf.InMemoryStorage(), ref=tf.InMemoryStorage().create_study(
        "x", (Direction.MINIMIZE,)), sampler=s),
], ids=["create_study", "Study"])
def test_an_incomplete_sampler_is_refused_when_the_study_is_made(make):
    with pytest.raises(TypeError) as info:
        make(OnlySample())
    message = str(info.value)
    for member in ("relative", "seed", "joint_space", "initial_queue"):
        assert member in message
    assert "BaseSampler" in message


def test_an_incomplete_sampler_leaves_no_study_behind(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    with pytest.raises(TypeError, match="BaseSampler"):
        tf.create_study("s", storage=url, sampler=OnlySample())
    assert tf.create_study("s", storage=url).trials == []  # the name is still free


def test_a_sampler_without_a_queue_is_not_a_grid():
    """initial_queue() returning None means no queue (the study samples as usual)."""
    study = tf.create_study(sampler=Uniform(), seed=0)
    study.optimize(_objective, n_trials=3)
    assert len(study.trials) == 3 and study.sampler_report() == {"Uniform": 3}


class Queued(Uniform):
    def initial_queue(self):
        return "mine:1", [{"params": {"x": 0.25, "y": 0.5}}, {"params": {"x": 0.75, "y": 0.5}}]


def test_a_plugin_queue_is_enqueued_once_and_ends_the_study():
    study = tf.create_study(sampler=Queued(), seed=0)
    study.optimize(_objective, n_trials=10)
    assert [t.params["x"] for t in study.trials] == [0.25, 0.75]


class Declared(Uniform):
    """Declares its joint space: `z` joins it before any trial finished."""

    def __init__(self):
        super().__init__()
        self.joint = []

    def joint_space(self, space):
        return {**space, "z": Float(0, 1)}

    def sample(self, space, history, rng, trial):
        self.joint.append(sorted(space))
        return super().sample(space, history, rng, trial)


def test_a_declared_joint_space_is_sampled_jointly():
    sampler = Declared()
    study = tf.create_study(sampler=sampler, seed=0)
    study.optimize(lambda t: t.suggest_float("z", 0, 1), n_trials=2)
    assert sampler.joint == [["z"], ["z"]]
    assert all("independent_params" not in t.system_attrs for t in study.trials)


class OneByOne(Declared):
    relative = False


def test_a_sampler_that_is_not_relative_is_asked_one_parameter_at_a_time():
    sampler = OneByOne()
    study = tf.create_study(sampler=sampler, seed=0)
    study.optimize(_objective, n_trials=3)
    assert sampler.joint == [["x"], ["y"]] * 3  # never the declared joint space
    assert all("independent_params" not in t.system_attrs for t in study.trials)


def test_the_study_reads_sampler_members_directly():
    """No getattr probing of sampler members, no isinstance on a sampler kind."""
    files = ["study/study.py", "study/trial.py", "study/refine.py", "execution/serial.py",
             "samplers/refined.py", "samplers/auto.py",
             *[str(p.relative_to(SRC)) for p in (SRC / "integrations/sklearn").glob("*.py")]]
    for rel in files:
        text = (SRC / rel).read_text()
        assert not re.search(r"getattr\([^)]*(sampler|pruner|inner)", text), rel
        assert not re.search(r"\bQueueingSampler\b", text), rel
    for path in SRC.rglob("*.py"):  # the protocol is gone (its contract suite is not)
        assert not re.search(r"\bQueueingSampler\b", path.read_text()), path


# -- pickling ---------------------------------------------------------------------------
class Cached(Uniform):
    _transient = {"_seen": dict, "_last": lambda: None}

    def __init__(self):
        super().__init__()
        self.kept = "setting"

    def sample(self, space, history, rng, trial):
        self._seen[trial.key] = trial.number
        self._last = trial.key
        return super().sample(space, history, rng, trial)


def test_transient_caches_are_dropped_by_pickling_and_reset():
    s = Cached()
    hist = Snapshot((Direction.MINIMIZE,), [])
    s.sample({"x": Float(0, 1)}, hist, np.random.default_rng(0),
             TrialRecord(number=0, key="k", state=TrialState.RUNNING))
    assert s._seen and s._last == "k"
    state = s.__getstate__()
    assert "_seen" not in state and "_last" not in state and state["kept"] == "setting"
    back = pickle.loads(pickle.dumps(s))
    assert back._seen == {} and back._last is None and back.kept == "setting"


@pytest.mark.parametrize("sampler, caches", [
    (tf.TPESampler(), {"_meta", "_columns", "_atoms", "_pending", "_prior_rows"}),
    (tf.GPSampler(), {"_branch_cache"}),
    (tf.GeneticSampler(), {"_facts", "_compat", "_genes"}),
    (tf.AutoSampler(), {"_chosen"}),
    (tf.samplers.RefinedSampler(tf.TPESampler(), {"x": Float(0, 1)}), {"_mapped"}),
], ids=["tpe", "gp", "ga", "auto", "refined"])
def test_shipped_samplers_declare_their_caches(sampler, caches):
    assert set(type(sampler)._transient) == caches
    for name in ("__getstate__", "__setstate__"):  # one mechanism, not a copy per sampler
        assert name not in vars(type(sampler)), f"{type(sampler).__name__}.{name}"


def test_auto_keeps_the_samplers_it_chose_when_pickled():
    study = tf.create_study(sampler=tf.AutoSampler(), seed=0)
    study.optimize(_objective, n_trials=3)
    back = pickle.loads(pickle.dumps(study.sampler))
    assert set(back._samplers) == {"GPSampler"}


def test_auto_imports_the_gp_sampler_directly():
    assert auto.GPSampler is tf.GPSampler
    assert not hasattr(auto, "_load_gp")


# -- the seed ---------------------------------------------------------------------------
def test_two_seeds_are_refused():
    with pytest.raises(ValueError, match="two seeds"):
        tf.create_study(seed=1, sampler=tf.TPESampler(seed=2))
    assert tf.create_study(seed=2, sampler=tf.TPESampler(seed=2)).seed == 2
    assert tf.create_study(sampler=tf.TPESampler(seed=2)).seed == 2


def _params(study, n=12):
    study.optimize(_objective, n_trials=n)
    return [dict(t.params) for t in study.trials]


@pytest.mark.parametrize("cls", [tf.TPESampler, tf.GPSampler, tf.GeneticSampler,
                                 tf.AutoSampler, tf.RandomSampler])
def test_the_seed_may_come_from_the_sampler_or_the_study_alike(cls):
    assert _params(tf.create_study(sampler=cls(seed=3))) == \
        _params(tf.create_study(sampler=cls(), seed=3))


def test_samplers_never_read_their_own_seed_while_sampling(tmp_path):
    """A study keeps its stored seed; a sampler made with another one proposes as if
    it had none."""
    url = f"sqlite:///{tmp_path}/s.db"
    tf.create_study("s", storage=url, seed=5)
    a = _params(tf.load_study("s", storage=url, sampler=tf.TPESampler(seed=99)))
    tf.create_study("t", storage=url, seed=5)
    b = _params(tf.load_study("t", storage=url, sampler=tf.TPESampler()))
    assert a == b


class SeedSpy(Uniform):
    def __init__(self):
        super().__init__()
        self.seeds = []

    def sample(self, space, history: History, rng, trial):
        self.seeds.append(history.seed)
        return super().sample(space, history, rng, trial)


def test_histories_carry_the_study_seed():
    assert Snapshot((Direction.MINIMIZE,), [], seed=4).seed == 4
    assert Snapshot((Direction.MINIMIZE,), []).seed == 0
    spy = SeedSpy()
    tf.create_study(sampler=spy, seed=6).optimize(_objective, n_trials=2)
    assert spy.seeds and set(spy.seeds) == {6}
    with pytest.raises(tf.TuneforgeError, match="seed"):
        _ = StateHistory(StudyState((Direction.MINIMIZE,))).seed


@pytest.mark.parametrize("make", [
    lambda: __import__("tuneforge").RandomSampler(),
    lambda: __import__("tuneforge").TPESampler(n_startup_trials=4),
    lambda: __import__("tuneforge").CmaEsSampler(),
    lambda: __import__("tuneforge").GPSampler(n_startup_trials=4),
    lambda: __import__("tuneforge").GeneticSampler(population_size=4),
    lambda: __import__("tuneforge").AutoSampler(),
    lambda: __import__("tuneforge").GridSampler(
        {"i": [-2**53, 0, 2**53], "f": [-8.9e307, 8.9e307]}),
], ids=["random", "tpe", "cmaes", "gp", "genetic", "auto", "grid"])
def test_every_sampler_stays_in_range_at_the_largest_accepted_bounds(make) -> None:
    """The limits the distributions accept (ints to +-2**53, float ranges up to the
    largest float) are ones every sampler computes with: no NaN, values in range, ints
    exact."""
    import math
    import warnings

    import tuneforge as tf
    from tuneforge.space.distributions import MAX_INT

    bounds = {"i": (-MAX_INT, MAX_INT), "j": (1, MAX_INT), "f": (-8.9e307, 8.9e307),
              "g": (5e-324, 1.7e308), "k": (-MAX_INT, MAX_INT)}

    def objective(trial: tf.Trial) -> float:
        values = [trial.suggest_int("i", -MAX_INT, MAX_INT),
                  trial.suggest_float("f", -8.9e307, 8.9e307)]
        if not isinstance(trial.study.sampler, tf.GridSampler):
            values += [trial.suggest_int("j", 1, MAX_INT, log=True),
                       trial.suggest_float("g", 5e-324, 1.7e308, log=True),
                       trial.suggest_int("k", -MAX_INT, MAX_INT, step=2)]
        return sum(math.log1p(abs(float(v))) for v in values)

    study = tf.create_study(sampler=make(), seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no inf - inf, no 0/0 inside
        study.optimize(objective, n_trials=14)
    assert all(t.state is tf.TrialState.COMPLETE for t in study.trials)
    for t in study.trials:
        for name, value in t.params.items():
            low, high = bounds[name]
            assert low <= value <= high, (t.number, name, value)
            assert isinstance(value, int) == (name in "ijk"), (name, value)
