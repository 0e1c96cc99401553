"""SearchSpace: a validated, ordered mapping from parameter names to distributions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from tuneforge.exceptions import SearchSpaceError
from tuneforge.space.distributions import (
    Categorical,
    Distribution,
    Float,
    Int,
    distribution_from_json,
)


def _coerce(name: str, spec: Any) -> Distribution:
    if isinstance(spec, (Float, Int, Categorical)):
        return spec
    try:
        if isinstance(spec, dict):
            return distribution_from_json(spec)
        if isinstance(spec, list):
            return Categorical(tuple(spec))
    except SearchSpaceError as exc:
        raise SearchSpaceError(f"parameter {name!r}: {exc}") from None
    raise SearchSpaceError(
        f"parameter {name!r}: expected Float, Int, Categorical, a list of choices or a "
        f"{{'type': ...}} dict, got {spec!r}"
    )


class SearchSpace(Mapping[str, Distribution]):
    """A declared search space, e.g. ``SearchSpace({"lr": Float(1e-4, 1, log=True)})``.

    Values may also be plain lists (categorical choices) or the JSON dicts that
    `to_json` writes, so a space can come from a config file.
    """

    __slots__ = ("_params",)

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        self._params: dict[str, Distribution] = {}
        for name, spec in (params or {}).items():
            if not isinstance(name, str) or not name:
                raise SearchSpaceError(f"parameter names must be non-empty strings, got {name!r}")
            self._params[name] = _coerce(name, spec)

    def __getitem__(self, name: str) -> Distribution:
        return self._params[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def __repr__(self) -> str:
        return f"SearchSpace({self._params!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._params) == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self._params.items()))

    def to_json(self) -> dict[str, Any]:
        return {name: d.to_json() for name, d in self._params.items()}

    def validate(self, params: Mapping[str, Any]) -> None:
        """Raise SearchSpaceError naming the first parameter outside its distribution."""
        for name, value in params.items():
            if name in self._params and not self._params[name].contains(value):
                raise SearchSpaceError(
                    f"parameter {name!r}: value {value!r} is outside {self._params[name]}"
                )


def intersection_space(trials: Iterable[Any]) -> SearchSpace:
    """The parameters every given trial has, with the same distribution.

    `trials` are TrialRecords (anything with `.distributions`); the caller picks which
    (the study passes its COMPLETE and PRUNED ones) to find what a sampler can model
    jointly in a define-by-run study.
    """
    common: dict[str, Distribution] | None = None
    for t in trials:
        dists = t.distributions
        if common is None:
            common = dict(dists)
        else:
            common = {k: v for k, v in common.items() if dists.get(k) == v}
        if not common:
            break
    return SearchSpace(common or {})
