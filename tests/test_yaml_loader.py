# SPDX-License-Identifier: LGPL-3.0-or-later
"""The libyaml-based loader gives what the pure-Python loader gave: the same data, the same
location for every value, and every error at the same line and column.

The reference below is the loader the tool used before (PyYAML's pure-Python composer, then
the values with their marks). The bounded loader differs from it only where it means to:
limits, characters and YAML features it refuses (E002–E004), a complex mapping key located at
the key instead of at its mapping, and two readings libyaml allows where the pure-Python
scanner refused them: a tab as separating white space (``key:<TAB>value``), and a '?' inside
a plain scalar in flow style (``{type: varchar(16)?}``).
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from ispyb_schema.errors import EnvironmentProblem, InputError
from ispyb_schema.yamlsrc import Locator, parse_yaml

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted([*(ROOT / "proposals").glob("*.yaml"), *(ROOT / "tests" / "data" / "proposals")
                .glob("*.yaml")], key=lambda p: p.stat().st_size)
MUTATIONS = 300


def reference(text: str):
    """What the pure-Python loader made of ``text``: ("ok", data, marks, key marks) or
    ("error", line, column, message)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        return "error", mark.line + 1, mark.column + 1, f"invalid YAML: {err.problem or err}"
    locator, constructor = Locator("f.yaml"), yaml.constructor.SafeConstructor()
    if root is None:
        return "ok", None, {}, {}

    def build(node, path):
        locator.record(path, node) if path not in locator._marks else None
        if isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise _Complex()
                key = constructor.construct_object(key_node)
                if key in out:
                    raise _Duplicate(key_node.start_mark.line + 1,
                                     key_node.start_mark.column + 1, key)
                locator.record(path + (key,), value_node, key_node)
                out[key] = build(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            items = []
            for i, item in enumerate(node.value):
                locator.record(path + (i,), item)
                items.append(build(item, path + (i,)))
            return items
        return constructor.construct_object(node)
    try:
        data = build(root, ())
    except _Duplicate as dup:
        return "error", dup.line, dup.column, f"duplicate key {dup.key!r}"
    except yaml.constructor.ConstructorError as err:
        mark = err.problem_mark
        return "error", mark.line + 1, mark.column + 1, f"invalid YAML value: {err.problem}"
    return "ok", data, locator._marks, locator._key_marks


class _Complex(Exception):
    pass


class _Duplicate(Exception):
    def __init__(self, line, column, key):
        super().__init__()
        self.line, self.column, self.key = line, column, key


def ours(text: str):
    try:
        data, locator = parse_yaml(text, "f.yaml")
    except InputError as err:
        (d,) = err.diagnostics
        return "error", d.loc.line, d.loc.column, d.message, d.code
    return "ok", data, locator._marks, locator._key_marks


def mutate(text: str, rng: random.Random) -> str:
    lines = text.splitlines(True)
    i, j = rng.randrange(len(text) + 1), rng.randrange(len(lines))
    kind = rng.randrange(7)
    if kind == 0:
        return text[:i]
    if kind == 1:
        return text[:i] + rng.choice(":-[]{}\"'#&*!|>%@`, \t\n?") + text[i:]
    if kind == 2:
        return text[:i] + text[i + rng.randrange(1, 20):]
    if kind == 3:
        lines[j] = " " * rng.choice([1, 2, 3]) + lines[j]
    elif kind == 4:
        lines[j] = lines[j].lstrip(" ")
    elif kind == 5:
        lines.insert(j, lines[rng.randrange(len(lines))])
    else:
        lines[j], lines[-1 - j] = lines[-1 - j], lines[j]
    return "".join(lines)


def same(text: str) -> None:
    want, got = reference(text), ours(text)
    if got[0] == "error" and got[4] in ("E002", "E003", "E004"):
        return  # refused before it is parsed: a limit, a character, a tag or a merge key
    if want[0] == "error" and got[0] == "ok" and \
            text.splitlines()[want[1] - 1][want[2] - 1:want[2]] in ("\t", "?"):
        return  # a tab as separating white space, a '?' inside a plain scalar in flow style
    if want[0] == "ok" and got[0] == "error" and "plain scalars" in got[3]:
        return  # complex key: now located at the key
    assert got[:4] == want[:4], text


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_every_project_file_loads_to_the_same_data_and_locations(path):
    text = path.read_text(encoding="utf-8")
    assert reference(text)[0] == "ok"
    same(text)


def test_mutated_proposals_fail_at_the_same_line_and_column():
    rng = random.Random(20261204)
    small = [p.read_text(encoding="utf-8") for p in SEEDS if p.stat().st_size < 8000]
    errors = 0
    for _ in range(MUTATIONS):
        text = mutate(rng.choice(small), rng)
        same(text)
        errors += reference(text)[0] == "error"
    assert errors > MUTATIONS // 4  # the mutations do reach the error paths


@pytest.mark.parametrize("text, where", [
    ("a: &x 1\nb: &x 2\n", (2, 4)),
    ("a: &x [1, &x 2]\n", (1, 11)),
])
def test_a_duplicate_anchor_is_refused_where_pyyaml_refused_it(text, where):
    assert reference(text)[1:3] == where
    got = ours(text)
    assert got[0] == "error" and got[1:3] == where and "duplicate anchor 'x'" in got[3]


def test_a_recursive_alias_is_refused_at_the_alias():
    got = ours("a: &x [1, *x]\n")
    assert got[:3] == ("error", 1, 11) and "inside the value it names" in got[3]


@pytest.mark.parametrize("text, data", [
    ("a:\tb\n", {"a": "b"}),
    ("a: {type: varchar(16)?}\n", {"a": {"type": "varchar(16)?"}}),
])
def test_what_libyaml_reads_and_the_pure_python_scanner_refused(text, data):
    assert reference(text)[0] == "error"
    assert ours(text)[:2] == ("ok", data)


def test_what_libyaml_refuses_and_the_pure_python_parser_reads_is_read_as_before():
    text = "columns: [a, b:, c]\n"  # a one-pair mapping inside a flow sequence
    with pytest.raises(yaml.MarkedYAMLError):
        yaml.compose(text, Loader=yaml.CSafeLoader)
    assert ours(text) == reference(text)
    assert ours(text)[1] == {"columns": ["a", {"b": None}, "c"]}


def test_without_libyaml_the_loader_refuses_to_run(monkeypatch):
    monkeypatch.delattr(yaml, "CSafeLoader")
    with pytest.raises(EnvironmentProblem, match="without libyaml"):
        parse_yaml("a: 1\n", "f.yaml")


@pytest.mark.parametrize("text, where, message", [
    ("created: 2019-13-45\n", (1, 10), "invalid date: month must be in 1..12"),
    ("2019-02-30: x\n", (1, 1), "invalid date: day is out of range for month"),
    ("n: !!int abc\n", (1, 4), "invalid value: invalid literal for int()"),
])
def test_a_value_python_cannot_hold_is_an_error_at_the_value(text, where, message):
    got = ours(text)
    assert got[0] == "error" and got[1:3] == where and got[3].startswith(message)
