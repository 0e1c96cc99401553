"""Parse YAML into a tree that remembers the line of every key and value.

PyYAML composes a node tree whose nodes carry start marks; we turn it into `Node`s
(plain scalars, dicts and lists of Nodes) so that a checker can name the line at fault.
Duplicate keys, which PyYAML would silently overwrite, are reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from tuneforge.runspec.errors import ConfigError, ConfigIssue


class _Loader(yaml.SafeLoader):
    """SafeLoader that also reads ``1e-3`` as a float (YAML 1.2), not as a string."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


@dataclass(frozen=True)
class Node:
    """A value with its line (1-based); `key_line` is its key's line inside a mapping.

    `value` is a scalar, a ``dict[str, Node]`` (a mapping) or a ``list[Node]`` (a sequence).
    """

    value: Any
    line: int
    key_line: int | None = None

    @property
    def is_mapping(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_sequence(self) -> bool:
        return isinstance(self.value, list)

    @property
    def decl_line(self) -> int:
        """The line that introduces this value: its key's line, else its own."""
        return self.key_line or self.line

    def plain(self) -> Any:
        """The plain Python value (dicts, lists, scalars), without the lines."""
        if self.is_mapping:
            return {k: v.plain() for k, v in self.value.items()}
        if self.is_sequence:
            return [v.plain() for v in self.value]
        return self.value


def parse_yaml(text: str, source: str) -> tuple[Node | None, list[ConfigIssue]]:
    """The document's tree (None when empty) and its duplicate/non-string-key issues.

    A YAML syntax error raises ConfigError with the line PyYAML points at.
    """
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, []
        issues: list[ConfigIssue] = []
        return _convert(loader, root, None, "", issues), issues
    except yaml.MarkedYAMLError as exc:
        raise ConfigError(source, [_syntax_issue(exc)]) from None
    except yaml.YAMLError as exc:
        raise ConfigError(source, [ConfigIssue(None, "", f"invalid YAML: {exc}")]) from None
    finally:
        loader.dispose()


def _syntax_issue(exc: yaml.MarkedYAMLError) -> ConfigIssue:
    mark = exc.problem_mark or exc.context_mark
    what = " ".join(str(exc.problem or "").split())
    if exc.context:
        at = f" at line {exc.context_mark.line + 1}" if exc.context_mark else ""
        what = f"{exc.context}{at}: {what}" if what else f"{exc.context}{at}"
    return ConfigIssue(mark.line + 1 if mark else None, "", f"invalid YAML: {what}")


def _convert(loader: _Loader, node: yaml.Node, key_line: int | None, path: str,
             issues: list[ConfigIssue]) -> Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolve `<<: *anchor` merge keys
        out: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            k_line = key_node.start_mark.line + 1
            child_path = f"{path}.{key}" if path else str(key)
            if not isinstance(key, str):
                issues.append(ConfigIssue(k_line, path, f"keys must be strings, got {key!r}"))
                continue
            if key in out:
                issues.append(ConfigIssue(k_line, child_path, f"duplicate key (first given "
                                                              f"at line {out[key].decl_line})"))
                continue
            out[key] = _convert(loader, value_node, k_line, child_path, issues)
        return Node(out, line, key_line)
    if isinstance(node, yaml.SequenceNode):
        items = [_convert(loader, item, None, f"{path}[{i}]", issues)
                 for i, item in enumerate(node.value)]
        return Node(items, line, key_line)
    return Node(loader.construct_object(node, deep=True), line, key_line)
