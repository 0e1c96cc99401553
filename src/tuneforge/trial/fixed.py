"""FixedTrial: replay an objective with given parameters, outside any study."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from tuneforge.exceptions import SearchSpaceError
from tuneforge.math.numbers import to_float, unwrap
from tuneforge.space.distributions import Categorical, Distribution, Float, Int, named


class FixedTrial:
    """A stand-in for the live trial whose `suggest_*` calls return preset values.

    Use it to re-run an objective on a trial's params (e.g. `study.best_params`).
    """

    def __init__(self, params: Mapping[str, Any], number: int = 0) -> None:
        self.params: dict[str, Any] = {}
        self._given = dict(params)
        self.number = number
        self.user_attrs: dict[str, Any] = {}
        self.system_attrs: dict[str, Any] = {}
        self.intermediate: dict[int, float] = {}
        self.intermediate_vectors: dict[int, tuple[float, ...]] = {}

    def _fixed(self, name: str, dist: Distribution) -> Any:
        if name not in self._given:
            raise SearchSpaceError(f"FixedTrial has no value for parameter {name!r}")
        value = unwrap(self._given[name])  # a numpy scalar is returned as a Python value
        if not dist.contains(value):
            raise SearchSpaceError(f"parameter {name!r}: value {value!r} is outside {dist}")
        self.params[name] = value
        return value

    def suggest_float(self, name: str, low: float, high: float, *, step: float | None = None,
                      log: bool = False) -> float:
        # The given value is returned as is; `Float.contains` has checked it is a number.
        return cast(float, self._fixed(name, named(name, Float, low, high, log=log, step=step)))

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1,
                    log: bool = False) -> int:
        # As given (`Int.contains` also accepts an integral float such as 3.0).
        return cast(int, self._fixed(name, named(name, Int, low, high, log=log, step=step)))

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        return self._fixed(name, named(name, Categorical, tuple(choices)))

    def suggest(self, name: str, distribution: Distribution) -> Any:
        return self._fixed(name, distribution)

    def suggest_space(self, space: Mapping[str, Any]) -> dict[str, Any]:
        from tuneforge.space.search_space import SearchSpace

        declared = space if isinstance(space, SearchSpace) else SearchSpace(space)
        return {name: self._fixed(name, d) for name, d in declared.items()}

    def report(self, value: float | Sequence[float], step: int) -> None:
        value = unwrap(value)
        if hasattr(value, "tolist"):
            value = value.tolist()
        if isinstance(value, (list, tuple)):  # one value per objective
            vec = tuple(to_float(v, "reported value") for v in value)
            self.intermediate_vectors[int(unwrap(step))] = vec
        else:
            self.intermediate[int(unwrap(step))] = to_float(value, "reported value")

    def should_prune(self) -> bool:
        return False

    def set_user_attr(self, key: str, value: Any) -> None:
        self.user_attrs[key] = value

    def set_system_attr(self, key: str, value: Any) -> None:
        """Kept on the fixed trial (evaluation helpers record their data fingerprint)."""
        self.system_attrs[key] = value
