"""One conditional search space over several model families.

A trial first picks the family (parameter ``"model"``), then that family's hyperparameters
under names prefixed by the family (``"svc.C"``), so that two families' ``C`` or
``max_depth`` never share a distribution in the study.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tuneforge.presets import Preset, get_preset, presets

if TYPE_CHECKING:
    from tuneforge.automl.preprocess import ColumnTypes

MODEL_PARAM = "model"


def prefixed(family: str, name: str) -> str:
    """The study's name of a family's hyperparameter, e.g. ``svc.C``."""
    return f"{family}.{name}"


def resolve_models(models: Sequence[str | Preset] | None, task: str) -> tuple[Preset, ...]:
    """The presets to compare: names or Presets, checked against the task; by default every
    available preset of the task."""
    if models is None:
        found = tuple(presets(task))
        if not found:
            raise ValueError(f"no {task} preset is available")
        return found
    if isinstance(models, (str, Preset)):
        models = [models]
    out: list[Preset] = []
    for m in models:
        preset = m if isinstance(m, Preset) else get_preset(m)
        if preset.task != task:
            known = ", ".join(p.name for p in presets(task, available_only=False))
            raise ValueError(f"model {preset.name!r} is a {preset.task} preset but the task is "
                             f"{task}; {task} presets: {known}")
        if not preset.available:
            raise ValueError(f"model {preset.name!r} needs the {preset.requires!r} package, "
                             f"which is not installed (pip install {preset.requires}); "
                             f"available {task} presets: "
                             f"{', '.join(p.name for p in presets(task))}")
        if any(p.name == preset.name for p in out):
            raise ValueError(f"model {preset.name!r} is listed twice in models")
        out.append(preset)
    if not out:
        raise ValueError("models must name at least one preset")
    return tuple(out)


@dataclass(frozen=True)
class Families:
    """The estimator factory of a model-selection study: ``families(trial) -> estimator``.

    Picklable (module-level, holding the presets themselves), so studies can run worker
    processes, even with presets registered only in the parent process. With `tables`
    (the column types of a DataFrame), each model is a Pipeline whose preprocessing is fit
    inside the folds and whose choices (``svc.prep.encoder``, ...) are searched too.
    """

    presets: tuple[Preset, ...]
    random_state: int | None = None
    tables: ColumnTypes | None = None

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.presets]

    def preset(self, family: str) -> Preset:
        for p in self.presets:
            if p.name == family:
                return p
        raise KeyError(f"model {family!r} is not one of {self.names}")

    def __call__(self, trial: Any) -> Any:
        family = trial.suggest_categorical(MODEL_PARAM, self.names)
        space = self.space(family)
        params = {name: trial.suggest(prefixed(family, name), dist)
                  for name, dist in space.items()}
        return self.build_family(family, params)

    def space(self, family: str) -> dict[str, Any]:
        """A family's hyperparameters: its preset's, plus its preprocessing on a table."""
        preset = self.preset(family)
        if self.tables is None:
            return dict(preset.space)
        from tuneforge.automl.preprocess import prep_space

        return {**preset.space, **prep_space(family, preset.scale)[0]}

    def build_family(self, family: str, params: Mapping[str, Any]) -> Any:
        """An unfitted model of `family` with its own (unprefixed) parameters."""
        preset = self.preset(family)
        if self.tables is None:
            return preset.build(params, random_state=self.random_state)
        from tuneforge.automl.preprocess import table_model

        return table_model(preset, params, self.tables, random_state=self.random_state)

    def default_params(self, family: str, n_features: int) -> dict[str, Any]:
        """The study parameters of a family's library defaults (to enqueue)."""
        preset = self.preset(family)
        defaults = preset.defaults_for(n_features)
        if self.tables is not None:
            from tuneforge.automl.preprocess import prep_space

            defaults.update(prep_space(family, preset.scale)[1])
        return {MODEL_PARAM: family,
                **{prefixed(family, k): v for k, v in defaults.items()}}

    def unprefix(self, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """(family, its hyperparameters without the prefix) from a trial's params."""
        family = params[MODEL_PARAM]
        lead = f"{family}."
        return family, {k[len(lead):]: v for k, v in params.items() if k.startswith(lead)}

    def build(self, params: Mapping[str, Any]) -> Any:
        """An unfitted estimator from a trial's (prefixed) params."""
        family, own = self.unprefix(params)
        return self.build_family(family, own)


__all__ = ["MODEL_PARAM", "Families", "prefixed", "resolve_models"]
