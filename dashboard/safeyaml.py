"""The one YAML loader for every file a person hands the app: settings, query headers, mappings, alerts.

PyYAML's safe loader still expands aliases: nine levels of `&a [*b, *b, ...]` in a 446-byte file
become billions of nodes (a "billion laughs" bomb), and a header nested 100,000 deep overflows the
stack. Here a document is measured before it is built: its size with every alias expanded, counted
on the shared nodes without expanding them, and its depth. Duplicate keys are refused too, since
silently keeping the last one hides a mistake.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_NODES = 100_000
MAX_DEPTH = 64


class YamlError(ValueError):
    """A YAML text refused before use: too large once aliases expand, too deep, or a duplicate key."""


class GuardedComposer:
    """Mixed into a loader ahead of yaml's own classes: every composed document is measured."""

    check_duplicates = True

    def compose_document(self) -> yaml.Node:  # type: ignore[override]
        try:
            node = super().compose_document()  # type: ignore[misc]
        except RecursionError as exc:
            raise YamlError(f"nested deeper than {MAX_DEPTH} levels") from exc
        measure(node, self.check_duplicates)
        return node


def measure(root: yaml.Node, duplicates: bool = True) -> None:
    """Expanded node count and depth, memoised per shared node, so a bomb is measured, not expanded."""
    known: dict[int, tuple[int, int]] = {}  # node -> (expanded size, height below it)
    active: set[int] = set()

    def visit(node: yaml.Node, depth: int) -> tuple[int, int]:
        key = id(node)
        if key in known:
            size, height = known[key]
        else:
            if key in active:
                raise YamlError(f"line {node.start_mark.line + 1}: an alias refers to itself")
            if depth > MAX_DEPTH:
                raise YamlError(f"line {node.start_mark.line + 1}: nested deeper than {MAX_DEPTH} levels")
            active.add(key)
            size, height = 1, 0
            for child in _children(node, duplicates):
                child_size, child_height = visit(child, depth + 1)
                size += child_size
                height = max(height, child_height + 1)
                if size > MAX_NODES:
                    raise YamlError(
                        f"line {node.start_mark.line + 1}: expands to more than {MAX_NODES:,} values "
                        "(aliases repeated inside aliases?)"
                    )
            active.discard(key)
            known[key] = (size, height)
        if depth + height > MAX_DEPTH:
            raise YamlError(f"line {node.start_mark.line + 1}: nested deeper than {MAX_DEPTH} levels")
        return size, height

    visit(root, 0)


def _children(node: yaml.Node, duplicates: bool) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if not isinstance(node, yaml.MappingNode):
        return []
    if not duplicates:
        return [part for pair in node.value for part in pair]
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value != "<<":
            line = key_node.start_mark.line + 1
            if key_node.value in seen:
                raise YamlError(
                    f"line {line}: duplicate key '{key_node.value}' (first on line {seen[key_node.value]})"
                )
            seen[key_node.value] = line
    return [part for pair in node.value for part in pair]


class SafeLoader(GuardedComposer, yaml.SafeLoader):
    """yaml.SafeLoader with the guards above."""


def load(text: str) -> Any:
    """Parse one YAML document safely; YamlError or yaml.YAMLError when it cannot be used."""
    try:
        return yaml.load(text, Loader=SafeLoader)
    except RecursionError as exc:
        raise YamlError(f"nested deeper than {MAX_DEPTH} levels") from exc
