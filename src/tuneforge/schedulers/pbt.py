"""Population-based training (Jaderberg et al. 2017, arXiv:1711.09846) over trial segments.

A PBT study is a population of `population_size` members, each a chain of trials
("segments"). Trial number n is segment `n // population_size` (its generation) of member
`n % population_size`; it trains `perturbation_interval` steps, saves a checkpoint
(`trial.checkpoint`) and returns its score. Before a segment trains, PBT decides from the
stored trials (so every worker process agrees, and the decision is recorded):

- continue: the member's previous segment ranks outside the bottom `quantile_fraction`
  of the population; it keeps its hyperparameters and loads its own checkpoint;
- exploit + explore: it ranks in the bottom quantile; it loads the checkpoint of a
  member drawn from the top quantile and perturbs that member's hyperparameters (each
  multiplied by one of `perturbation_factors`, a categorical moved to a neighbouring
  choice, or, with `resample_probability`, drawn afresh).

`synchronous=True` ranks generation g - 1 as a whole and waits until it has finished
(the paper's synchronous variant; the result does not depend on worker timing);
`synchronous=False` (the default) ranks the latest finished segment of each member and
never waits (asynchronous PBT; with several workers the decisions depend on timing, and
are recorded on the trials).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from tuneforge.exceptions import TrialStateError, TuneforgeError
from tuneforge.samplers.base import BaseSampler, Suggestion
from tuneforge.samplers.random import RandomSampler
from tuneforge.space.distributions import Categorical, Distribution, Float, Int
from tuneforge.trial.records import Direction, History, TrialRecord, TrialState

ATTRS = ("pbt_member", "pbt_generation", "pbt_event", "pbt_parent", "pbt_source_member",
         "pbt_start_step", "pbt_end_step")


class TrialHandle(Protocol):
    """What `segment` needs of a live trial (tuneforge.Trial)."""

    number: int

    @property
    def record(self) -> TrialRecord: ...

    @property
    def study(self) -> Any: ...

    def set_system_attr(self, key: str, value: Any) -> None: ...


@dataclass(frozen=True)
class Segment:
    """One trial's place in PBT: train steps [start_step, end_step) of `member`.

    `event` is "init" (fresh start), "continue" (own checkpoint, same hyperparameters),
    "exploit" (a better member's checkpoint, perturbed hyperparameters) or "replay";
    `parent` is the trial number whose checkpoint `trial.load_checkpoint()` returns.
    """

    member: int
    generation: int
    event: str
    start_step: int
    end_step: int
    parent: int | None = None
    source_member: int | None = None

    @classmethod
    def from_attrs(cls, attrs: Mapping[str, Any]) -> Segment:
        return cls(member=int(attrs["pbt_member"]), generation=int(attrs["pbt_generation"]),
                   event=str(attrs["pbt_event"]), start_step=int(attrs["pbt_start_step"]),
                   end_step=int(attrs["pbt_end_step"]), parent=attrs.get("pbt_parent"),
                   source_member=attrs.get("pbt_source_member"))


def segment(trial: TrialHandle) -> Segment:
    """The segment `trial` trains, decided by the study's scheduler (PBT, or a schedule
    replay) on the first call and stored on the trial. Call it first in the objective,
    before `trial.suggest_*` (PBT's values depend on it)."""
    attrs = trial.record.system_attrs
    if "pbt_member" not in attrs:
        scheduler = trial.study.sampler
        if not callable(getattr(scheduler, "decide_segment", None)):
            raise TuneforgeError(f"segment(trial) needs a study whose sampler is PBT (or a "
                                 f"schedule replay), not {scheduler!r}")
        for key, value in scheduler.decide_segment(trial).items():
            trial.set_system_attr(key, value)
        attrs = trial.record.system_attrs
    return Segment.from_attrs(attrs)


class PBT(BaseSampler):
    """Population-based training as a sampler of trial segments (see the module doc).

    Use it as the study's sampler; in the objective call `segment(trial)` first, suggest
    the hyperparameters, `trial.load_checkpoint()` (None for a fresh start), train
    `end_step - start_step` steps, `trial.checkpoint(state)` and return the score. Run
    ``population_size * generations`` trials, with at most `population_size` workers.
    """

    relative = False  # every parameter is decided per segment, when the objective asks

    def __init__(self, *, population_size: int = 8, perturbation_interval: int = 1,
                 quantile_fraction: float = 0.25,
                 perturbation_factors: Sequence[float] = (0.8, 1.2),
                 resample_probability: float = 0.25, synchronous: bool = False,
                 seed: int | None = None, poll_interval: float = 0.05,
                 wait_timeout: float = 3600.0) -> None:
        super().__init__()
        if not isinstance(population_size, int) or population_size < 2:
            raise ValueError(f"PBT: population_size must be an integer >= 2, "
                             f"got {population_size!r}")
        if not isinstance(perturbation_interval, int) or perturbation_interval < 1:
            raise ValueError(f"PBT: perturbation_interval must be an integer >= 1 (steps per "
                             f"segment), got {perturbation_interval!r}")
        if not 0 < quantile_fraction <= 0.5:
            raise ValueError(f"PBT: quantile_fraction must be in (0, 0.5], "
                             f"got {quantile_fraction!r}")
        factors = tuple(float(f) for f in perturbation_factors)
        if not factors or any(not (math.isfinite(f) and f > 0) for f in factors):
            raise ValueError(f"PBT: perturbation_factors must be positive numbers, "
                             f"got {perturbation_factors!r}")
        if not 0 <= resample_probability <= 1:
            raise ValueError(f"PBT: resample_probability must be in [0, 1], "
                             f"got {resample_probability!r}")
        self.population_size = population_size
        self.perturbation_interval = perturbation_interval
        self.quantile_fraction = float(quantile_fraction)
        self.perturbation_factors = factors
        self.resample_probability = float(resample_probability)
        self.synchronous = bool(synchronous)
        self.seed = seed
        self.poll_interval = float(poll_interval)
        self.wait_timeout = float(wait_timeout)

    def __repr__(self) -> str:
        return (f"PBT(population_size={self.population_size}, perturbation_interval="
                f"{self.perturbation_interval}, quantile_fraction={self.quantile_fraction}, "
                f"synchronous={self.synchronous})")

    # -- the decision ----------------------------------------------------------------
    def decide_segment(self, trial: TrialHandle) -> dict[str, Any]:
        """The segment attributes of `trial` (waits for the previous generation when
        synchronous); `segment(trial)` stores them."""
        history: History = trial.study.history()
        if self.synchronous:
            deadline = time.monotonic() + self.wait_timeout
            while not self._generation_done(history, trial.number):
                if time.monotonic() > deadline:
                    raise TrialStateError(
                        f"PBT: trial {trial.number} waited {self.wait_timeout:.0f} s for the "
                        "previous generation to finish (more workers than population_size?)")
                time.sleep(self.poll_interval)
                history = trial.study.history()
        return self.decide(history, trial.number)

    def _generation_done(self, history: History, number: int) -> bool:
        gen = number // self.population_size
        if gen == 0:
            return True
        lo, hi = (gen - 1) * self.population_size, gen * self.population_size
        done = [t for t in history.trials() if lo <= t.number < hi and t.state.is_finished]
        return len(done) == self.population_size

    def decide(self, history: History, number: int) -> dict[str, Any]:
        """Pure: the segment of trial `number` given the stored trials."""
        if len(history.directions) != 1:
            raise TuneforgeError("PBT ranks members by one objective; this study has "
                                 f"{len(history.directions)}")
        size = self.population_size
        member, gen = number % size, number // size
        done = [t for t in history.trials((TrialState.COMPLETE,))
                if "pbt_member" in t.system_attrs and t.values is not None
                and t.number < number]
        own = [t for t in done if t.system_attrs["pbt_member"] == member]
        prev = max(own, key=lambda t: t.number) if own else None
        out: dict[str, Any] = {"pbt_member": member, "pbt_generation": gen}
        if prev is None:  # generation 0, or every earlier segment of this member failed
            return {**out, "pbt_event": "init", "pbt_start_step": 0,
                    "pbt_end_step": self.perturbation_interval}
        latest: dict[int, TrialRecord] = {}
        for t in done:
            m = int(t.system_attrs["pbt_member"])
            if self.synchronous and t.system_attrs["pbt_generation"] != gen - 1 and m != member:
                continue
            if m not in latest or t.number > latest[m].number:
                latest[m] = t
        latest[member] = prev
        parent, event = prev, "continue"
        ranked = sorted(latest.values(), key=lambda t: (self._loss(t, history), t.number))
        k = max(1, int(math.floor(self.quantile_fraction * len(ranked) + 1e-9)))
        top = [t.number for t in ranked[:k]]
        bottom = [t.number for t in ranked[-k:]]
        if len(ranked) >= 2 and prev.number in bottom and prev.number not in top:
            rng = np.random.default_rng([history.seed, number, 0x9B7])
            parent = ranked[int(rng.integers(k))]
            event = "exploit"
        start = int(parent.system_attrs["pbt_end_step"])
        out.update({"pbt_event": event, "pbt_parent": parent.number,
                    "pbt_source_member": int(parent.system_attrs["pbt_member"]),
                    "checkpoint_from": parent.key, "pbt_start_step": start,
                    "pbt_end_step": start + self.perturbation_interval})
        if event == "exploit":
            out["pbt_exploit_scores"] = [prev.values[0], parent.values[0]]  # type: ignore[index]
        return out

    @staticmethod
    def _loss(t: TrialRecord, history: History) -> float:
        value = float(t.values[0])  # type: ignore[index]  # COMPLETE trials have values
        return -value if history.directions[0] is Direction.MAXIMIZE else value

    # -- the hyperparameters ---------------------------------------------------------
    def sample(self, space: Mapping[str, Distribution], history: History,
               rng: np.random.Generator, trial: TrialRecord) -> Suggestion:
        attrs = trial.system_attrs
        if "pbt_member" not in attrs:
            raise TuneforgeError(f"PBT: trial {trial.number} asked for {list(space)} before "
                                 "its segment was decided; call "
                                 "tuneforge.pbt_segment(trial) first in the objective")
        event = attrs["pbt_event"]
        if event == "init":
            return RandomSampler().sample(space, history, rng, trial)
        parent = _by_number(history, int(attrs["pbt_parent"]))
        params: dict[str, Any] = {}
        for name, dist in space.items():
            if name not in parent.params:
                params.update(RandomSampler().sample({name: dist}, history, rng, trial).params)
            elif event == "exploit":
                params[name] = self.perturb(dist, parent.params[name], rng)
            else:
                params[name] = parent.params[name]
        return Suggestion(params, {"sampler": "PBT"})

    def perturb(self, dist: Distribution, value: Any, rng: np.random.Generator) -> Any:
        """Explore: a fresh draw with `resample_probability`, else a number times one of
        `perturbation_factors` (kept inside the distribution) or a neighbouring choice."""
        if rng.random() < self.resample_probability:
            draw = RandomSampler().sample({"x": dist}, _NoHistory(), rng, _ANY)
            return draw.params["x"]
        if isinstance(dist, Categorical):
            i, n = dist.index(value), len(dist.choices)
            if n == 1:
                return value
            j = i + (1 if rng.random() < 0.5 else -1)
            return dist.choices[j if 0 <= j < n else 2 * i - j]  # at an end: move inward
        factor = self.perturbation_factors[int(rng.integers(len(self.perturbation_factors)))]
        if isinstance(dist, Int):
            moved = value * factor
            if round(moved) == value:  # a small integer would never move: step by one
                moved = value + (1 if factor > 1 else -1)
            return dist.round(moved)
        assert isinstance(dist, Float)
        return dist.round(value * factor)


class ScheduleReplay(BaseSampler):
    """Replays one exported lineage: trial i is segment i, with its recorded
    hyperparameters, continuing from trial i - 1's checkpoint (see `replay_schedule`)."""

    relative = False

    def __init__(self, lineage: Sequence[Mapping[str, Any]]) -> None:
        super().__init__()
        if not lineage:
            raise ValueError("a schedule to replay needs at least one segment")
        self.lineage = [dict(s) for s in lineage]

    def __repr__(self) -> str:
        return f"ScheduleReplay({len(self.lineage)} segments)"

    def decide_segment(self, trial: TrialHandle) -> dict[str, Any]:
        i = trial.number
        if i >= len(self.lineage):
            raise TuneforgeError(f"the schedule has {len(self.lineage)} segments; trial {i} "
                                 "has none to replay")
        seg = self.lineage[i]
        out: dict[str, Any] = {"pbt_member": seg["member"], "pbt_generation": seg["generation"],
                               "pbt_event": "replay", "pbt_start_step": seg["start_step"],
                               "pbt_end_step": seg["end_step"]}
        if i > 0:
            prev = _by_number(trial.study.history(), i - 1)
            out.update({"pbt_parent": i - 1, "checkpoint_from": prev.key})
        return out

    def sample(self, space: Mapping[str, Distribution], history: History,
               rng: np.random.Generator, trial: TrialRecord) -> Suggestion:
        params = self.lineage[trial.number]["params"]
        missing = [n for n in space if n not in params]
        if missing:
            raise TuneforgeError(f"the schedule's segment {trial.number} has no value for "
                                 f"{missing}; it recorded {sorted(params)}")
        return Suggestion({n: params[n] for n in space}, {"sampler": "ScheduleReplay"})


def _by_number(history: History, number: int) -> TrialRecord:
    for t in history.trials():
        if t.number == number:
            return t
    raise TuneforgeError(f"trial {number} is not in the study")


class _NoHistory:
    directions = (Direction.MINIMIZE,)
    seed = 0

    def trials(self, states: Any = None) -> list[TrialRecord]:
        return []


_ANY = TrialRecord(number=0, key="", state=TrialState.RUNNING)
