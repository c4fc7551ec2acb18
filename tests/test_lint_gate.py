# SPDX-License-Identifier: LGPL-3.0-or-later
"""The CI gate (``ispyb-schema check``) and the ``lint`` command: exit codes 0/1/2, SARIF on
the right YAML line, JUnit XML, markdown, JSON, ``--changed-since``; the GitHub workflow and
the pre-commit hooks name commands that exist."""
from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import click
import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from ispyb_schema.cli.main import cli
from ispyb_schema.lint import RULES

ROOT = Path(__file__).resolve().parents[1]
RULE_FILES = ROOT / "tests" / "data" / "lint" / "rules"
DATA_FILES = ROOT / "tests" / "data" / "lint" / "data"

# The parts of SARIF 2.1.0 (OASIS) that code scanning reads, as a JSON Schema.
SARIF = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["tool", "results"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {
                    "driver": {"type": "object", "required": ["name", "rules"], "properties": {
                        "rules": {"type": "array", "items": {
                            "type": "object", "required": ["id", "shortDescription"],
                            "properties": {"defaultConfiguration": {"properties": {
                                "level": {"enum": ["none", "note", "warning", "error"]}}}}}}}}}},
                "results": {"type": "array", "items": {
                    "type": "object", "required": ["ruleId", "level", "message"],
                    "properties": {
                        "level": {"enum": ["none", "note", "warning", "error"]},
                        "message": {"type": "object", "required": ["text"]},
                        "ruleIndex": {"type": "integer", "minimum": 0},
                        "locations": {"type": "array", "items": {
                            "type": "object", "required": ["physicalLocation"], "properties": {
                                "physicalLocation": {
                                    "type": "object", "required": ["artifactLocation", "region"],
                                    "properties": {
                                        "artifactLocation": {"type": "object",
                                                             "required": ["uri"]},
                                        "region": {"type": "object", "required": ["startLine"],
                                                   "properties": {
                                                       "startLine": {"type": "integer",
                                                                     "minimum": 1},
                                                       "startColumn": {"type": "integer",
                                                                       "minimum": 1}}}}}}}},
                        "suppressions": {"type": "array", "items": {
                            "type": "object", "required": ["kind"],
                            "properties": {"kind": {"enum": ["inSource", "external"]}}}}}}}}}},
    },
}


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.fixture(autouse=True)
def in_repository(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("ISPYB_SCHEMA_DB_URL", raising=False)


@pytest.fixture
def bad_proposal(tmp_path) -> tuple[Path, int]:
    """A proposal whose new table has no primary key (ISP401), and the line of its name."""
    path = tmp_path / "bad-no-key.yaml"
    text = (RULE_FILES / "ISP401-no-primary-key.yaml").read_text().replace(
        "ISP401-no-primary-key", "bad-no-key")
    path.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), start=1) if "table: LintNoKey" in t)
    return path, line


def test_check_on_the_repository_passes(tmp_path):
    result = run("check", "--no-db", "--json", str(tmp_path / "gate.json"))
    assert result.exit_code == 0, result.output
    assert "gate passed" in result.output
    gate = json.loads((tmp_path / "gate.json").read_text())
    checks = {(r["proposal"], r["check"]): r["status"] for r in gate["results"]}
    proposals = sorted(p.stem for p in (ROOT / "proposals").glob("*.yaml"))
    assert sorted({p for p, _ in checks}) == proposals
    assert all(checks[p, "verify"] == "skipped" for p in proposals)


def test_check_fails_on_a_bad_proposal_and_sarif_points_at_its_line(tmp_path, bad_proposal):
    path, line = bad_proposal
    out = {kind: tmp_path / f"gate.{kind}" for kind in ("sarif", "junit", "markdown", "json")}
    result = run("check", str(path), "--no-db", *[f"--{k}={v}" for k, v in out.items()])
    assert result.exit_code == 1, result.output
    assert "gate FAILED" in result.output and f"{path}:{line}:7: error[ISP401]" in result.output

    sarif = json.loads(out["sarif"].read_text())
    jsonschema.validate(sarif, SARIF)
    run_ = sarif["runs"][0]
    [error] = [r for r in run_["results"] if r["level"] == "error"]
    assert error["ruleId"] == "ISP401"
    assert run_["tool"]["driver"]["rules"][error["ruleIndex"]]["id"] == "ISP401"
    location = error["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == path.resolve().as_uri()  # outside the repo
    assert location["region"] == {"startLine": line, "startColumn": 7}
    assert {r["id"] for r in run_["tool"]["driver"]["rules"]} >= set(RULES)

    suites = ET.parse(out["junit"]).getroot()
    [suite] = suites.findall("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert set(cases) == {"validate", "lint", "verify"}
    assert cases["lint"].find("failure").get("type") == "ISP401"
    assert cases["verify"].find("skipped") is not None
    assert cases["validate"].find("failure") is None

    markdown = out["markdown"].read_text()
    assert markdown.startswith("## ispyb-schema check ❌ failed")
    assert "| `bad-no-key` | ✅ passed | ❌ failed |" in markdown
    assert "**ISP401** LintNoKey has no primary key" in markdown
    assert json.loads(out["json"].read_text())["ok"] is False


def test_a_proposal_that_does_not_validate_fails_the_gate_at_its_line(tmp_path):
    path = tmp_path / "bad-unknown-table.yaml"
    path.write_text((RULE_FILES / "ISP102-drop-column.yaml").read_text().replace(
        "ISP102-drop-column", "bad-unknown-table").replace("DataCollection,", "DataColection,"))
    result = run("check", str(path), "--no-db", "--sarif", str(tmp_path / "g.sarif"))
    assert result.exit_code == 1, result.output
    [finding] = json.loads((tmp_path / "g.sarif").read_text())["runs"][0]["results"]
    assert finding["ruleId"] == "E101" and "DataColection" in finding["message"]["text"]
    assert finding["locations"][0]["physicalLocation"]["region"]["startLine"] == 9
    assert "bad-unknown-table: validate failed, lint skipped, verify skipped" in result.output


def test_sarif_paths_are_relative_to_the_repository(tmp_path):
    result = run("check", "proposals/screening-cleanup.yaml", "--no-db", "--sarif",
                 str(tmp_path / "g.sarif"))
    assert result.exit_code == 0, result.output
    run_ = json.loads((tmp_path / "g.sarif").read_text())["runs"][0]
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for r in run_["results"] for loc in r["locations"]}
    assert uris == {"proposals/screening-cleanup.yaml"}
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == ROOT.as_uri() + "/"


def test_suppressed_findings_carry_their_reason_in_sarif(tmp_path):
    path = tmp_path / "suppressed.yaml"
    path.write_text((RULE_FILES / "ok-ISP001-suppression.yaml").read_text().replace(
        "ok-ISP001-suppression", "suppressed"))
    result = run("check", str(path), "--no-db", "--sarif", str(tmp_path / "g.sarif"))
    assert result.exit_code == 0, result.output
    results = json.loads((tmp_path / "g.sarif").read_text())["runs"][0]["results"]
    [suppressed] = [r for r in results if r["ruleId"] == "ISP102"]
    assert suppressed["suppressions"] == [{"kind": "inSource", "justification":
                                           "the column has been empty at every facility "
                                           "since 2015"}]


def test_bad_input_and_broken_environment_exit_2(tmp_path, bad_proposal):
    path, _ = bad_proposal
    assert run("check", str(path), "--no-db", "--baseline", str(tmp_path / "nothing")) \
        .exit_code == 2
    assert run("check", "--no-db", "--changed-since", "no-such-ref").exit_code == 2
    no_server = {"ISPYB_SCHEMA_DB_URL": "mysql://nobody:wrong@127.0.0.1:1/"}
    assert run("check", str(path), env=no_server).exit_code == 2


def test_changed_since_selects_changed_proposals_and_their_dependents(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "proposals").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        f"[tool.ispyb-schema]\nbaseline = '{ROOT / 'schema'}'\n")
    portfolio = ROOT / "tests" / "data" / "lint" / "portfolio"
    for name in ("train-ok/lint-train-c", "train-ok/lint-train-d", "conflict/lint-conflict-a"):
        source = portfolio / f"{name}.yaml"
        (project / "proposals" / source.name).write_text(source.read_text())

    def git(*args):
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)
    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "0")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "proposals")
    changed = project / "proposals" / "lint-train-c.yaml"
    changed.write_text(changed.read_text().replace("title: Adds a column", "title: Adds one"))

    def checked(ref: str) -> set[str]:
        result = CliRunner().invoke(cli, ["check", "--no-db", "--changed-since", ref,
                                          "--json", str(tmp_path / "g.json")])
        assert result.exit_code == 0, result.output
        return {r["proposal"] for r in json.loads((tmp_path / "g.json").read_text())["results"]}

    monkeypatch.chdir(project)
    assert checked("HEAD") == {"lint-train-c", "lint-train-d"}  # d depends on c
    assert checked("HEAD~1") == {"lint-train-c", "lint-train-d", "lint-conflict-a"}


@pytest.mark.slow
def test_check_with_a_database_runs_the_data_checks_and_verify(mariadb_server, tmp_path):
    env = {"ISPYB_SCHEMA_DB_URL": mariadb_server.url}
    good = run("check", str(DATA_FILES / "ok-ISP201-unique-key.yaml"), "--json",
               str(tmp_path / "good.json"), env=env)
    assert good.exit_code == 0, good.output
    statuses = {r["check"]: r["status"]
                for r in json.loads((tmp_path / "good.json").read_text())["results"]}
    assert statuses == {"validate": "passed", "lint": "passed", "verify": "passed"}
    bad = run("check", str(DATA_FILES / "ISP201-unique-key-duplicates.yaml"), env=env)
    assert bad.exit_code == 1
    assert "error[ISP201]" in bad.output and "verify failed" in bad.output


def test_a_verify_stage_that_cannot_run_fails_the_gate(monkeypatch, mariadb_server, tmp_path):
    monkeypatch.setitem(sys.modules, "ispyb_schema.verify", None)  # import fails
    result = run("check", str(RULE_FILES / "ok-ISP401-primary-key.yaml"), "--json",
                 str(tmp_path / "g.json"), env={"ISPYB_SCHEMA_DB_URL": mariadb_server.url})
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    gate = json.loads((tmp_path / "g.json").read_text())
    assert [r["status"] for r in gate["results"] if r["check"] == "verify"] == ["failed"]
    assert any(n.startswith("verify could not run") for n in gate["notes"])


def test_workflow_runs_the_gate_on_a_mariadb_service():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "schema-gate.yml").read_text())
    job = workflow["jobs"]["gate"]
    assert job["services"]["mariadb"]["image"] == "mariadb:10.11"
    assert "--health-cmd" in job["services"]["mariadb"]["options"]
    assert job["env"]["ISPYB_SCHEMA_DB_URL"].startswith("mysql://root:")
    steps = {s.get("name", s.get("uses")): s for s in job["steps"]}
    command = steps["Gate"]["run"].split()
    assert command[:2] == ["ispyb-schema", "check"]
    assert {"--changed-since", "--sarif", "--junit", "--markdown"} <= set(command)
    assert_options_exist(command[1:])
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif")
               for s in job["steps"])
    assert "GITHUB_STEP_SUMMARY" in steps["Job summary"]["run"]
    assert steps["actions/setup-python@v5"]["with"]["python-version"] == "3.11"


def test_pre_commit_hooks_run_validate_and_lint_without_a_database():
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"ispyb-schema-validate", "ispyb-schema-lint"}
    for hook in hooks.values():
        assert hook["files"] == r"^proposals/.*\.ya?ml$" and hook["language"] == "python"
        entry = hook["entry"].split()
        assert entry[0] == "ispyb-schema"
        assert_options_exist(entry[1:])
    assert hooks["ispyb-schema-lint"]["entry"] == "ispyb-schema lint --no-db"


def assert_options_exist(words: list[str]) -> None:
    """The subcommand exists and takes every --option named."""
    command = cli.get_command(click.Context(cli), words[0])  # subcommands load lazily
    assert command is not None, words[0]
    known = {o for p in command.params for o in getattr(p, "opts", [])}
    assert {w.split("=")[0] for w in words if w.startswith("--")} <= known
