"""The preset registry: the built-in catalog plus presets users register, by name."""

from __future__ import annotations

import difflib

from tuneforge.exceptions import TuneforgeError
from tuneforge.presets import catalog
from tuneforge.presets.preset import TASKS, Preset


class UnknownPresetError(TuneforgeError, KeyError):
    """No preset is registered under this name; the message lists the known ones."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


_REGISTRY: dict[str, Preset] = {}
_BUILTINS_LOADED = False


def _registry() -> dict[str, Preset]:
    global _BUILTINS_LOADED
    if not _BUILTINS_LOADED:
        _BUILTINS_LOADED = True
        for preset in catalog.BUILTIN_PRESETS:
            _REGISTRY.setdefault(preset.name, preset)
    return _REGISTRY


def register_preset(preset: Preset, *, replace: bool = False) -> Preset:
    """Add a preset (a model family) that `select` and `get_preset` can use by name."""
    if not isinstance(preset, Preset):
        raise TypeError(f"register_preset needs a Preset, got {preset!r}")
    registry = _registry()
    if preset.name in registry and not replace:
        raise ValueError(f"a preset named {preset.name!r} is already registered; pass "
                         "replace=True to overwrite it")
    registry[preset.name] = preset
    return preset


def unregister_preset(name: str) -> None:
    """Remove a preset from the registry (UnknownPresetError if it is not there)."""
    get_preset(name)
    del _registry()[name]


def get_preset(name: str) -> Preset:
    """The registered preset called `name`; the error lists the known names."""
    registry = _registry()
    if name in registry:
        return registry[name]
    close = difflib.get_close_matches(str(name), list(registry), n=3)
    hint = f"did you mean {', '.join(map(repr, close))}? " if close else ""
    raise UnknownPresetError(f"unknown model preset {name!r}; {hint}known presets: "
                   f"{', '.join(sorted(registry))}")


def presets(task: str | None = None, *, available_only: bool = True) -> list[Preset]:
    """Registered presets, optionally of one task; by default only those that import."""
    if task is not None and task not in TASKS:
        raise ValueError(f"task must be one of {TASKS} or None, got {task!r}")
    return [p for p in _registry().values()
            if (task is None or p.task == task) and (not available_only or p.available)]


__all__ = ["UnknownPresetError", "get_preset", "presets", "register_preset",
           "unregister_preset"]
