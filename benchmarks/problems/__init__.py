"""Benchmark problems by name. `build(name)` loads data and computes constants; call it
before the clock starts."""

from __future__ import annotations

from typing import Any

from benchmarks.problems import bbob, cheap, fidelity, ml, mo
from benchmarks.problems.base import Metric, Param, Problem

_MODULES = {"bbob": bbob, "ml": ml, "mo": mo, "fid": fidelity, "cheap": cheap}


def module_of(name: str) -> Any:
    prefix = name.split("-", 1)[0]
    if prefix not in _MODULES or name not in _MODULES[prefix].NAMES:
        raise KeyError(f"unknown problem {name!r}; known: {', '.join(all_names())}")
    return _MODULES[prefix]


def build(name: str, **options: Any) -> Any:
    """A Problem (or a fidelity Trainer for `fid-*` names); `options` go to the module's
    own build (e.g. `instance=` for BBOB)."""
    return module_of(name).build(name, **options)


def all_names() -> list[str]:
    return [n for m in _MODULES.values() for n in m.NAMES]


__all__ = ["Metric", "Param", "Problem", "all_names", "build", "module_of"]
