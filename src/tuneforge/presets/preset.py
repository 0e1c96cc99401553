"""Search-space presets: one model family each, with its estimator, ranges and defaults.

A `Preset` names an estimator by import path, declares the hyperparameters worth tuning
(with ranges wide enough to hold the library's own defaults), the constant arguments, and
whether features (and the target) are standardized first. The registry holds the built-in
presets (`tuneforge.presets.catalog`) and any that users add with `register_preset`
(`tuneforge.presets.registry`).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tuneforge.exceptions import MissingExtraError, SearchSpaceError
from tuneforge.space import Categorical, Distribution, Float, SearchSpace

TASKS = ("classification", "regression")

#: A default for a Float parameter meaning "1 / number of features" (clipped to the range):
#: what scikit-learn's ``gamma="scale"`` gives on standardized features.
PER_FEATURE = "1/n_features"


@dataclass(frozen=True)
class Preset:
    """A model family: estimator, search space, defaults inside it, and preprocessing.

    `estimator` is ``"module:Class"`` (or the class). `defaults` give every space parameter
    the value the library uses when it is not set; they are tried first. `to_kwargs`, when
    given, turns the space's values into estimator arguments (a module-level function).
    """

    name: str
    task: str
    estimator: str | type
    space: Mapping[str, Distribution]
    defaults: Mapping[str, Any]
    fixed: Mapping[str, Any] = field(default_factory=dict)
    scale: bool = False
    scale_target: bool = False
    doc: str = ""
    requires: str | None = None
    to_kwargs: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        where = f"preset {self.name!r}"
        if not isinstance(self.name, str) or not self.name or "." in self.name:
            raise ValueError(f"a preset name must be a non-empty string without '.', "
                             f"got {self.name!r}")
        if self.task not in TASKS:
            raise ValueError(f"{where}: task must be one of {TASKS}, got {self.task!r}")
        if isinstance(self.estimator, str) and ":" not in self.estimator:
            raise ValueError(f"{where}: estimator must be 'module:Class', got "
                             f"{self.estimator!r}")
        try:
            space = dict(SearchSpace(self.space))
        except SearchSpaceError as exc:
            raise SearchSpaceError(f"{where}: {exc}") from None
        object.__setattr__(self, "space", space)
        object.__setattr__(self, "defaults", dict(self.defaults))
        object.__setattr__(self, "fixed", dict(self.fixed))
        missing = sorted(set(space) - set(self.defaults))
        extra = sorted(set(self.defaults) - set(space))
        if missing or extra:
            raise SearchSpaceError(f"{where}: defaults must give exactly the space's "
                                   f"parameters; missing {missing}, unknown {extra}")
        clash = sorted(set(self.fixed) & set(space))
        if clash:
            raise SearchSpaceError(f"{where}: {clash} are both fixed and in the space")
        for name, value in self.defaults.items():
            if value == PER_FEATURE and not isinstance(space[name], Float):
                raise SearchSpaceError(f"{where}: parameter {name!r}: {PER_FEATURE!r} is "
                                       "only a default for Float parameters")
        _check_inside(where, space, self.defaults_for(1))

    # -- reading -----------------------------------------------------------------------
    @property
    def available(self) -> bool:
        """True when the package the estimator comes from can be imported."""
        module = self.requires or (self.estimator.split(":")[0].split(".")[0]
                                   if isinstance(self.estimator, str) else None)
        return module is None or importlib.util.find_spec(module) is not None

    @property
    def estimator_path(self) -> str:
        if isinstance(self.estimator, str):
            return self.estimator
        return f"{self.estimator.__module__}:{self.estimator.__qualname__}"

    def defaults_for(self, n_features: int) -> dict[str, Any]:
        """The defaults with `PER_FEATURE` resolved for data with `n_features` columns."""
        out = dict(self.defaults)
        for name, value in out.items():
            dist = self.space[name]
            if value == PER_FEATURE and isinstance(dist, Float):
                out[name] = dist.round(1.0 / max(int(n_features), 1))
        return out

    def estimator_class(self) -> type:
        """Import the estimator class (MissingExtraError when its package is missing)."""
        if not isinstance(self.estimator, str):
            return self.estimator
        module_name, _, qualname = self.estimator.partition(":")
        try:
            importlib.import_module(module_name)
        except ImportError as exc:
            raise MissingExtraError(
                f"preset {self.name!r} needs {module_name!r}, which cannot be imported "
                f"({exc}); install it with: pip install {self.requires or module_name}"
            ) from None
        try:
            return import_path(self.estimator)
        except AttributeError:
            raise ImportError(f"preset {self.name!r}: {module_name!r} has no "
                              f"{qualname!r}") from None

    # -- building ----------------------------------------------------------------------
    def build(self, params: Mapping[str, Any] | None = None, *,
              random_state: int | None = None, scale: bool | None = None) -> Any:
        """An unfitted estimator with these space values (missing ones keep the library's
        default), wrapped in the preset's scaling; `random_state` where accepted.
        `scale=False` leaves the feature scaling out (a table's preprocessing does it)."""
        params = dict(params or {})
        unknown = sorted(set(params) - set(self.space))
        if unknown:
            raise SearchSpaceError(f"preset {self.name!r} has no parameter(s) {unknown}; "
                                   f"its space is {sorted(self.space)}")
        _check_inside(f"preset {self.name!r}", self.space, params)
        cls = self.estimator_class()
        kwargs = self.to_kwargs(dict(params)) if self.to_kwargs is not None else dict(params)
        kwargs = {**self.fixed, **kwargs}
        if random_state is not None and "random_state" not in kwargs \
                and "random_state" in init_params(cls):
            kwargs["random_state"] = random_state
        model = cls(**kwargs)
        if self.scale if scale is None else scale:
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler

            model = make_pipeline(StandardScaler(), model)
        if self.scale_target:
            from sklearn.compose import TransformedTargetRegressor
            from sklearn.preprocessing import StandardScaler

            model = TransformedTargetRegressor(regressor=model, transformer=StandardScaler())
        return model

    def to_json(self) -> dict[str, Any]:
        """The preset as JSON (its space in `SearchSpace.to_json` form), for docs and CLIs."""
        return {"name": self.name, "task": self.task, "estimator": self.estimator_path,
                "space": SearchSpace(self.space).to_json(), "defaults": dict(self.defaults),
                "fixed": dict(self.fixed), "scale": self.scale,
                "scale_target": self.scale_target, "doc": self.doc,
                "requires": self.requires, "available": self.available}


def _check_inside(where: str, space: Mapping[str, Distribution],
                  values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        dist = space[name]
        if not dist.contains(value):
            shown = list(dist.choices) if isinstance(dist, Categorical) else dist
            raise SearchSpaceError(f"{where}: parameter {name!r}: value {value!r} is outside "
                                   f"{shown}")


def import_path(path: str) -> Any:
    """The object ``module:qual.name`` names (ImportError for the module, AttributeError
    for a missing name)."""
    module_name, _, qualname = path.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in filter(None, qualname.split(".")):
        obj = getattr(obj, part)
    return obj


def init_params(cls: type) -> Mapping[str, Any]:
    """The parameters of ``cls.__init__`` (empty when they cannot be read)."""
    try:
        return inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return {}


__all__ = ["PER_FEATURE", "TASKS", "Preset", "import_path", "init_params"]
