"""Parse YAML into a tree that remembers the line of every key and value.

PyYAML composes a node tree whose nodes carry start marks; we turn it into `Node`s
(plain scalars, dicts and lists of Nodes) so that a checker can name the line at fault.
Duplicate keys, which PyYAML would silently overwrite, are reported. The tree is bounded:
aliases may not expand it past `MAX_NODES` values (a 400-byte "billion laughs" would) nor
nest it deeper than `MAX_DEPTH`, and a recursive alias is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from tuneforge.runspec.errors import ConfigError, ConfigIssue

MAX_NODES = 20_000  # values in the tree with every alias expanded; a config has hundreds
MAX_DEPTH = 64  # nesting levels; a config has about six


class _Unbounded(Exception):
    """The document would expand past the bounds; `line` is where (1-based)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


class _Loader(yaml.SafeLoader):
    """SafeLoader that also reads ``1e-3`` as a float (YAML 1.2), not as a string, and
    counts the values the tree will hold with aliases expanded, refusing it past the bounds.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._expanded = 0  # values composed so far, an alias counting its anchor's size
        self._depth = 0
        self._sizes: dict[int, int] = {}  # id(node) -> its expanded size, once composed

    def compose_node(self, parent: Any, index: Any) -> Any:
        line = self.peek_event().start_mark.line + 1
        if self.check_event(yaml.AliasEvent):
            node = super().compose_node(parent, index)
            size = self._sizes.get(id(node))
            if size is None:  # its anchor is still being composed: the value contains itself
                raise _Unbounded(line, "an alias inside its own anchor makes an endless value")
            self._count(size, line)
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Unbounded(line, f"the config nests deeper than {MAX_DEPTH} levels")
        start = self._expanded
        self._count(1, line)
        node = super().compose_node(parent, index)
        self._sizes[id(node)] = self._expanded - start
        self._depth -= 1
        return node

    def _count(self, size: int, line: int) -> None:
        self._expanded += size
        if self._expanded > MAX_NODES:
            raise _Unbounded(line, f"the config expands to more than {MAX_NODES} values "
                                   "(aliases such as *name repeat their anchor's value); "
                                   "write the values out or use fewer aliases")


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
    except _Unbounded as exc:
        raise ConfigError(source, [ConfigIssue(exc.line, "", exc.message)]) from None
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
