"""Constraints the study enforces around its sampler: hard parameter constraints on every
proposal (repaired, never proposed in violation) and outcome constraints from a
`constraints_func` (Optuna's name) after the objective returns."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from tuneforge.exceptions import SearchSpaceError
from tuneforge.math.numbers import to_float
from tuneforge.samplers.base import Sampler, Suggestion, trial_rng
from tuneforge.space.constraints import ParamConstraint, constraint_name, violated
from tuneforge.space.distributions import Categorical, Distribution
from tuneforge.space.encoding import decode, from_unit
from tuneforge.trial.records import History, TrialRecord

RETRIES = 3  # fresh proposals asked of the sampler before rejection sampling
REJECTION_DRAWS = 2000  # uniform draws from the space before the region is called empty


def _empty(where: str, pred: ParamConstraint, params: Mapping[str, Any]) -> SearchSpaceError:
    return SearchSpaceError(
        f"{where}: no value found that satisfies the parameter constraint "
        f"{constraint_name(pred)} in {REJECTION_DRAWS} uniform draws (given {dict(params)}); "
        "the feasible region seems empty or very small")


def repair_joint(preds: Sequence[ParamConstraint], sampler: Sampler,
                 space: Mapping[str, Distribution], history: History, record: TrialRecord,
                 first: Suggestion, seed: int) -> Suggestion:
    """A joint proposal that violates no decided predicate: `first` if it holds, else up
    to RETRIES fresh proposals of the sampler (other random states derived from the trial),
    else uniform rejection sampling of `space` from the study's random state; the trial's
    attribute "constraint_repair" says which ("resampled" or "rejection")."""
    known = {**record.fixed_params, **record.params}
    suggestion = first
    tried: list[Mapping[str, Any]] = []
    for i in range(RETRIES + 1):
        params = dict(suggestion.params)
        pred = violated(preds, {**known, **params})
        if pred is None:
            if i == 0:
                return suggestion
            return Suggestion(params, {**suggestion.attrs, "constraint_repair": "resampled"})
        tried.append(params)
        if i == RETRIES:
            break
        suggestion = sampler.sample(space, history,
                                    trial_rng(seed, record.number, f"#constraints{i}"), record)
        if dict(suggestion.params) in tried:  # a deterministic sampler: no use asking again
            break
    rng = trial_rng(seed, record.number, "#constraints-rejection")
    for _ in range(REJECTION_DRAWS):
        params = decode(space, rng.random(len(space)))
        pred = violated(preds, {**known, **params})
        if pred is None:
            return Suggestion(params, {**first.attrs, "constraint_repair": "rejection"})
    raise _empty(f"trial {record.number}", pred, known)  # type: ignore[arg-type]  # set


def repair_one(preds: Sequence[ParamConstraint], name: str, dist: Distribution, value: Any,
               known: Mapping[str, Any], resample: Callable[[np.random.Generator], Any],
               seed: int, number: int) -> tuple[Any, str | None]:
    """(value, how it was repaired or None) for one define-by-run parameter `name`, given
    the params `known` so far: `value` if no predicate it decides is violated, else up to
    RETRIES values from `resample(rng)` (the sampler), else uniform draws from `dist`."""
    pred = violated(preds, {**known, name: value})
    if pred is None:
        return value, None
    seen = [value]
    for i in range(RETRIES):
        value = resample(trial_rng(seed, number, f"{name}#constraints{i}"))
        if value in seen:
            break
        seen.append(value)
        if violated(preds, {**known, name: value}) is None:
            return value, "resampled"
    rng = trial_rng(seed, number, f"{name}#constraints-rejection")
    for _ in range(REJECTION_DRAWS):
        u = float(rng.random())
        value = dist.choices[min(int(u * len(dist.choices)), len(dist.choices) - 1)] \
            if isinstance(dist, Categorical) else from_unit(dist, u)
        if violated(preds, {**known, name: value}) is None:
            return value, "rejection"
    raise _empty(f"trial {number}, parameter {name!r}", pred, known)


def check_fixed(preds: Sequence[ParamConstraint], params: Mapping[str, Any],
                where: str) -> None:
    """A SearchSpaceError when given (enqueued or fixed) `params` violate a predicate."""
    pred = violated(preds, params)
    if pred is not None:
        raise SearchSpaceError(f"{where}: params {dict(params)} violate the parameter "
                               f"constraint {constraint_name(pred)}")


def outcome_constraints(func: Callable[[TrialRecord], Any],
                        frozen: TrialRecord) -> tuple[list[float] | None, str | None]:
    """(constraint values, None) from `func(frozen)`, or (None, what went wrong) when it
    raises or returns something other than a sequence of numbers (never NaN)."""
    name = getattr(func, "__qualname__", None) or repr(func)
    try:
        out = func(frozen)
    except Exception as exc:
        return None, (f"constraints_func {name} raised {type(exc).__name__}: {exc} on "
                      f"trial {frozen.number}")
    if hasattr(out, "tolist"):
        out = out.tolist()
    if isinstance(out, (int, float)) and not isinstance(out, bool):
        out = [out]
    if not isinstance(out, (list, tuple)):
        return None, (f"constraints_func {name} returned {out!r} for trial {frozen.number}; "
                      "it must return a sequence of numbers (feasible when all <= 0)")
    try:
        vals = [to_float(v, "constraint value") for v in out]
    except (TypeError, ValueError) as exc:
        return None, f"constraints_func {name} on trial {frozen.number}: {exc}"
    if any(math.isnan(v) for v in vals):
        return None, f"constraints_func {name} returned NaN for trial {frozen.number}"
    return vals, None


__all__ = ["check_fixed", "outcome_constraints", "repair_joint", "repair_one"]
