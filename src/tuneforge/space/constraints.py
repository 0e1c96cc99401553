"""Hard parameter constraints: predicates over a trial's params that must hold.

A predicate takes the params dict and returns True when the combination is allowed
(``lambda p: p["x"] + p["y"] <= 1``). It reads parameters as ``p["name"]``; while a
name it reads has no value yet (define-by-run), it is not decided, and a parameter that
is never suggested (a conditional branch not taken) leaves it undecided, hence allowed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from tuneforge.exceptions import SearchSpaceError

ParamConstraint = Callable[[Mapping[str, Any]], Any]


class _Undecided(KeyError):
    """A predicate read a parameter that has no value yet."""


class _Partial(Mapping[str, Any]):
    """The params known so far; reading a missing one means "not decided yet"."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self._params = params

    def __getitem__(self, name: str) -> Any:
        if name not in self._params:
            raise _Undecided(name)
        return self._params[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self[name]  # a default would decide too early: undecided until set

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)


def constraint_name(pred: ParamConstraint) -> str:
    """How a predicate is named in messages (its function name, or its repr)."""
    name = getattr(pred, "__name__", None)
    return f"{name}()" if isinstance(name, str) and name != "<lambda>" else repr(pred)


def check_param_constraints(preds: ParamConstraint | Sequence[ParamConstraint] | None,
                            ) -> tuple[ParamConstraint, ...]:
    """`preds` as a tuple of callables (one callable alone is accepted); a TypeError
    naming the first one that is not callable."""
    if preds is None:
        return ()
    items = (preds,) if callable(preds) else tuple(preds)
    for i, p in enumerate(items):
        if not callable(p):
            raise TypeError(f"param_constraints[{i}] must be a function of the params dict "
                            f"returning True when they are allowed, got {p!r}")
    return items


def violated(preds: Sequence[ParamConstraint],
             params: Mapping[str, Any]) -> ParamConstraint | None:
    """The first predicate that `params` decide and violate, or None when every decided
    one holds. A predicate that raises (other than reading a missing parameter) is a
    SearchSpaceError naming it and the params."""
    view = _Partial(params)
    for pred in preds:
        try:
            ok = pred(view)
        except _Undecided:
            continue
        except Exception as exc:
            raise SearchSpaceError(
                f"parameter constraint {constraint_name(pred)} raised "
                f"{type(exc).__name__}: {exc} on params {dict(params)}") from exc
        if not ok:
            return pred
    return None


def decided(pred: ParamConstraint, params: Mapping[str, Any]) -> bool:
    """Whether every parameter `pred` reads has a value in `params`."""
    try:
        pred(_Partial(params))
    except _Undecided:
        return False
    except Exception:  # noqa: BLE001  # decided: it fails for another reason (violated names it)
        return True
    return True


__all__ = ["ParamConstraint", "check_param_constraints", "constraint_name", "decided",
           "violated"]
