"""Rebuild a study's model from the recipe the catalog recorded (class path + plain
parameters, JSON; never pickle)."""

from __future__ import annotations

import importlib
from typing import Any

from tuneforge.exceptions import TuneforgeError


def build_estimator(recipe: Any, where: str) -> Any:
    """A fresh estimator from ``{"class": "pkg.module.Class", "params": {...}}``."""
    if not isinstance(recipe, dict) or not isinstance(recipe.get("class"), str):
        raise TuneforgeError(f"{where} has no model recipe: it was not made by "
                             "cross_val_objective or TuneSearchCV with an estimator; pass "
                             "the estimator to tuneforge.retune.retune() instead")
    module, _, name = recipe["class"].rpartition(".")
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise TuneforgeError(f"{where}: cannot import the model class {recipe['class']!r} "
                             f"({exc})") from None
    try:
        return cls(**dict(recipe.get("params") or {}))
    except TypeError as exc:
        raise TuneforgeError(f"{where}: {recipe['class']} rejects its recorded parameters "
                             f"({exc})") from None


__all__ = ["build_estimator"]
