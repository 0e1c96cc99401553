"""A small typed schema walker: checkers that convert a `Node` and collect every issue.

A checker is ``check(node, path, issues) -> value``; it returns `INVALID` (and records
why, with the line) when the node does not fit, so one run reports every problem.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tuneforge.runspec.errors import ConfigIssue
from tuneforge.runspec.yaml_tree import Node


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()  # what a checker returns for a value it rejected


class Issues(list[ConfigIssue]):
    """The problems found so far."""

    def add(self, line: int | None, path: str, message: str) -> Any:
        """Record a problem; returns INVALID so that checkers can ``return issues.add(...)``."""
        self.append(ConfigIssue(line, path, message))
        return INVALID


Checker = Callable[[Node, str, Issues], Any]


def shown(value: Any) -> str:
    """A value as an error message shows it: repr for scalars, the kind for containers."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"  # as YAML writes it
    return "null" if value is None else repr(value)


def got(node: Node) -> str:
    return f"got {shown(node.value)}"


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a known name is close to `name`, else ''."""
    close = difflib.get_close_matches(str(name), list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def unknown(kind: str, name: Any, known: Iterable[str]) -> str:
    """``unknown model 'svm' (did you mean 'svc'?); known: logreg, svc``."""
    known = list(known)
    return f"unknown {kind} {name!r}{did_you_mean(str(name), known)}; known: {', '.join(known)}"


# -- scalars ---------------------------------------------------------------------------
def integer(minimum: int | None = None) -> Checker:
    """An int (not a bool) >= `minimum`."""
    what = ("a positive integer" if minimum == 1 else "a non-negative integer" if minimum == 0
            else "an integer" if minimum is None else f"an integer >= {minimum}")

    def check(node: Node, path: str, issues: Issues) -> Any:
        v = node.value
        if isinstance(v, bool) or not isinstance(v, int) or (minimum is not None and v < minimum):
            return issues.add(node.line, path, f"must be {what}, {got(node)}")
        return v

    return check


def number(low: float | None = None, high: float | None = None, *, what: str) -> Checker:
    """A finite int or float strictly between `low` and `high` (each None: unbounded)."""

    def check(node: Node, path: str, issues: Issues) -> Any:
        v = node.value
        ok = (not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v)
              and (low is None or v > low) and (high is None or v < high))
        return float(v) if ok else issues.add(node.line, path, f"must be {what}, {got(node)}")

    return check


def string(choices: Iterable[str] | None = None, kind: str = "value") -> Checker:
    """A non-empty string; with `choices`, one of them (an unknown one gets a did-you-mean)."""
    allowed = None if choices is None else list(choices)

    def check(node: Node, path: str, issues: Issues) -> Any:
        v = node.value
        if not isinstance(v, str) or not v.strip():
            expected = f"one of {', '.join(allowed)}" if allowed else "a non-empty string"
            return issues.add(node.line, path, f"must be {expected}, {got(node)}")
        if allowed is not None and v not in allowed:
            return issues.add(node.line, path, unknown(kind, v, allowed))
        return v

    return check


def boolean(node: Node, path: str, issues: Issues) -> Any:
    """true or false."""
    if not isinstance(node.value, bool):
        return issues.add(node.line, path, f"must be true or false, {got(node)}")
    return node.value


def nullable(checker: Checker) -> Checker:
    """`checker`, or null (None)."""

    def check(node: Node, path: str, issues: Issues) -> Any:
        return None if node.value is None else checker(node, path, issues)

    return check


# -- containers ------------------------------------------------------------------------
def sequence(item: Checker, *, min_items: int = 1) -> Checker:
    """A list of at least `min_items` items, each checked by `item` (path ``key[i]``)."""

    def check(node: Node, path: str, issues: Issues) -> Any:
        if not node.is_sequence:
            return issues.add(node.line, path, f"must be a list, {got(node)}")
        if len(node.value) < min_items:
            return issues.add(node.line, path, f"must list at least {min_items} item(s)")
        out = [item(child, f"{path}[{i}]", issues) for i, child in enumerate(node.value)]
        return INVALID if any(v is INVALID for v in out) else out

    return check


@dataclass(frozen=True)
class Field:
    """One key of a section: its checker, and whether it is required or its default."""

    check: Checker
    required: bool = False
    default: Any = None
    help: str = ""   # what the key is for, shown when it is missing


def check_keys(node: Node, path: str, known: Iterable[str], issues: Issues,
               context: str = "") -> bool:
    """Record every key of the mapping `node` that is not in `known`; True if none."""
    known = list(known)
    ok = True
    for key, child in node.value.items():
        if key not in known:
            ok = False
            takes = context or (f"{path} takes" if path else "known keys")
            issues.add(child.decl_line, join(path, key),
                       f"unknown key{did_you_mean(key, known)}; {takes}: {', '.join(known)}")
    return ok


def section(fields: Mapping[str, Field], context: str = "") -> Checker:
    """A mapping with exactly these keys (unknown ones and missing required ones reported);
    returns a dict of every field's checked value or default. `context` introduces the
    known keys in the unknown-key message (default: ``<path> takes``)."""

    def check(node: Node, path: str, issues: Issues) -> Any:
        if not node.is_mapping:
            return issues.add(node.line, path, f"must be a mapping with keys "
                                               f"{', '.join(fields)}, {got(node)}")
        check_keys(node, path, fields, issues, context)
        out: dict[str, Any] = {}
        for key, field in fields.items():
            if key in node.value:
                out[key] = field.check(node.value[key], join(path, key), issues)
            elif field.required:
                why = f" ({field.help})" if field.help else ""
                out[key] = issues.add(node.decl_line, join(path, key),
                                      f"required key is missing{why}")
            else:
                out[key] = field.default
        return out

    return check


def join(path: str, key: str) -> str:
    """The key path of `key` inside `path`: ``budget.trials``."""
    return f"{path}.{key}" if path else key
