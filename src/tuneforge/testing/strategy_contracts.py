"""Public conformance suites for samplers and pruners (see contracts.py for storages).

    from tuneforge.testing import SamplerContract

    class TestMySampler(SamplerContract):
        @pytest.fixture
        def sampler(self):
            return MySampler()
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from tuneforge.samplers.base import Sampler, Suggestion
from tuneforge.space.distributions import Categorical, Float, Int
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


class SamplerContract:
    """Every sampler returns valid values for every kind of distribution, reproducibly,
    with empty, small and awkward histories. Subclasses provide a `sampler` fixture."""

    @pytest.fixture
    def sampler(self) -> Sampler:  # pragma: no cover - replaced by subclasses
        raise NotImplementedError("subclass SamplerContract and provide a `sampler` fixture")

    def _check(self, sampler: Sampler, history: Snapshot, space: dict[str, Any],
               number: int = 0) -> dict[str, Any]:
        s = sampler.sample(space, history, np.random.default_rng(number), _current(number))
        assert isinstance(s, Suggestion)
        for name, value in s.params.items():
            assert name in space, f"{sampler!r} proposed unknown parameter {name!r}"
            assert space[name].contains(value), f"{name}={value!r} outside {space[name]}"
        return dict(s.params)

    def test_protocol(self, sampler: Sampler) -> None:
        assert isinstance(sampler, Sampler)

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


class PrunerContract:
    """Every pruner answers 'continue' or 'prune' for any state of the history."""

    @pytest.fixture
    def pruner(self) -> Any:  # pragma: no cover - replaced by subclasses
        raise NotImplementedError("subclass PrunerContract and provide a `pruner` fixture")

    def _decide(self, pruner: Any, curve: dict[int, float], history: Snapshot) -> str:
        trial = TrialRecord(number=99, key="cur", state=TrialState.RUNNING, intermediate=curve)
        decision = pruner.decide(trial, history)
        assert decision in ("continue", "prune")
        return decision

    def _finished(self, n: int) -> Snapshot:
        trials = [TrialRecord(number=i, key=f"k{i}", state=TrialState.COMPLETE, values=(i,),
                              intermediate={s: float(i + s) for s in range(5)})
                  for i in range(n)]
        return Snapshot((Direction.MINIMIZE,), trials)

    def test_no_report_yet(self, pruner: Any) -> None:
        assert self._decide(pruner, {}, self._finished(10)) == "continue"

    def test_empty_history(self, pruner: Any) -> None:
        self._decide(pruner, {0: 1.0}, self._finished(0))

    def test_awkward_values(self, pruner: Any) -> None:
        for v in (math.inf, -math.inf, math.nan):
            self._decide(pruner, {0: v, 1: 0.0}, self._finished(10))

    def test_steps_nobody_else_reached(self, pruner: Any) -> None:
        self._decide(pruner, {100: 1.0}, self._finished(10))
