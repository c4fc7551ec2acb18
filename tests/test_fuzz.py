# SPDX-License-Identifier: LGPL-3.0-or-later
"""Fuzzing: mutated valid proposals never crash the tool.

Hypothesis takes a valid proposal and mutates it — deletes, duplicates or retypes keys, swaps
two names, truncates the file at a random point, injects a control character — then runs
``validate``, ``plan -o`` or ``lint --no-db`` on it in-process. Whatever the mutation, the
command exits 0 or 2 (lint also 1: its findings include an error), prints no traceback, and
``plan`` writes its file only when it exits 0.

CI runs a bounded number of examples (``ISPYB_SCHEMA_FUZZ_EXAMPLES``, default 50, under a
minute); set it higher for a longer hunt, e.g. ``ISPYB_SCHEMA_FUZZ_EXAMPLES=2000``.
"""
from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ispyb_schema.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "tests" / "data" / "proposals").glob("*.yaml")) + \
    [ROOT / "proposals" / "screening-cleanup.yaml", ROOT / "proposals" / "session-harmonisation.yaml"]
EXAMPLES = int(os.environ.get("ISPYB_SCHEMA_FUZZ_EXAMPLES", "50"))
CONTROL = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u2028", "\ufffe"]
OTHER_VALUES = [None, 0, -1, 3.5, True, "", "x" * 300, [], {}, ["a", 1], {"a": {"b": []}},
                "DROP TABLE Protein", "`; --", "'", "2019-13-45", "no", "~"]


def _paths(data, prefix=()):
    """Every (path, value) inside the parsed proposal."""
    yield prefix, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _paths(value, prefix + (i,))


def _at(data, path):
    for part in path:
        data = data[part]
    return data


def _mutate_data(data, draw):
    """Delete, duplicate or retype a key, or swap two names, somewhere in the proposal."""
    data = copy.deepcopy(data)
    containers = [(p, v) for p, v in _paths(data) if isinstance(v, (dict, list)) and v]
    if not containers:  # earlier mutations left nothing to mutate
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    path, node = draw(st.sampled_from(containers))
    key = draw(st.sampled_from(list(node) if isinstance(node, dict) else range(len(node))))
    action = draw(st.sampled_from(["delete", "duplicate", "retype", "swap"]))
    if action == "delete":
        del node[key]
    elif action == "duplicate" and isinstance(node, list):
        node.insert(key, copy.deepcopy(node[key]))
    elif action == "duplicate":
        node[f"{key}_copy" if isinstance(key, str) else key] = copy.deepcopy(node[key])
    elif action == "retype":
        node[key] = draw(st.sampled_from(OTHER_VALUES))
    elif texts := [(p, v) for p, v in _paths(data) if isinstance(v, str) and p and len(v) < 64]:
        (p1, v1), (p2, v2) = draw(st.sampled_from(texts)), draw(st.sampled_from(texts))
        _at(data, p1[:-1])[p1[-1]], _at(data, p2[:-1])[p2[-1]] = v2, v1
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@st.composite
def mutated(draw):
    seed = draw(st.sampled_from(SEEDS))
    text = seed.read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["data", "truncate", "control", "line"]))
        if kind == "data":
            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError:
                continue
            if isinstance(data, dict) and data:
                text = _mutate_data(data, draw)
        elif kind == "truncate" and text:
            text = text[:draw(st.integers(0, len(text) - 1))]
        elif kind == "control":
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(st.sampled_from(CONTROL)) + text[at:]
        elif text:
            lines = text.splitlines(keepends=True)
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i])  # a duplicated line: a duplicated key, or a step twice
            text = "".join(lines)
    return seed.stem, text


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project of its own, so that lint sees only the fuzzed proposal."""
    root = tmp_path_factory.mktemp("fuzz")
    (root / "proposals").mkdir()
    (root / "pyproject.toml").write_text(
        f"[tool.ispyb-schema]\nbaseline = {str(ROOT / 'schema')!r}\nproposals = 'proposals'\n",
        encoding="utf-8")
    return root


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, derandomize="CI" in os.environ,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(case=mutated(), command=st.sampled_from(["validate", "plan", "lint"]))
def test_a_mutated_proposal_never_crashes_the_tool(project, monkeypatch, case, command):
    name, text = case
    monkeypatch.chdir(project)
    for old in (project / "proposals").iterdir():
        old.unlink()
    path = project / "proposals" / f"{name}.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    target = project / "out.sql"
    target.unlink(missing_ok=True)
    args = {"validate": ["validate", str(path)],
            "plan": ["plan", str(path), "-o", str(target)],
            "lint": ["lint", "--no-db", str(path)]}[command]
    result = CliRunner().invoke(cli, args)
    allowed = {0, 1, 2} if command == "lint" else {0, 2}
    assert result.exit_code in allowed, (result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert "Traceback" not in result.output
    if command == "plan":
        assert target.exists() == (result.exit_code == 0), result.output
    if result.exit_code == 2:
        assert result.stdout == "" or command == "lint"
