# SPDX-License-Identifier: LGPL-3.0-or-later
"""YAML loading that remembers where every value came from.

``load_yaml`` composes the node tree once and returns plain Python data plus a
:class:`Locator` that maps a path of keys/indexes (the same path a jsonschema error gives as
``absolute_path``) to the ``SourceLoc`` of that node, so every later error can point at the
exact line and column of the offending YAML.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import yaml

from .errors import InputError, SourceLoc

Path_ = tuple[Any, ...]


class Locator:
    def __init__(self, file: str) -> None:
        self.file = file
        self._marks: dict[Path_, tuple[int, int]] = {}
        self._key_marks: dict[Path_, tuple[int, int]] = {}

    def record(self, path: Path_, node: yaml.Node, key_node: yaml.Node | None = None) -> None:
        self._marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if key_node is not None:
            self._key_marks[path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)

    def loc(self, path: Sequence[Any] = (), *, key: bool = False) -> SourceLoc:
        """Location of the node at ``path``, or of its nearest recorded ancestor."""
        path = tuple(path)
        while True:
            marks = self._key_marks if key and path in self._key_marks else self._marks
            if path in marks:
                line, col = marks[path]
                return SourceLoc(self.file, line, col)
            if not path:
                return SourceLoc(self.file, 1, 1)
            path = path[:-1]

    def child(self, prefix: Sequence[Any]) -> "SubLocator":
        return SubLocator(self, tuple(prefix))


class SubLocator:
    """A view of a Locator below a fixed path prefix."""

    def __init__(self, parent: Locator, prefix: Path_) -> None:
        self.parent, self.prefix, self.file = parent, prefix, parent.file

    def loc(self, path: Sequence[Any] = (), *, key: bool = False) -> SourceLoc:
        return self.parent.loc(self.prefix + tuple(path), key=key)

    def child(self, prefix: Sequence[Any]) -> "SubLocator":
        return SubLocator(self.parent, self.prefix + tuple(prefix))


class _Constructor(yaml.constructor.SafeConstructor):
    pass


def _build(node: yaml.Node, path: Path_, locator: Locator, constructor: _Constructor) -> Any:
    locator.record(path, node) if path not in locator._marks else None
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError.single(
                    locator.loc(path), "mapping keys must be plain scalars", "E001"
                )
            key = constructor.construct_object(key_node)
            if key in result:
                raise InputError.single(
                    SourceLoc(locator.file, key_node.start_mark.line + 1,
                              key_node.start_mark.column + 1),
                    f"duplicate key {key!r}", "E001",
                )
            locator.record(path + (key,), value_node, key_node)
            result[key] = _build(value_node, path + (key,), locator, constructor)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            locator.record(path + (i,), item)
            items.append(_build(item, path + (i,), locator, constructor))
        return items
    return constructor.construct_object(node)


def parse_yaml(text: str, file: str) -> tuple[Any, Locator]:
    """Parse YAML text; syntax errors become an InputError at the right line and column."""
    locator = Locator(file)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        loc = SourceLoc(file, mark.line + 1, mark.column + 1) if mark else SourceLoc(file)
        raise InputError.single(loc, f"invalid YAML: {err.problem or err}", "E001") from None
    if node is None:
        return None, locator
    try:
        data = _build(node, (), locator, _Constructor())
    except yaml.constructor.ConstructorError as err:
        mark = err.problem_mark
        loc = SourceLoc(file, mark.line + 1, mark.column + 1) if mark else SourceLoc(file)
        raise InputError.single(loc, f"invalid YAML value: {err.problem}", "E001") from None
    return data, locator


def load_yaml(path: str | Path) -> tuple[Any, Locator]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError.single(SourceLoc(str(path)), f"cannot read file: {err}", "E001") from None
    return parse_yaml(text, str(path))
