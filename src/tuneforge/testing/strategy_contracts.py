"""Public conformance suites for samplers and pruners (see contracts.py for storages).

    from tuneforge.testing import SamplerContract

    class TestMySampler(SamplerContract):
        @pytest.fixture
        def sampler(self):
            return MySampler()
"""

from __future__ import annotations

import copy
import json
import math
import pickle  # ipc: a sampler crosses to worker processes pickled (never stored)
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from tuneforge.pruners.base import Decision, Pruner
from tuneforge.samplers.base import Sampler, Suggestion, check_sampler, trial_rng
from tuneforge.space.distributions import Categorical, Distribution, Float, Int
from tuneforge.storage.cached import Snapshot
from tuneforge.trial.records import Direction, TrialRecord, TrialState

__all__ = ["PrunerContract", "SamplerContract"]

SPACE: dict[str, Any] = {
    "f": Float(-3.0, 3.0), "flog": Float(1e-5, 1.0, log=True), "fstep": Float(0, 1, step=0.1),
    "i": Int(-4, 4), "ilog": Int(1, 1024, log=True), "istep": Int(0, 20, step=5),
    "c": Categorical(("a", 1, None, 2.5, True)), "one": Categorical(("only",)),
    "point": Float(2.0, 2.0),
}


def _history(n: int, values: list[float] | None = None, *,
             directions: tuple[Direction, ...] = (Direction.MINIMIZE,)) -> Snapshot:
    """n finished trials over SPACE (random params), with `values` or a sphere objective,
    plus one RUNNING and one FAIL trial as real studies have."""
    rng = np.random.default_rng(0)
    trials = []
    from tuneforge.space.encoding import decode

    for i in range(n):
        params = decode(SPACE, rng.random(len(SPACE)))
        v = values[i] if values is not None else float(params["f"] ** 2)
        trials.append(TrialRecord(number=i, key=f"k{i}", state=TrialState.COMPLETE,
                                  params=params, distributions=dict(SPACE),
                                  values=(v,) * len(directions)))
    trials.append(TrialRecord(number=n, key=f"k{n}", state=TrialState.FAIL))
    trials.append(TrialRecord(number=n + 1, key=f"k{n + 1}", state=TrialState.RUNNING,
                              params={"f": 0.5}, distributions={"f": SPACE["f"]}))
    return Snapshot(directions, trials)


def _current(number: int) -> TrialRecord:
    return TrialRecord(number=number, key=f"cur{number}", state=TrialState.RUNNING)


def _sphere(params: Mapping[str, Any]) -> float:
    return float(params["f"] ** 2 + (params["extra"] - 0.3) ** 2)


class _Run:
    """A study in miniature: each trial samples SPACE jointly, then one define-by-run
    parameter `extra`, and completes with a sphere value; every trial's rng derives from
    the seed and its number, as in a real study."""

    SEED = 7

    def __init__(self) -> None:
        self.trials: list[TrialRecord] = []

    def _history(self, current: TrialRecord) -> Snapshot:
        return Snapshot((Direction.MINIMIZE,), [*self.trials, current], seed=self.SEED)

    def propose(self, sampler: Sampler) -> list[Suggestion]:
        n = len(self.trials)
        current = TrialRecord(number=n, key=f"t{n}", state=TrialState.RUNNING)
        joint = sampler.sample(SPACE, self._history(current), trial_rng(self.SEED, n), current)
        current = TrialRecord(number=n, key=f"t{n}", state=TrialState.RUNNING,
                              params=dict(joint.params), distributions=dict(SPACE))
        extra: dict[str, Distribution] = {"extra": Float(0.0, 1.0)}
        one = sampler.sample(extra, self._history(current),
                             trial_rng(self.SEED, n, "extra"), current)
        return [joint, one]

    def complete(self, proposed: list[Suggestion]) -> None:
        n = len(self.trials)
        params = {**proposed[0].params, **proposed[1].params}
        self.trials.append(TrialRecord(
            number=n, key=f"t{n}", state=TrialState.COMPLETE, params=params,
            distributions={**SPACE, "extra": Float(0.0, 1.0)}, values=(_sphere(params),)))


class _SamplerSeam:
    """What every sampler must do, queueing or not: the protocol members, a queue that
    is the same at every ask, and the same proposals after pickling."""

    @pytest.fixture
    def sampler(self) -> Sampler:  # pragma: no cover - replaced by subclasses
        raise NotImplementedError("subclass SamplerContract and provide a `sampler` fixture")

    def test_protocol(self, sampler: Sampler) -> None:
        assert isinstance(sampler, Sampler)
        assert check_sampler(sampler) is sampler
        assert isinstance(sampler.relative, bool)
        assert sampler.seed is None or isinstance(sampler.seed, int)
        assert dict(sampler.joint_space(SPACE)).keys() >= SPACE.keys()

    def test_initial_queue(self, sampler: Sampler) -> None:
        queue = sampler.initial_queue()
        if queue is None:
            return  # a sampler that proposes through sample(): nothing to enqueue
        tag, points = queue
        assert isinstance(tag, str) and tag, f"{sampler!r}: the queue's tag names it"
        assert points, f"{sampler!r}: an empty queue is None"
        for point in points:
            assert isinstance(point["params"], Mapping)
            json.dumps(dict(point), allow_nan=False)  # stored as an event
        assert sampler.initial_queue() == queue, "the queue is the same at every ask"

    def test_survives_pickling_with_warm_caches(self, sampler: Sampler) -> None:
        """After running trials (caches warm), a pickled copy proposes exactly what a
        twin that was never pickled proposes."""
        queue = sampler.initial_queue()
        if queue is not None:  # workers claim the points that the first asker enqueued
            assert pickle.loads(pickle.dumps(sampler)).initial_queue() == queue
            return
        twin = copy.deepcopy(sampler)  # before any trial: both start the same
        run = _Run()
        for _ in range(12):
            proposed = run.propose(sampler)
            assert _same(proposed, run.propose(twin))
            run.complete(proposed)
        restored = pickle.loads(pickle.dumps(sampler))
        for _ in range(3):
            proposed = run.propose(restored)
            assert _same(proposed, run.propose(twin)), \
                f"{sampler!r} proposes differently after pickling"
            run.complete(proposed)


class SamplerContract(_SamplerSeam):
    """Every sampler returns valid values for every kind of distribution, reproducibly,
    with empty, small and awkward histories, and proposes the same after pickling (it is
    sent to worker processes). Subclasses provide a `sampler` fixture; a sampler that
    knows its points up front (a grid) uses `QueueingSamplerContract`."""

    def _check(self, sampler: Sampler, history: Snapshot, space: dict[str, Any],
               number: int = 0) -> dict[str, Any]:
        _no_queue(sampler)
        s = sampler.sample(space, history, np.random.default_rng(number), _current(number))
        assert isinstance(s, Suggestion)
        for name, value in s.params.items():
            assert name in space, f"{sampler!r} proposed unknown parameter {name!r}"
            assert space[name].contains(value), f"{name}={value!r} outside {space[name]}"
        return dict(s.params)

    def test_empty_history(self, sampler: Sampler) -> None:
        for n in range(5):
            self._check(sampler, _history(0), SPACE, n)

    def test_with_history(self, sampler: Sampler) -> None:
        for n in range(3):
            self._check(sampler, _history(20), SPACE, 20 + n)

    def test_single_parameter_space(self, sampler: Sampler) -> None:
        for name, dist in SPACE.items():
            params = self._check(sampler, _history(10), {name: dist}, 10)
            assert name in params, f"{sampler!r} proposed nothing for {name!r}"

    def test_reproducible_with_the_same_rng(self, sampler: Sampler) -> None:
        _no_queue(sampler)
        hist = _history(15)
        a = sampler.sample(SPACE, hist, np.random.default_rng(3), _current(15))
        b = sampler.sample(SPACE, hist, np.random.default_rng(3), _current(15))
        assert dict(a.params) == dict(b.params)

    @pytest.mark.parametrize("bad", [math.inf, -math.inf])
    def test_survives_infinite_values(self, sampler: Sampler, bad: float) -> None:
        values = [bad if i % 3 == 0 else float(i) for i in range(12)]
        self._check(sampler, _history(12, values), SPACE, 12)

    def test_survives_constant_objective(self, sampler: Sampler) -> None:
        self._check(sampler, _history(12, [1.0] * 12), SPACE, 12)

    def test_maximize(self, sampler: Sampler) -> None:
        self._check(sampler, _history(12, directions=(Direction.MAXIMIZE,)), SPACE, 12)


class QueueingSamplerContract(_SamplerSeam):
    """A sampler whose trials are its `initial_queue` (a grid): the queue is non-empty,
    JSON, stable and survives pickling; `sample` is never asked for queued parameters."""

    def test_has_a_queue(self, sampler: Sampler) -> None:
        assert sampler.initial_queue() is not None, \
            f"{sampler!r} has no initial_queue(); use SamplerContract"
        assert sampler.relative is False, "queued points fix every parameter"


def _no_queue(sampler: Sampler) -> None:
    assert sampler.initial_queue() is None, \
        f"{sampler!r} proposes through initial_queue(); use QueueingSamplerContract"


def _same(a: list[Suggestion], b: list[Suggestion]) -> bool:
    return [(dict(s.params), dict(s.attrs)) for s in a] == \
        [(dict(s.params), dict(s.attrs)) for s in b]


class PrunerContract:
    """Every pruner returns a Decision for any state of the history: JSON attributes (the
    trial stores them), and a reason whenever it prunes. Subclasses provide a `pruner`
    fixture."""

    @pytest.fixture
    def pruner(self) -> Any:  # pragma: no cover - replaced by subclasses
        raise NotImplementedError("subclass PrunerContract and provide a `pruner` fixture")

    def _decide(self, pruner: Any, curve: dict[int, float], history: Snapshot) -> Decision:
        trial = TrialRecord(number=99, key="cur", state=TrialState.RUNNING, intermediate=curve)
        decision = pruner.decide(trial, history)
        assert isinstance(decision, Decision), \
            f"{pruner!r}.decide returned {decision!r}, not a tuneforge.pruners.Decision"
        json.dumps(dict(decision.attrs))  # stored as JSON events
        assert not decision.prune or decision.reason, f"{pruner!r} pruned without a reason"
        return decision

    def test_protocol(self, pruner: Any) -> None:
        assert isinstance(pruner, Pruner)

    def _finished(self, n: int) -> Snapshot:
        trials = [TrialRecord(number=i, key=f"k{i}", state=TrialState.COMPLETE, values=(i,),
                              intermediate={s: float(i + s) for s in range(5)})
                  for i in range(n)]
        return Snapshot((Direction.MINIMIZE,), trials)

    def test_no_report_yet(self, pruner: Any) -> None:
        assert not self._decide(pruner, {}, self._finished(10)).prune

    def test_empty_history(self, pruner: Any) -> None:
        self._decide(pruner, {0: 1.0}, self._finished(0))

    def test_awkward_values(self, pruner: Any) -> None:
        for v in (math.inf, -math.inf, math.nan):
            self._decide(pruner, {0: v, 1: 0.0}, self._finished(10))

    def test_steps_nobody_else_reached(self, pruner: Any) -> None:
        self._decide(pruner, {100: 1.0}, self._finished(10))
