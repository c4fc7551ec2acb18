# SPDX-License-Identifier: LGPL-3.0-or-later
"""The proposal format: the shipped JSON Schema, the loader, the README example, the CLI's
default set of proposals and its error report."""
from __future__ import annotations

import json
import re
import shutil
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from ispyb_schema.changeset.load import load_proposal
from ispyb_schema.changeset.operations import REGISTRY
from ispyb_schema.changeset.validate import validate
from ispyb_schema.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "tests" / "data" / "proposals"
SCHEMA_TEXT = resources.files("ispyb_schema.changeset").joinpath("proposal.schema.json") \
    .read_text(encoding="utf-8")
SCHEMA = json.loads(SCHEMA_TEXT)


def test_schema_is_shipped_and_valid_2020_12():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert next(iter(SCHEMA)) == "$comment"
    assert "SPDX-License-Identifier: LGPL-3.0-or-later" in SCHEMA["$comment"]


def _properties(node, path=""):
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            yield f"{path}.{name}", sub
        for key, sub in node.items():
            yield from _properties(sub, f"{path}/{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _properties(sub, f"{path}[{i}]")


def test_every_property_has_a_description():
    defs = SCHEMA["$defs"]
    missing = []
    for path, sub in _properties(SCHEMA):
        target = defs.get(sub.get("$ref", "").rsplit("/", 1)[-1], {})
        if "description" not in sub and "description" not in target:
            missing.append(path)
    assert not missing


def test_every_operation_has_a_step_schema():
    steps = set(SCHEMA["$defs"]["step"]["properties"])
    assert steps == set(REGISTRY)


def test_identifiers_refuse_quotes_and_semicolons():
    identifier = re.compile(SCHEMA["$defs"]["identifier"]["pattern"])
    assert identifier.match("DataCollection_2")
    for bad in ("a`b", "a'b", 'a"b', "a;b", "a b", "a.b", "1a", "a-b", ""):
        assert not identifier.match(bad)


def test_loader_gives_plain_metadata_and_positions():
    proposal = load_proposal(EXAMPLES / "dc-legacy-names.yaml")
    assert (proposal.id, proposal.status, proposal.created) == ("dc-legacy-names",
                                                                 "under review", "2019-07-09")
    assert proposal.date == "2019-09-12"
    assert [m.date for m in proposal.meetings] == ["2019-07-09", "2019-09-12"]
    first = proposal.steps[0]
    assert (first.key, first.table, first.old, first.new) == ("rename_column", "DataCollection",
                                                              "BLSAMPLEID", "blSampleId")
    assert (first.where().line, first.where("to").line) == (19, 19)


def test_readme_example_validates(tmp_path):
    text = (ROOT / "proposals" / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(# SPDX.*?)```", text, re.S).group(1)
    path = tmp_path / "dc-snapshots.yaml"
    path.write_text(example, encoding="utf-8")
    from ispyb_schema.baseline import load_schema

    result = validate([path], load_schema(ROOT / "schema"))
    assert not result.diagnostics, result.sorted_diagnostics()


def test_examples_carry_the_modeline():
    for path in EXAMPLES.glob("*.yaml"):
        head = path.read_text(encoding="utf-8").splitlines()[:2]
        assert head[1] == ("# yaml-language-server: $schema=../../../tooling/ispyb_schema/"
                           "changeset/proposal.schema.json"), path.name
        assert (path.parent / head[1].split("=", 1)[1]).resolve().is_file()


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.ispyb-schema]\nbaseline = "{ROOT / "schema"}"\nproposals = "proposals"\n',
        encoding="utf-8")
    (tmp_path / "proposals").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path / "proposals"


def test_validate_without_arguments_takes_the_project_proposals(project):
    for name in ("views", "views-drop", "dc-legacy-names"):
        shutil.copy(EXAMPLES / f"{name}.yaml", project)
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and "3 proposals valid" in result.stderr


def test_validate_reports_every_error_of_every_file(project):
    bad = ROOT / "tests" / "data" / "bad_proposals"
    for name in ("unknown-table", "unknown-column", "cycle-a", "cycle-b"):
        shutil.copy(bad / f"{name}.yaml", project)
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 2 and result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if ": error[" in line]
    assert [e.split(":")[0] for e in errors] == ["proposals/cycle-a.yaml", "proposals/cycle-b.yaml",
                                                "proposals/unknown-column.yaml",
                                                "proposals/unknown-table.yaml"]
    assert result.stderr.endswith("4 errors; nothing was written.\n")


def test_no_proposals_is_not_an_error(project):
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 0 and "no proposals" in result.stderr
