"""The `models` key: preset names, each optionally with a narrower search space, or
models of your own.

``[logreg, {name: svc, space: {C: {type: float, low: 0.01, high: 100, log: true}}}]``:
an override replaces those parameters' distributions (in `SearchSpace` JSON form, or a
list of choices) and keeps the rest of the preset; defaults outside the new range are
moved to its nearest point, since a preset's defaults are tried first.

Any scikit-learn estimator joins with ``{name: gbm, estimator: "sklearn.ensemble:
GradientBoostingClassifier", space: {...}}`` plus optional ``params`` (fixed arguments),
``defaults`` (tried first; default: the constructor's own, moved inside the space) and
``scale`` (standardize the features first). It is imported and checked while the config
is: the class, its task, its parameter names and the defaults.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from tuneforge.exceptions import SearchSpaceError
from tuneforge.presets import TASKS, Preset, get_preset, presets
from tuneforge.presets.preset import import_path, init_params
from tuneforge.runspec.schema import (
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
from tuneforge.runspec.yaml_tree import Node
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
        if node.is_mapping and "estimator" in node.value:
            return _custom(node, path, task, why, issues)
        if isinstance(node.value, str):
            name_node, space_node = node, None
        elif node.is_mapping:
            check_keys(node, path, ("name", "space"), issues,
                       context="a preset entry takes (a model of your own adds "
                               "'estimator': module:Class)")
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


_CUSTOM = ("name", "estimator", "space", "params", "defaults", "scale")


def _custom(node: Node, path: str, task: str | None, why: str, issues: Issues) -> Any:
    """A model of the user's own: ``estimator: module:Class`` with its space."""
    values = node.value
    ok = check_keys(node, path, _CUSTOM, issues, context="a model of your own takes")
    for key in ("name", "space"):
        if key not in values:
            issues.add(node.decl_line, join(path, key), "required key is missing"
                       + (" (the model's name in the leaderboard)" if key == "name" else
                          " (parameter -> distribution)"))
            ok = False
    if not ok:
        return INVALID
    name = string()(values["name"], join(path, "name"), issues)
    if name is INVALID:
        return INVALID
    if name in model_names() or "." in name:
        return issues.add(values["name"].line, join(path, "name"),
                          f"{name!r} is a preset name; give your model another name"
                          if "." not in name else f"a model name cannot contain '.', "
                                                  f"got {name!r}")
    est_node = values["estimator"]
    cls = _estimator_class(est_node, join(path, "estimator"), issues)
    if cls is INVALID:
        return INVALID
    fixed = {}
    if "params" in values:
        pnode = values["params"]
        if not pnode.is_mapping:
            return issues.add(pnode.line, join(path, "params"),
                              f"must be a mapping of fixed arguments, {got(pnode)}")
        fixed = pnode.plain()
    init = _init_names(cls)
    space_node = values["space"]
    if not space_node.is_mapping or not space_node.value:
        return issues.add(space_node.line, join(path, "space"), f"must be a mapping of "
                          f"parameter -> distribution, {got(space_node)}")
    ok = check_keys(space_node, join(path, "space"), init, issues,
                    context=f"{cls.__name__} takes") if init else True
    if "params" in values and init:
        ok = check_keys(values["params"], join(path, "params"), init, issues,
                        context=f"{cls.__name__} takes") and ok
    space = {k: _distribution(v, f"{path}.space.{k}", issues)
             for k, v in space_node.value.items()}
    if not ok or any(d is INVALID for d in space.values()):
        return INVALID
    try:
        model = cls(**fixed)
    except Exception as exc:  # noqa: BLE001 - any constructor error is the user's to see
        return issues.add(node.decl_line, path, f"{cls.__name__}(**params) failed: "
                                                f"{type(exc).__name__}: {exc}")
    kind = _task_of(model)
    if kind is None:
        return issues.add(est_node.line, join(path, "estimator"),
                          f"{cls.__name__} is neither a scikit-learn classifier nor a "
                          "regressor")
    if task is not None and kind != task:
        return issues.add(est_node.line, join(path, "estimator"),
                          f"{cls.__name__} is a {kind} model but {why}")
    own = {k: v for k, v in model.get_params(deep=False).items() if k in space}
    if "defaults" in values:
        dnode = values["defaults"]
        if not dnode.is_mapping:
            return issues.add(dnode.line, join(path, "defaults"),
                              f"must be a mapping parameter -> value, {got(dnode)}")
        if not check_keys(dnode, join(path, "defaults"), list(space), issues,
                          context="defaults are for the space's parameters"):
            return INVALID
        own.update(dnode.plain())
        for k, v in dnode.plain().items():
            if not space[k].contains(v):
                return issues.add(dnode.value[k].line, join(path, f"defaults.{k}"),
                                  f"{v!r} is outside the space of {k}")
    defaults = {k: _inside(own.get(k), d) for k, d in space.items()}
    scale = values["scale"].value if "scale" in values else False
    if not isinstance(scale, bool):
        return issues.add(values["scale"].line, join(path, "scale"),
                          f"must be true or false, {got(values['scale'])}")
    try:
        return Preset(name, kind, f"{cls.__module__}:{cls.__qualname__}", space, defaults,
                      fixed=fixed, scale=scale, doc=f"user model {cls.__name__}")
    except (SearchSpaceError, ValueError) as exc:
        return issues.add(node.decl_line, path, str(exc))


def _estimator_class(node: Node, path: str, issues: Issues) -> Any:
    """The class ``module:Class`` (or ``module.Class``) names, imported."""
    text = node.value
    if not isinstance(text, str) or not text.strip():
        return issues.add(node.line, path, f"must be an import path such as "
                                           f"'sklearn.ensemble:GradientBoostingClassifier', "
                                           f"{got(node)}")
    where = text if ":" in text else ":".join(text.rsplit(".", 1))  # module.Class too
    try:
        obj = import_path(where)
    except (ImportError, AttributeError, ValueError) as exc:
        return issues.add(node.line, path, f"cannot import {text!r}: "
                                           f"{type(exc).__name__}: {exc}")
    if not isinstance(obj, type) or not hasattr(obj, "fit"):
        return issues.add(node.line, path, f"{text!r} is not an estimator class (no fit)")
    return obj


def _init_names(cls: type) -> list[str]:
    return [p.name for p in init_params(cls).values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def _task_of(model: Any) -> str | None:
    from sklearn.base import is_classifier, is_regressor

    try:
        if is_classifier(model):
            return "classification"
        if is_regressor(model):
            return "regression"
    except (AttributeError, TypeError):
        return None
    return None


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
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return dist.round(dist.low)  # the library's default is no number: the low end
    if isinstance(dist, (Float, Int)) and not dist.contains(value):
        return dist.round(value)
    return value
