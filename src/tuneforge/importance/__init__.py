"""Which hyperparameters matter: fANOVA-style importance over random forests (with
intervals over repeats) and a fast permutation alternative for large studies. Needs the
`sklearn` extra."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tuneforge.importance.fanova import fanova_importance
from tuneforge.importance.permutation import permutation_importance
from tuneforge.importance.result import Importance, ParamImportance

METHODS = ("fanova", "permutation")


def param_importances(study: Any, *, method: str = "fanova", objective: int = 0,
                      params: Sequence[str] | None = None, repeats: int = 5,
                      seed: int = 0) -> Importance:
    """Importance of the parameters of `study` (a Study) by `method` ("fanova" or
    "permutation")."""
    from tuneforge.study.study import Study

    if not isinstance(study, Study):
        raise TypeError(f"param_importances takes a Study, got {type(study).__name__}; "
                        "for records call fanova_importance(trials, directions)")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    fn = fanova_importance if method == "fanova" else permutation_importance
    return fn(study.trials, study.directions, objective=objective, params=params,
              repeats=repeats, seed=seed, study_name=study.study_name)


__all__ = ["METHODS", "Importance", "ParamImportance", "fanova_importance",
           "param_importances", "permutation_importance"]
