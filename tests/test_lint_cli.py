# SPDX-License-Identifier: LGPL-3.0-or-later
"""The ``lint`` command: exit codes, JSON, data checks with ``--db``, routines and grants."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ispyb_schema.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
RULE_FILES = ROOT / "tests" / "data" / "lint" / "rules"
DATA_FILES = ROOT / "tests" / "data" / "lint" / "data"
IMPACT = ROOT / "tests" / "data" / "impact"


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.fixture(autouse=True)
def in_repository(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("ISPYB_SCHEMA_DB_URL", raising=False)


def test_lint_exit_codes_and_json():
    assert run("lint", str(RULE_FILES / "ok-ISP401-primary-key.yaml"), "--no-db").exit_code == 0
    failing = run("lint", str(RULE_FILES / "ISP401-no-primary-key.yaml"), "--no-db")
    assert failing.exit_code == 1 and "error[ISP401]" in failing.output
    report = json.loads(run("lint", str(RULE_FILES / "ISP300-alter-algorithm.yaml"), "--no-db",
                            "--format", "json").output)
    [proposal] = report["proposals"].values()
    assert proposal["alters"][0]["algorithm"] == "INSTANT"


def test_lint_of_an_invalid_proposal_exits_2(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: broken\n")
    result = run("lint", str(path), "--no-db")
    assert result.exit_code == 2 and "error[E012]" in result.output


def test_lint_with_routines_and_grants():
    result = run("lint", str(ROOT / "tests/data/lint/impact/ISP601-breaks-routine.yaml"),
                 "--no-db", "--routines", str(IMPACT / "routines.sql"),
                 "--grants", str(IMPACT / "grants.sql"))
    assert result.exit_code == 1
    assert "procedure update_container_samples_status uses it at " in result.output


@pytest.mark.slow
def test_lint_with_a_database_checks_the_fixture_data(mariadb_server):
    path = str(DATA_FILES / "ISP201-unique-key-duplicates.yaml")
    fixtures = str(ROOT / "schema" / "fixtures")
    result = run("lint", path, "--db", mariadb_server.url, "--fixtures", fixtures)
    assert result.exit_code == 1
    assert "error[ISP201]: adds unique key DataCollection_imagePrefix on " \
           "DataCollection(imagePrefix): 2 duplicate value groups in the fixture data" \
        in result.output
    assert "ISP200" not in run("lint", path, "--db", mariadb_server.url).output
    assert "error[ISP201]" not in run("lint", path, "--no-db").output
