# SPDX-License-Identifier: LGPL-3.0-or-later
"""One code registry: every diagnostic code the package uses is declared, once, with its
meaning (``ispyb_schema/codes.py``; lint rules by their ``@rule``)."""
from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

from ispyb_schema.codes import CODES, RETIRED
from ispyb_schema.fixtures import load as fixtures_load
from ispyb_schema.importer import dump_common
from ispyb_schema.lint.registry import RULES
from ispyb_schema.lint.run import run_rules  # noqa: F401  (registers the rules)

PACKAGE = Path(__file__).resolve().parents[1] / "tooling" / "ispyb_schema"
CODE = re.compile(r"(E|W|ISP)\d{3}")


def trees():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def used_codes() -> dict[str, list[str]]:
    """Every string literal that is a code -> where (file:line)."""
    found: dict[str, list[str]] = {}
    for path, tree in trees():
        if path == PACKAGE / "codes.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and CODE.fullmatch(node.value):
                found.setdefault(node.value, []).append(
                    f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return found


def declared_keys(name: str) -> list[str]:
    """The keys of the dict literal assigned to ``name`` in codes.py, as written."""
    tree = ast.parse((PACKAGE / "codes.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == name:
            return [k.value for k in node.value.keys]
    raise AssertionError(f"codes.py declares no {name}")


def test_the_finder_sees_codes_in_use():
    used = used_codes()
    assert "E101" in used and "ISP401" in used
    assert any(w.startswith("changeset/operations/") for w in used["E102"])


def test_every_code_in_use_is_declared():
    used = used_codes()
    plain = {c: w for c, w in used.items() if not c.startswith("ISP")}
    undeclared = {c: w for c, w in plain.items() if c not in CODES}
    assert not undeclared, f"declare these in ispyb_schema/codes.py: {undeclared}"
    retired = {c: w for c, w in plain.items() if c in RETIRED}
    assert not retired, f"retired codes are never reused: {retired}"
    rules = {c: w for c, w in used.items() if c.startswith("ISP") and c not in RULES}
    assert not rules, f"lint codes that no rule declares: {rules}"


def test_every_code_is_declared_once_with_a_meaning():
    keys = declared_keys("CODES") + declared_keys("RETIRED")
    assert [k for k, n in Counter(keys).items() if n > 1] == []
    assert all(CODE.fullmatch(k) for k in keys)
    assert all(text.strip() for text in (*CODES.values(), *RETIRED.values()))
    decorators = Counter()
    for _, tree in trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "rule":
                decorators.update(k.value.value for k in node.keywords if k.arg == "code")
    assert set(decorators) == set(RULES)
    assert [c for c, n in decorators.items() if n > 1] == []
    assert not set(RULES) & set(CODES)


def test_fixture_and_dump_codes_are_distinct():
    fixture = {fixtures_load.BAD_STRUCTURE, fixtures_load.UNKNOWN_TABLE,
               fixtures_load.UNKNOWN_COLUMN, fixtures_load.BAD_VALUE}
    dump = {dump_common.E_SYNTAX, dump_common.E_UNSUPPORTED, dump_common.E_INVALID}
    assert len(fixture) == 4 and len(dump) == 3 and not fixture & dump
    assert all(CODES[c].startswith("fixture") for c in fixture)
    assert all(CODES[c].startswith("dump") for c in dump)


def test_the_old_import_path_still_works():
    from ispyb_schema.changeset.codes import CODES as OLD

    assert OLD is CODES
