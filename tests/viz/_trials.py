"""Hand-made trial records with known content, for the figure tests."""

from __future__ import annotations

from typing import Any

from tuneforge.space.distributions import Categorical, Float, Int
from tuneforge.trial.records import TrialRecord, TrialState

DISTS = {"lr": Float(1e-4, 1.0, log=True), "depth": Int(1, 10),
         "kind": Categorical(("a", "b", "c"))}


def rec(number: int, values: Any = None, *, state: TrialState = TrialState.COMPLETE,
        params: dict[str, Any] | None = None, intermediate: dict[int, float] | None = None,
        user_attrs: dict[str, Any] | None = None, system_attrs: dict[str, Any] | None = None,
        start: float | None = None, end: float | None = None) -> TrialRecord:
    if values is not None and not isinstance(values, tuple):
        values = (float(values),)
    params = params if params is not None else {"lr": 0.01, "depth": 3, "kind": "a"}
    return TrialRecord(number=number, key=f"k{number}", state=state, params=params,
                       distributions={k: DISTS[k] for k in params}, values=values,
                       intermediate=intermediate or {}, user_attrs=user_attrs or {},
                       system_attrs=system_attrs or {}, datetime_start=start,
                       datetime_complete=end)
