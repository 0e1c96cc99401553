"""RefinedSampler: run any sampler on a refined space, with old trials mapped into it.

Trials run on an earlier space are shown to the inner sampler with values clipped into the
new bounds (or left out) and categorical values that are no longer choices left out; the
stored trials are never changed. `tuneforge.study.refine.continue_on` installs it.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from dataclasses import replace
from typing import Literal

import numpy as np

from tuneforge.samplers.base import (
    BaseSampler,
    ConstraintsFunc,
    Sampler,
    Suggestion,
    check_sampler,
    checked_constraints_func,
)
from tuneforge.space.distributions import Distribution
from tuneforge.space.narrowing import project_params
from tuneforge.space.search_space import SearchSpace
from tuneforge.storage.cached import Snapshot
from tuneforge.trial.records import History, TrialRecord


class RefinedSampler(BaseSampler):
    """Runs `inner` on a refined `space` with the history mapped into that space.

    Trials run on an earlier space are shown to `inner` with values clipped into the new
    bounds (`outside="drop"`: left out) and categorical values that are no longer choices
    left out; a mapped trial gets a derived key, so caches keyed by trial never mix the
    stored and the mapped record. The joint space is the refined one, so its parameters
    are sampled together even after the stored distributions stopped agreeing.
    """

    _transient = {"_mapped": dict}  # finished trial key -> mapped record
    _mapped: dict[str, TrialRecord]

    def __init__(self, inner: Sampler, space: SearchSpace, *,
                 outside: Literal["clip", "drop"] = "clip",
                 constraints_func: ConstraintsFunc | None = None) -> None:
        check_sampler(inner)
        if inner.initial_queue() is not None:
            raise TypeError(f"{inner!r} proposes a fixed set of points; it cannot continue "
                            "on a refined space")
        if outside not in ("clip", "drop"):
            raise ValueError(f"outside must be 'clip' or 'drop', got {outside!r}")
        self.inner = inner
        self.seed = inner.seed
        # the inner sampler's constraints_func unless one is given here
        self.constraints_func = checked_constraints_func(
            constraints_func if constraints_func is not None
            else inner.constraints_func, self)
        self.space = space if isinstance(space, SearchSpace) else SearchSpace(space)
        self.outside = outside
        text = json.dumps(self.space.to_json(), sort_keys=True)
        self._tag = f"{zlib.crc32(text.encode()):08x}"
        super().__init__()

    def __repr__(self) -> str:
        return f"RefinedSampler({self.inner!r}, {self.space!r}, outside={self.outside!r})"

    @property
    def relative(self) -> bool:
        return self.inner.relative

    def joint_space(self, space: Mapping[str, Distribution]) -> Mapping[str, Distribution]:
        """The refined space, then any other parameter of the study's joint space (as
        the inner sampler declares it)."""
        out: dict[str, Distribution] = dict(self.space)
        out.update({k: v for k, v in space.items() if k not in self.space})
        return self.inner.joint_space(out)

    def sample(self, space: Mapping[str, Distribution], history: History,
               rng: np.random.Generator, trial: TrialRecord) -> Suggestion:
        return self.inner.sample(space, self.mapped_history(history, trial), rng, trial)

    def mapped_history(self, history: History, current: TrialRecord | None = None) -> History:
        """`history` with every other trial's values mapped into the refined space."""
        records = []
        for t in history.trials():
            if current is not None and t.key == current.key:
                records.append(t)
            elif t.state.is_finished:
                m = self._mapped.get(t.key)
                if m is None:
                    m = self._mapped[t.key] = self._map(t)
                records.append(m)
            else:
                records.append(self._map(t))
        return Snapshot(history.directions, records, seed=history.seed)

    def _map(self, t: TrialRecord) -> TrialRecord:
        if all(t.distributions.get(n) == d for n, d in self.space.items() if n in t.params):
            return t
        params = project_params(self.space, t.params, outside=self.outside)
        dists = {n: self.space.get(n, d) for n, d in t.distributions.items() if n in params}
        return replace(t, key=f"{t.key}~{self._tag}", params=params, distributions=dists)


__all__ = ["RefinedSampler"]
