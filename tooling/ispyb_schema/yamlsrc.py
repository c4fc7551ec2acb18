# SPDX-License-Identifier: LGPL-3.0-or-later
"""YAML loading that remembers where every value came from, and refuses what it cannot bound.

``load_yaml`` composes the node tree once (libyaml's events, composed here) and returns plain
Python data plus a :class:`Locator` that maps a path of keys/indexes (the same path a
jsonschema error gives as ``absolute_path``) to the ``SourceLoc`` of that node, so every later
error can point at the exact line and column of the offending YAML.

Before anything is built, the input is bounded (see ``limits.py``): the file's size, its
encoding (UTF-8) and characters, the nesting depth and the number of values with aliases
expanded — counted as the nodes are composed, so an alias bomb stops after the budget, not
after memory is gone. Tags and merge keys, which the formats do not use, are refused.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Sequence

import yaml

from .errors import EnvironmentProblem, InputError, SourceLoc
from .limits import Limits, current_limits

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


# -- reading the bytes -------------------------------------------------------------------------
# Characters YAML 1.1 allows in a stream (tab, line breaks and printable characters).
_NOT_ALLOWED = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd"
                          "\U00010000-\U0010ffff]")
_CONTROL_NAMES = {0: "NUL", 7: "BEL", 8: "backspace", 0x0B: "vertical tab", 0x0C: "form feed",
                  0x1B: "ESC", 0x7F: "DEL"}
_YAML_TAG = "tag:yaml.org,2002:"
_STANDARD_TAGS = frozenset(_YAML_TAG + t for t in
                           "str int float bool null binary timestamp seq map value".split())
_STR_TAG, _MERGE_TAG = _YAML_TAG + "str", _YAML_TAG + "merge"


def _fail(file: str, line: int, column: int, message: str, code: str = "E001"):
    raise InputError.single(SourceLoc(file, line, column), message, code)


def read_source(path: str | Path, limits: Limits | None = None) -> str:
    """The text of a UTF-8 file, refused (located) if it is too large or not UTF-8."""
    path, limits = Path(path), limits or current_limits()
    try:
        size = path.stat().st_size
        if size > limits.yaml_bytes:
            _too_large(str(path), size, limits)
        data = path.read_bytes()
    except OSError as err:
        raise InputError.single(SourceLoc(str(path)),
                                f"cannot read file: {err.strerror or err}", "E001") from None
    return decode_source(data, str(path), limits)


def _too_large(file: str, size: int, limits: Limits):
    _fail(file, 0, 0, f"the file is {size:,} bytes; the limit is {limits.yaml_bytes:,} "
                      f"({Limits.how_to_raise('yaml_bytes')})", "E002")


def decode_source(data: bytes, file: str, limits: Limits | None = None) -> str:
    limits = limits or current_limits()
    if len(data) > limits.yaml_bytes:
        _too_large(file, len(data), limits)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        _fail(file, 1, 1, "the file is UTF-16 (it starts with a UTF-16 byte-order mark); "
                          "expected UTF-8: save it as UTF-8", "E003")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        before = data[:err.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        _fail(file, line, column, f"byte 0x{data[err.start]:02x} is not valid UTF-8 "
                                  f"({err.reason}); expected UTF-8 text: save the file as "
                                  "UTF-8", "E003")


def check_characters(text: str, file: str) -> None:
    """Refuse control characters (NUL …) at their line and column."""
    found = _NOT_ALLOWED.search(text)
    if found is None:
        return
    before = text[:found.start()]
    line = before.count("\n") + 1
    column = found.start() - (before.rfind("\n") + 1) + 1
    code = ord(found.group())
    name = _CONTROL_NAMES.get(code, "a control character" if code < 0xA0 else "not allowed")
    hint = ""
    if code == 0 and re.fullmatch(r"(?s)(.\x00)+.?|(\x00.)+.?", text[:64]):
        hint = "; the file looks like UTF-16: save it as UTF-8"
    _fail(file, line, column, f"character U+{code:04X} ({name}) is not allowed in YAML{hint}",
          "E003")


# -- composing the node tree, bounded -----------------------------------------------------------
def _mark(event) -> tuple[int, int]:
    return event.start_mark.line + 1, event.start_mark.column + 1


class _Composer:
    """Nodes from libyaml's events, with an explicit stack (no recursion) and the budgets.

    libyaml's marks equal the pure-Python parser's, except for some syntax errors: those are
    worded and placed by the pure-Python parser, run again on the file (see _syntax_error).
    The few texts libyaml refuses and the pure-Python parser reads are composed from the
    pure-Python parser's events, with the same budgets."""

    def __init__(self, text: str, file: str, limits: Limits, pure_python: bool = False) -> None:
        self.text, self.file, self.limits = text, file, limits
        if not hasattr(yaml, "CSafeLoader"):
            raise EnvironmentProblem("PyYAML was installed without libyaml (no yaml.CSafeLoader);"
                                     " reinstall PyYAML from a wheel that includes it")
        self.pure_python = pure_python
        self.loader = yaml.SafeLoader(text) if pure_python else yaml.CSafeLoader(text)
        self.anchors: dict[str, tuple[yaml.Node, int]] = {}  # anchor -> (node, expanded size)
        self.opened: dict[str, yaml.Mark] = {}  # every anchor seen so far -> where it starts
        self.count = 0

    def compose(self) -> yaml.Node | None:
        try:
            return self._compose()
        except yaml.MarkedYAMLError as err:
            problem = _located(err, self.file) if self.pure_python else self._syntax_error(err)
        finally:
            self.loader.dispose()
        if problem is None:  # libyaml refuses what PyYAML reads (``[a, b:]``): read it as before
            return _Composer(self.text, self.file, self.limits, pure_python=True).compose()
        raise problem

    def _compose(self) -> yaml.Node | None:
        root: yaml.Node | None = None
        stack: list[list] = []  # [node, start size, anchor, pending mapping key]
        documents = 0
        get_event, resolve, budget = self.loader.get_event, self.loader.resolve, \
            self.limits.yaml_nodes
        scalar_event, scalar_node, mapping_node = yaml.ScalarEvent, yaml.ScalarNode, \
            yaml.MappingNode
        while True:
            event = get_event()
            if type(event) is scalar_event and event.tag is None and event.anchor is None and \
                    stack and self.count < budget:  # the common case, kept short
                self.count += 1
                tag = resolve(scalar_node, event.value, event.implicit) if event.implicit[0] \
                    else _STR_TAG
                parent = stack[-1]
                if type(parent[0]) is mapping_node:
                    if parent[3] is None:
                        if tag == _MERGE_TAG:
                            _fail(self.file, *_mark(event), "merge keys ('<<') are not allowed "
                                                            "here; write the keys out", "E004")
                        parent[3] = scalar_node(tag, event.value, event.start_mark,
                                                event.end_mark, style=event.style)
                    else:
                        parent[0].value.append((parent[3], scalar_node(
                            tag, event.value, event.start_mark, event.end_mark,
                            style=event.style)))
                        parent[3] = None
                else:
                    parent[0].value.append(scalar_node(tag, event.value, event.start_mark,
                                                       event.end_mark, style=event.style))
                continue
            if isinstance(event, yaml.StreamEndEvent):
                return root
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    _fail(self.file, *_mark(event), "invalid YAML: but found another document")
                continue
            if isinstance(event, (yaml.StreamStartEvent, yaml.DocumentEndEvent)):
                continue
            if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                node, start, anchor, _ = stack.pop()
                if anchor is not None:
                    self.anchors[anchor] = (node, self.count - start)
                node.end_mark = event.end_mark
                self._attach(node, stack, event)
                root = node if not stack else root
                continue
            node = self._node(event, stack)
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                if len(stack) >= self.limits.yaml_depth:
                    _fail(self.file, *_mark(event), f"nested deeper than "
                          f"{self.limits.yaml_depth} levels ({Limits.how_to_raise('yaml_depth')})",
                          "E002")
                stack.append([node, self.count - 1, event.anchor, None])
                continue
            self._attach(node, stack, event)
            root = node if not stack else root

    def _count(self, size: int, event, alias: bool) -> None:
        self.count += size
        if self.count > self.limits.yaml_nodes:
            what = "this alias expands the file to" if alias else "the file has"
            _fail(self.file, *_mark(event), f"{what} more than {self.limits.yaml_nodes:,} "
                  f"values ({Limits.how_to_raise('yaml_nodes')})", "E002")

    def _node(self, event, stack: list[list]) -> yaml.Node:
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self.opened and event.anchor not in self.anchors:
                _fail(self.file, *_mark(event), f"invalid YAML: the alias *{event.anchor} is "
                                                "inside the value it names (a recursive "
                                                "structure)")
            if event.anchor not in self.anchors:
                _fail(self.file, *_mark(event), f"invalid YAML: found undefined alias "
                                                f"{event.anchor!r}")
            node, size = self.anchors[event.anchor]
            self._count(size, event, alias=True)
            return node
        self._count(1, event, alias=False)
        if event.anchor is not None:
            if event.anchor in self.opened:  # where PyYAML's composer refuses it
                first = self.opened[event.anchor]
                _fail(self.file, *_mark(event), f"invalid YAML: found duplicate anchor "
                                                f"{event.anchor!r} (first occurrence at line "
                                                f"{first.line + 1}, column {first.column + 1})")
            self.opened[event.anchor] = event.start_mark
        if event.tag not in (None, "!") and event.tag not in _STANDARD_TAGS:
            short = event.tag.replace(_YAML_TAG, "!!")
            _fail(self.file, *_mark(event), f"the tag {short!r} is not allowed here; only "
                                            "YAML's standard value tags are (!!str, !!int, "
                                            "!!float, !!bool, !!null, !!binary, !!timestamp)",
                  "E004")
        if isinstance(event, yaml.ScalarEvent):
            tag = event.tag if event.tag not in (None, "!") else \
                self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            if tag == _MERGE_TAG and stack and \
                    isinstance(stack[-1][0], yaml.MappingNode) and stack[-1][3] is None:
                _fail(self.file, *_mark(event), "merge keys ('<<') are not allowed here; "
                                                "write the keys out", "E004")
            node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark,
                                   style=event.style)
            if event.anchor is not None:
                self.anchors[event.anchor] = (node, 1)
            return node
        kind = yaml.SequenceNode if isinstance(event, yaml.SequenceStartEvent) \
            else yaml.MappingNode
        tag = event.tag if event.tag not in (None, "!") else \
            self.loader.resolve(kind, None, event.implicit)
        return kind(tag, [], event.start_mark, None, flow_style=event.flow_style)

    @staticmethod
    def _attach(node: yaml.Node, stack: list[list], event) -> None:
        if not stack:
            return
        parent = stack[-1]
        if isinstance(parent[0], yaml.SequenceNode):
            parent[0].value.append(node)
        elif parent[3] is None:
            parent[3] = node
        else:
            parent[0].value.append((parent[3], node))
            parent[3] = None

    def _syntax_error(self, err: yaml.MarkedYAMLError) -> InputError | None:
        """libyaml's error, worded and placed as the pure-Python parser words it; None when
        the pure-Python parser reads the text without error."""
        if "nesting depth" in str(err.problem):  # libyaml's own bound (1000), beyond ours
            mark = err.problem_mark
            depth = min(self.limits.yaml_depth, 1000)
            line, column = _flow_opening(self.text, depth) or (mark.line + 1, mark.column + 1)
            _fail(self.file, line, column, f"nested deeper than {depth} levels "
                  f"({Limits.how_to_raise('yaml_depth')}; libyaml stops at 1000)", "E002")
        # The pure-Python parser, run again on this file, words and places the error as the
        # tool always has (libyaml's marks differ by a line for some errors): only a file
        # with a syntax error pays for it, less than composing it in Python cost before.
        try:
            for _ in yaml.parse(self.text, Loader=yaml.SafeLoader):
                pass
            return None
        except yaml.MarkedYAMLError as python_err:
            return _located(python_err, self.file)


def _located(err: yaml.MarkedYAMLError, file: str) -> InputError:
    mark = err.problem_mark or err.context_mark
    loc = SourceLoc(file, mark.line + 1, mark.column + 1) if mark else SourceLoc(file)
    return InputError.single(loc, f"invalid YAML: {err.problem or err}", "E001")


def _flow_opening(text: str, depth: int) -> tuple[int, int] | None:
    """Line and column of the '[' or '{' that opens flow level ``depth + 1`` (quoted text and
    comments skipped): where a flow collection nested too deep starts."""
    level, line, start, quote, i = 0, 1, 0, "", 0
    while i < len(text):
        ch = text[i]
        if ch == "\n":
            line, start = line + 1, i + 1
        elif quote:
            if ch == quote and not (quote == '"' and text[i - 1] == "\\"):
                quote = ""
        elif ch in "'\"" and (i == 0 or text[i - 1] in " \t[{,:\n"):
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t\n"):
            i = text.find("\n", i) - 1 if "\n" in text[i:] else len(text)
        elif ch in "[{":
            level += 1
            if level > depth:
                return line, i - start + 1
        elif ch in "]}":
            level = max(level - 1, 0)
        i += 1
    return None


def compose(text: str, file: str, limits: Limits | None = None) -> yaml.Node | None:
    """The node tree of a YAML text, bounded; errors are InputErrors at line:column."""
    limits = limits or current_limits()
    if len(text.encode("utf-8", "surrogatepass")) > limits.yaml_bytes:
        _too_large(file, len(text.encode("utf-8", "surrogatepass")), limits)
    check_characters(text, file)
    return _Composer(text, file, limits).compose()


# -- plain data from the nodes -------------------------------------------------------------------
class _Constructor(yaml.constructor.SafeConstructor):
    pass


def _build(root: yaml.Node, locator: Locator, constructor: _Constructor) -> Any:
    """Plain data from the node tree, recording every location; iterative, so any depth the
    composer let through is fine."""
    locator.record((), root)
    holder: dict[Any, Any] = {}
    todo: list[tuple[yaml.Node, Path_, Any, Any]] = [(root, (), holder, "root")]
    while todo:
        node, path, into, slot = todo.pop()
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            children = []
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise InputError.single(
                        SourceLoc(locator.file, key_node.start_mark.line + 1,
                                  key_node.start_mark.column + 1),
                        "mapping keys must be plain scalars, not a list or mapping", "E001")
                key = _construct(constructor, key_node, locator.file)
                if key in result:
                    raise InputError.single(
                        SourceLoc(locator.file, key_node.start_mark.line + 1,
                                  key_node.start_mark.column + 1),
                        f"duplicate key {key!r}", "E001")
                locator.record(path + (key,), value_node, key_node)
                result[key] = None
                children.append((value_node, path + (key,), result, key))
            into[slot] = result
            todo += reversed(children)
        elif isinstance(node, yaml.SequenceNode):
            items: list[Any] = [None] * len(node.value)
            for i, item in enumerate(node.value):
                locator.record(path + (i,), item)
            into[slot] = items
            todo += reversed([(item, path + (i,), items, i) for i, item in enumerate(node.value)])
        else:
            into[slot] = _construct(constructor, node, locator.file)
    return holder["root"]


def _construct(constructor: _Constructor, node: yaml.Node, file: str) -> Any:
    """A scalar's value; one YAML resolves but Python cannot hold (an impossible date such as
    2019-13-45, an explicit !!int that is not a number) is an error at the scalar."""
    try:
        return constructor.construct_object(node)
    except (ValueError, OverflowError) as err:
        what = "date" if node.tag == _YAML_TAG + "timestamp" else "value"
        raise InputError.single(SourceLoc(file, node.start_mark.line + 1,
                                          node.start_mark.column + 1),
                                f"invalid {what}: {err}", "E001") from None


def parse_yaml(text: str, file: str) -> tuple[Any, Locator]:
    """Parse YAML text; every problem becomes an InputError at the right line and column."""
    locator = Locator(file)
    node = compose(text, file)
    if node is None:
        return None, locator
    try:
        data = _build(node, locator, _Constructor())
    except yaml.constructor.ConstructorError as err:
        mark = err.problem_mark
        loc = SourceLoc(file, mark.line + 1, mark.column + 1) if mark else SourceLoc(file)
        raise InputError.single(loc, f"invalid YAML value: {err.problem}", "E001") from None
    return data, locator


def load_yaml(path: str | Path) -> tuple[Any, Locator]:
    return parse_yaml(read_source(path), str(Path(path)))
