"""The `models` key: preset names, each optionally with a narrower search space.

``[logreg, {name: svc, space: {C: {type: float, low: 0.01, high: 100, log: true}}}]``:
an override replaces those parameters' distributions (in `SearchSpace` JSON form, or a
list of choices) and keeps the rest of the preset; defaults outside the new range are
moved to its nearest point, since a preset's defaults are tried first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from tuneforge.automl.presets import TASKS, Preset, get_preset, presets
from tuneforge.config.schema import (
    INVALID,
    Checker,
    Field,
    Issues,
    boolean,
    check_keys,
    got,
    integer,
    join,
    nullable,
    number,
    section,
    sequence,
    string,
    unknown,
)
from tuneforge.config.yaml_tree import Node
from tuneforge.exceptions import SearchSpaceError
from tuneforge.space import Categorical, Distribution, Float, Int
from tuneforge.space.distributions import distribution_from_json

_TYPE = Field(string(("float", "int", "categorical"), "distribution type"), required=True)
_NUMBER = number(what="a number")
_FIELDS = {  # the fields of each distribution type, as `distribution_from_json` reads them
    "float": {"type": _TYPE, "low": Field(_NUMBER, required=True),
              "high": Field(_NUMBER, required=True), "log": Field(boolean, default=False),
              "step": Field(nullable(_NUMBER))},
    "int": {"type": _TYPE, "low": Field(integer(), required=True),
            "high": Field(integer(), required=True), "log": Field(boolean, default=False),
            "step": Field(integer(minimum=1), default=1)},
    "categorical": {"type": _TYPE, "choices": Field(sequence(lambda n, p, i: n.plain()),
                                                    required=True, help="a list of values")},
}
_ARTICLE = {"float": "a", "int": "an", "categorical": "a"}


def model_names(task: str | None = None) -> list[str]:
    """Registered preset names (of one task when given), sorted."""
    return sorted(p.name for p in presets(task, available_only=False))


def task_hint(root: Node) -> tuple[str | None, str]:
    """The task models are checked against, and why: the declared `task` when valid, else
    the task of the first known model (all models of one selection share a task)."""
    node = root.value.get("task")
    if node is not None and node.value in TASKS:
        return node.value, f"task is {node.value}"
    models = root.value.get("models")
    for i, item in enumerate(models.value if models is not None and models.is_sequence else []):
        name = item.value.get("name") if item.is_mapping else item
        name = name.value if name is not None else None
        if isinstance(name, str) and name in model_names():
            kind = get_preset(name).task
            return kind, f"models[{i}] {name!r} is a {kind} model"
    return None, ""


def model_entry(task: str | None, why: str = "") -> Checker:
    """Checker of one `models` item; returns the (possibly narrowed) Preset. `task` (given
    by `why`) limits the names to one task's presets."""

    def check(node: Node, path: str, issues: Issues) -> Any:
        if isinstance(node.value, str):
            name_node, space_node = node, None
        elif node.is_mapping:
            check_keys(node, path, ("name", "space"), issues)
            if "name" not in node.value:
                return issues.add(node.line, join(path, "name"),
                                  "required key is missing (a model preset)")
            name_node, space_node = node.value["name"], node.value.get("space")
        else:
            return issues.add(node.line, path, f"must be a model name or a mapping with name "
                                               f"and space, {got(node)}")
        name_path = path if name_node is node else join(path, "name")
        preset = _preset(name_node, name_path, task, why, issues)
        if preset is INVALID or space_node is None:
            return preset
        override = _space(space_node, join(path, "space"), preset, issues)
        if override is INVALID:
            return INVALID
        try:
            return narrowed(preset, override)
        except SearchSpaceError as exc:
            return issues.add(space_node.decl_line, join(path, "space"), str(exc))

    return check


def _preset(node: Node, path: str, task: str | None, why: str, issues: Issues) -> Any:
    name = node.value
    if not isinstance(name, str):
        return issues.add(node.line, path, f"must be a model name, {got(node)}")
    if name not in model_names():
        return issues.add(node.line, path, unknown("model", name, model_names(task)))
    preset = get_preset(name)
    if task is not None and preset.task != task:
        return issues.add(node.line, path, f"{name!r} is a {preset.task} model but {why}; "
                                           f"{task} models: {', '.join(model_names(task))}")
    if not preset.available:
        module = preset.requires or preset.estimator_path.split(":")[0].split(".")[0]
        return issues.add(node.line, path, f"model {name!r} needs {module!r}, which is not "
                                           f"installed (pip install {module})")
    return preset


def _space(node: Node, path: str, preset: Preset, issues: Issues) -> Any:
    if not node.is_mapping or not node.value:
        return issues.add(node.line, path, f"must be a mapping of parameter -> distribution, "
                                           f"{got(node)}")
    ok = check_keys(node, path, preset.space, issues, context=f"{preset.name} tunes")
    out = {name: _distribution(child, join(path, name), issues)
           for name, child in node.value.items() if name in preset.space}
    return INVALID if not ok or any(d is INVALID for d in out.values()) else out


def _distribution(node: Node, path: str, issues: Issues) -> Any:
    """A list of choices, or ``{type: float|int|categorical, ...}`` as SearchSpace reads."""
    if node.is_sequence:
        spec: Any = {"type": "categorical", "choices": node.plain()}
    elif node.is_mapping:
        kind = node.value["type"].value if "type" in node.value else None
        if kind not in _FIELDS:
            if "type" not in node.value:
                return issues.add(node.decl_line, join(path, "type"), "required key is "
                                  "missing (one of float, int, categorical)")
            return issues.add(node.value["type"].line, join(path, "type"),
                              unknown("distribution type", kind, _FIELDS))
        spec = section(_FIELDS[kind], context=f"{_ARTICLE[kind]} {kind} takes")(
            node, path, issues)
        if spec is INVALID or INVALID in spec.values():
            return INVALID
    else:
        return issues.add(node.line, path, f"must be a distribution such as {{type: float, "
                                           f"low: 0.01, high: 100, log: true}} or a list of "
                                           f"choices, {got(node)}")
    try:
        return distribution_from_json(spec)
    except SearchSpaceError as exc:
        return issues.add(node.decl_line, path, str(exc))


def narrowed(preset: Preset, override: Mapping[str, Distribution]) -> Preset:
    """`preset` with some distributions replaced, its defaults moved inside them."""
    space = {**preset.space, **override}
    defaults = {k: _inside(v, space[k]) if k in override else v
                for k, v in preset.defaults.items()}
    return dataclasses.replace(preset, space=space, defaults=defaults)


def _inside(value: Any, dist: Distribution) -> Any:
    if isinstance(dist, Categorical):
        return value if dist.contains(value) else dist.choices[0]
    if isinstance(value, str):  # PER_FEATURE: resolved against the data later, then clipped
        return value if isinstance(dist, Float) else dist.round(dist.low)
    if isinstance(dist, (Float, Int)) and not dist.contains(value):
        return dist.round(value)
    return value
