"""The live, define-by-run trial handle that objectives receive.

`suggest_*` asks the study's sampler (or returns an enqueued/fixed value), `report`
and `should_prune` talk to the pruner; every call is written to storage at once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from tuneforge.exceptions import SearchSpaceError, TrialStateError
from tuneforge.math.numbers import is_integer, to_float, unwrap
from tuneforge.pruners.base import checked_decision, sampler_history
from tuneforge.samplers.base import trial_rng
from tuneforge.space.distributions import Categorical, Distribution, Float, Int, named
from tuneforge.storage import events as ev
from tuneforge.study import feasible
from tuneforge.study.reproducible import restrict
from tuneforge.trial.records import TrialRecord, TrialState

if TYPE_CHECKING:
    from tuneforge.study.study import Study

_REFS: dict[int, tuple[Distribution, str]] = {}  # id -> (distribution, its stored ref)


class Trial:
    """One running trial: `suggest_float/int/categorical`, `report`, `should_prune`."""

    def __init__(self, study: Study, key: str, joint: Mapping[str, Any] | None = None) -> None:
        self.study = study
        self.key = key
        record = study._view.state.trial(key)
        self.number: int = record.number
        self._fixed = dict(record.fixed_params)
        self._joint = dict(joint or {})
        self.params: dict[str, Any] = dict(record.params)
        self.distributions: dict[str, Distribution] = dict(record.distributions)

    def __repr__(self) -> str:
        return f"Trial(number={self.number}, params={self.params})"

    # -- parameters ------------------------------------------------------------------
    def suggest_float(self, name: str, low: float, high: float, *, step: float | None = None,
                      log: bool = False) -> float:
        """A float in [low, high]; `log` samples on a log scale, `step` discretizes."""
        # a float: sampled, or given (an enqueued int becomes a float in `_suggest`)
        return cast(float, self._suggest(name, named(name, Float, low, high, log=log, step=step)))

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1,
                    log: bool = False) -> int:
        """An integer in [low, high] (both included)."""
        # sampled, or given (an enqueued integral float such as 3.0 becomes 3 in `_suggest`)
        return cast(int, self._suggest(name, named(name, Int, low, high, log=log, step=step)))

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        """One of `choices` (JSON scalars: None, bool, int, float, str)."""
        if isinstance(choices, (str, bytes)) or not hasattr(choices, "__iter__"):
            raise SearchSpaceError(f"parameter {name!r}: choices must be a list, got {choices!r}")
        return self._suggest(name, named(name, Categorical, tuple(choices)))

    def suggest(self, name: str, distribution: Distribution) -> Any:
        """A value for `name` from a declared distribution (Float, Int or Categorical)."""
        if not isinstance(distribution, (Float, Int, Categorical)):
            raise SearchSpaceError(
                f"parameter {name!r}: expected Float, Int or Categorical, got {distribution!r}"
            )
        return self._suggest(name, distribution)

    def suggest_space(self, space: Mapping[str, Any]) -> dict[str, Any]:
        """Values for every parameter of a declared space (a SearchSpace or a dict that
        SearchSpace accepts), in its order."""
        from tuneforge.space.search_space import SearchSpace

        declared = space if isinstance(space, SearchSpace) else SearchSpace(space)
        return {name: self._suggest(name, dist) for name, dist in declared.items()}

    def _suggest(self, name: str, dist: Distribution) -> Any:
        if not isinstance(name, str) or not name:
            raise SearchSpaceError(f"parameter names must be non-empty strings, got {name!r}")
        if name in self.distributions:
            if self.distributions[name] != dist:
                raise SearchSpaceError(
                    f"parameter {name!r} was already suggested in trial {self.number} as "
                    f"{self.distributions[name]}; it cannot be asked again as {dist}"
                )
            return self.params[name]
        attrs: dict[str, Any] = {}
        if name in self._fixed:
            value = self._fixed[name]
            if isinstance(dist, Float) and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            elif isinstance(dist, Int) and isinstance(value, float) and value.is_integer():
                value = int(value)  # an enqueued 3.0 for an int parameter is 3
            if not dist.contains(value):
                raise SearchSpaceError(
                    f"trial {self.number}: the enqueued value {value!r} of parameter {name!r} "
                    f"is outside {dist}"
                )
        elif name in self._joint and dist.contains(self._joint[name]):
            value = self._joint[name]
        else:
            value = self._sample_one(name, dist, attrs)
        value = unwrap(value)
        if self.study.param_constraints:  # hard constraints: decided now, never violated
            value = self._feasible(name, dist, value, attrs)
        events = self._param_events(name, value, dist)
        events += [ev.attr_set(self.key, k, v, scope="system") for k, v in attrs.items()]
        self.study._append(events)
        self.params[name] = value
        self.distributions[name] = dist
        return value

    def _param_events(self, name: str, value: Any, dist: Distribution) -> list[ev.Event]:
        """param_set by reference to the study's copy of `dist`, defining it first if
        this study has not stored it yet: its size is paid once per study, not per trial."""
        # memoized by identity, not by `==`: Categorical((1,)) == ((True,)) (`named` reuses
        # the distribution objects of an objective's suggest calls)
        hit = _REFS.get(id(dist))
        if hit is not None and hit[0] is dist:
            ref = hit[1]
        else:
            ref = ev.distribution_ref(dist.to_json())
            if len(_REFS) < 4096:
                _REFS[id(dist)] = (dist, ref)  # keeps `dist` alive: its id is not reused
        events = [] if ref in self.study._view.state.distributions \
            else [ev.distribution_defined(ref, dist.to_json())]
        return events + [ev.param_set(self.key, name, value, distribution_ref=ref)]

    def _feasible(self, name: str, dist: Distribution, value: Any,
                  attrs: dict[str, Any]) -> Any:
        """`value`, or a repaired one, so that no parameter constraint it decides is
        violated; an enqueued (fixed) value that violates one is a SearchSpaceError."""
        known = {**self._fixed, **self.params}
        if name in self._fixed:
            feasible.check_fixed(self.study.param_constraints, {**known, name: value},
                                 f"trial {self.number} (enqueued)")
            return value
        value, how = feasible.repair_one(
            self.study.param_constraints, name, dist, value, known,
            lambda rng: unwrap(self._sample_one(name, dist, attrs, rng)),
            self.study.seed, self.number)
        if how is not None:
            attrs["constraint_repair"] = how
        return value

    def _sample_one(self, name: str, dist: Distribution, attrs: dict[str, Any],
                    rng: np.random.Generator | None = None) -> Any:
        """Sample a parameter outside the joint space: the same sampler, a one-parameter
        space; for a joint (relative) sampler this fallback is recorded on the trial."""
        study = self.study
        rng = rng if rng is not None else trial_rng(study.seed, self.number, name)
        state = study._history()  # one refresh; the record below comes from the same state
        record = study._view.state.trial(self.key)
        history = sampler_history(study.pruner, study.sampler,
                                  restrict(state, record, study.reproducible_batch), record)
        suggestion = study.sampler.sample({name: dist}, history, rng, record)
        if name not in suggestion.params:
            raise SearchSpaceError(f"{study.sampler!r} proposed no value for parameter {name!r}")
        # what the sampler says about this draw; the joint proposal's attrs take precedence
        attrs.update({k: v for k, v in suggestion.attrs.items() if k not in record.system_attrs})
        if study.sampler.relative:
            independent = list(record.system_attrs.get("independent_params", []))
            attrs["independent_params"] = independent + [name]
        return dist.round(suggestion.params[name]) if not isinstance(dist, Categorical) \
            else suggestion.params[name]

    # -- pruning ---------------------------------------------------------------------
    def report(self, value: float | Sequence[float], step: int) -> None:
        """Record an intermediate objective value at `step` (e.g. an epoch or a fold);
        with several objectives, a vector (one value per objective, none NaN) for
        `ParetoPruner`, read back from `record.intermediate_vectors`."""
        step = unwrap(step)
        if not is_integer(step) or step < 0:
            raise ValueError(f"trial {self.number}: step must be an integer >= 0, got {step!r}")
        value = unwrap(value)
        if hasattr(value, "tolist"):  # a numpy array
            value = value.tolist()
        if isinstance(value, (list, tuple)):
            self.study._append([ev.intermediate(self.key, step, self._vector(value, step))])
            return
        try:
            value = to_float(value, "reported value")
        except ValueError as exc:  # not a number, or too large for a float
            raise ValueError(f"trial {self.number}: {exc}") from None
        self.study._append([ev.intermediate(self.key, step, value)])

    def _vector(self, value: Sequence[Any], step: int) -> list[float] | float:
        """A reported vector checked against the study's objectives (one value each, no
        NaN); a one-objective study stores its single value in the original format."""
        n = len(self.study.directions)
        if len(value) != n:
            raise ValueError(f"trial {self.number}: report at step {step} got {len(value)} "
                             f"value(s) for a study with {n} objective(s)")
        try:
            vec = [to_float(v, "reported value") for v in value]
        except ValueError as exc:
            raise ValueError(f"trial {self.number}: {exc}") from None
        if any(math.isnan(v) for v in vec):
            raise ValueError(f"trial {self.number}: report at step {step} got NaN in "
                             f"{vec}; a vector report needs a number per objective")
        return vec[0] if n == 1 else vec

    def should_prune(self) -> bool:
        """Ask the study's pruner whether this trial should stop now. When it should, the
        pruner's reason (`prune_reason`) and attributes are stored on the trial, and the
        reason becomes the pruned trial's reason unless TrialPruned carries another."""
        record = self.record
        if record.state is not TrialState.RUNNING:
            raise TrialStateError(f"trial {self.number} is {record.state.value}, not RUNNING")
        pruner = self.study.pruner
        decision = checked_decision(
            pruner.decide(record, self.study._history(refresh=False)), pruner)
        if decision.prune:
            attrs = dict(decision.attrs, prune_reason=decision.reason or f"{pruner!r}")
            self.study._append([ev.attr_set(self.key, k, v, scope="system")
                                for k, v in attrs.items()])
        return decision.prune

    # -- checkpoints -----------------------------------------------------------------
    def checkpoint(self, state: Mapping[str, Any]) -> None:
        """Save `state` (a dict of JSON values, numpy arrays and torch tensors) as this
        trial's checkpoint, replacing an earlier one: files in the study's artifact store
        (`Study.artifacts`), tensors as safetensors and the rest as JSON, never pickled."""
        study = self.study
        folder = study.artifacts.save(study.study_name, self.key, state)
        if "checkpoint" not in self.record.system_attrs:
            rel = folder.relative_to(study.artifacts.root).as_posix()
            self.set_system_attr("checkpoint", rel)

    def load_checkpoint(self) -> dict[str, Any] | None:
        """This trial's own checkpoint when it saved one, else the checkpoint of the trial
        it continues from (system attribute ``checkpoint_from``, a trial key, set by a
        scheduler such as PBT), else None (start from scratch)."""
        study = self.study
        own = study.artifacts.load(study.study_name, self.key)
        if own is not None:
            return own
        parent = self.record.system_attrs.get("checkpoint_from")
        if parent is None:
            return None
        state = study.artifacts.load(study.study_name, str(parent))
        if state is None:
            raise TrialStateError(
                f"trial {self.number} continues from trial key {parent!r}, whose checkpoint "
                f"is missing from {study.artifacts!r}")
        return state

    # -- attributes ------------------------------------------------------------------
    def set_user_attr(self, key: str, value: Any) -> None:
        """Store a JSON value on the trial (shown in tables and exports)."""
        self.study._append([ev.attr_set(self.key, key, value, scope="user")])

    def set_system_attr(self, key: str, value: Any) -> None:
        """Store a JSON value for tuneforge's own bookkeeping."""
        self.study._append([ev.attr_set(self.key, key, value, scope="system")])

    def set_constraint(self, values: Sequence[float]) -> None:
        """Outcome constraints: the trial is feasible when every value is <= 0."""
        try:
            vals = [to_float(v, "constraint value") for v in values]
        except ValueError as exc:  # not a number, or too large for a float
            raise ValueError(f"trial {self.number}: {exc}") from None
        if any(math.isnan(v) for v in vals):
            raise ValueError(f"trial {self.number}: constraint values must not be NaN")
        self.set_system_attr("constraints", vals)

    @property
    def user_attrs(self) -> Mapping[str, Any]:
        return self.record.user_attrs

    @property
    def record(self) -> TrialRecord:
        """This trial's current record, as stored."""
        return self.study._view.refresh().trial(self.key)

