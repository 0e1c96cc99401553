"""The `sampler` and `pruner` keys: a name (``tpe``) or ``{name: tpe, seed: 0, ...}``.

Extra keys are the class's keyword options with scalar defaults (e.g. MedianPruner's
``n_startup_trials``); the object is built once while checking, so a bad value is
reported with its line instead of failing mid-run.
"""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tuneforge.pruners import MedianPruner, NopPruner, ParetoPruner
from tuneforge.runspec.schema import INVALID, Checker, Issues, check_keys, got, join, unknown
from tuneforge.runspec.yaml_tree import Node
from tuneforge.samplers import (
    AutoSampler,
    CmaEsSampler,
    GeneticSampler,
    GPSampler,
    RandomSampler,
    TPESampler,
)

SAMPLERS: dict[str, type] = {"auto": AutoSampler, "tpe": TPESampler, "gp": GPSampler,
                             "random": RandomSampler, "cmaes": CmaEsSampler,
                             "ga": GeneticSampler}
PRUNERS: dict[str, type] = {"median": MedianPruner, "none": NopPruner,
                             "pareto": ParetoPruner}
_EXTRAS = {"cmaes": ("cmaes", "cmaes")}  # sampler name -> (module it needs, pip extra)


@dataclass(frozen=True)
class StrategySpec:
    """A sampler or pruner by name, with its keyword options."""

    name: str
    cls: type
    options: Mapping[str, Any] = field(default_factory=dict)

    def build(self, seed: int | None = None) -> Any:
        """A fresh instance; `seed` is used when the class takes one and none was given."""
        options = dict(self.options)
        if seed is not None and "seed" in scalar_options(self.cls):
            options.setdefault("seed", seed)
        return self.cls(**options)


_TYPES: dict[str, tuple[type, ...]] = {"int": (int,), "float": (int, float), "bool": (bool,),
                                       "str": (str,), "None": (type(None),)}


def option_types(cls: type, name: str) -> tuple[type, ...] | None:
    """The YAML scalar types option `name` of ``cls.__init__`` takes, from its annotation
    (``int | None`` -> int, NoneType); None when the annotation says something else."""
    param = inspect.signature(cls).parameters.get(name)
    if param is None or param.annotation is inspect.Parameter.empty:
        return None
    text = param.annotation if isinstance(param.annotation, str) else \
        getattr(param.annotation, "__name__", str(param.annotation))
    out: tuple[type, ...] = ()
    for part in (t.strip() for t in str(text).split("|")):
        if part not in _TYPES:
            return None
        out += _TYPES[part]
    return out


def type_matches(value: Any, types: tuple[type, ...]) -> bool:
    """Whether a YAML scalar is one of `types` (a bool is no int, an int is a float)."""
    if isinstance(value, bool):
        return bool in types
    return isinstance(value, types)


def scalar_options(cls: type) -> dict[str, Any]:
    """Keyword options of ``cls.__init__`` whose defaults are YAML scalars, with defaults."""
    params = inspect.signature(cls).parameters.values()
    return {p.name: p.default for p in params
            if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
            and (p.default is None or isinstance(p.default, (bool, int, float, str)))}


def strategy(kind: str, table: Mapping[str, type]) -> Checker:
    """Checker of a `kind` ("sampler", "pruner") named in `table`, with its options."""

    def check(node: Node, path: str, issues: Issues) -> Any:
        if isinstance(node.value, str):
            name_node, opts = node, {}
        elif node.is_mapping:
            if "name" not in node.value:
                return issues.add(node.decl_line, join(path, "name"),
                                  f"required key is missing (one of {', '.join(table)})")
            name_node = node.value["name"]
            opts = {k: v for k, v in node.value.items() if k != "name"}
        else:
            return issues.add(node.line, path, f"must be a {kind} name or a mapping with "
                                               f"'name' and options, {got(node)}")
        name = name_node.value
        if name not in table:
            return issues.add(name_node.line, path if name_node is node else join(path, "name"),
                              unknown(kind, name, table))
        cls = table[name]
        known = scalar_options(cls)
        if not check_keys(Node(opts, node.line), path, ["name", *known], issues,
                          context=f"{name} {kind} options"):
            return INVALID
        values = {k: v.plain() for k, v in opts.items()}
        if any(isinstance(v, (dict, list)) for v in values.values()):
            bad = next(k for k, v in values.items() if isinstance(v, (dict, list)))
            return issues.add(opts[bad].line, join(path, bad), f"must be a single value, "
                                                               f"{got(opts[bad])}")
        for key, value in values.items():
            types = option_types(cls, key)
            if types is not None and not type_matches(value, types):
                words = {int: "an integer", float: "a number", bool: "true/false",
                         str: "a string", type(None): "null"}
                names = " or ".join(words[t] for t in types
                                    if not (t is int and float in types))  # int is a number
                return issues.add(opts[key].line, join(path, key),
                                  f"must be {names}, {got(opts[key])}")
        needs = _EXTRAS.get(name)
        if needs and importlib.util.find_spec(needs[0]) is None:
            return issues.add(name_node.line, path, f"the {name} {kind} needs {needs[0]!r}: "
                                                    f"pip install 'tuneforge[{needs[1]}]'")
        try:
            cls(**values)
        except (TypeError, ValueError) as exc:
            return issues.add(node.line, path, f"{name}: {exc}")
        return StrategySpec(name, cls, values)

    return check
