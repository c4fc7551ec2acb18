# SPDX-License-Identifier: LGPL-3.0-or-later
"""``verify`` on a real MariaDB: example proposals pass on the embedded baseline (with its
fixtures) and on the upstream dump (with lookups.sql and data.sql), alone and together; every
proposal in proposals/ passes on both; the record and the command line."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ispyb_schema.cli.main import cli
from ispyb_schema.verify import FORMAT, verify_proposals
from ispyb_schema.verify.inputs import default_fixtures

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "tests" / "data" / "proposals"
UPSTREAM = ROOT.parent / "shared" / "ispyb-database"
EMBEDDED = str(ROOT / "schema")
PROPOSALS = sorted((ROOT / "proposals").glob("*.yaml"))


def baseline(name: str) -> tuple[str, list[Path]]:
    if name == "embedded":
        return EMBEDDED, [ROOT / "schema" / "fixtures"]
    if not (UPSTREAM / "tables.sql").is_file():
        pytest.skip("the upstream dump is not in ../shared/ispyb-database")
    return str(UPSTREAM / "tables.sql"), [UPSTREAM / "lookups.sql", UPSTREAM / "data.sql"]


def failures(report) -> str:
    return "\n".join(f"{r.proposal_id}: {s.name}: {s.error}" for r in report.runs
                     for s in r.steps if not s.ok)


@pytest.fixture(scope="module")
def embedded_report(mariadb_server):
    names = ["dc-em-columns", "dc-snapshots", "phasing-into-autoproc", "raw-and-rows", "views"]
    source, fixtures = baseline("embedded")
    return verify_proposals([EXAMPLES / f"{n}.yaml" for n in names], source, fixtures,
                            mariadb_server)


def test_examples_verify_on_the_embedded_baseline(embedded_report):
    assert embedded_report.ok, failures(embedded_report)
    assert [r.proposal_id for r in embedded_report.runs] == [
        "dc-em-columns", "dc-snapshots", "phasing-into-autoproc", "raw-and-rows", "views", "all"]
    together = embedded_report.runs[-1]
    assert together.proposals == ["dc-em-columns", "dc-snapshots", "phasing-into-autoproc",
                                  "raw-and-rows", "views"]
    names = [s.name for s in together.steps]
    assert names[:4] == ["load", "baseline", "dc-em-columns: snapshot", "dc-em-columns: forward"]
    assert names[-3:] == ["dc-em-columns: rollback", "dc-em-columns: rollback schema",
                          "dc-em-columns: rollback data"]


def test_moves_and_assertions_are_checked(embedded_report):
    data = {r.proposal_id: next(s for s in r.steps if s.name == "data")
            for r in embedded_report.runs[:-1]}
    messages = {r.proposal_id: [c["message"] for c in data[r.proposal_id].details["checks"]]
                for r in embedded_report.runs[:-1]}
    assert ("step 1 (merge_tables): PhasingProgramRun rows -> AutoProcProgram rows tagged "
            "'phasing': all 5 row(s) arrived") in messages["phasing-into-autoproc"]
    assert ("assertion every_run_kept: the result is the same before and after (1 row(s))"
            in messages["phasing-into-autoproc"])
    assert any("DataCollection.c1aperture -> DataCollectionEM.c1aperture: all" in m
               for m in messages["dc-em-columns"])
    assert any(m.endswith("-> DataCollectionFileAttachment.fileFullPath: all 29 value(s) "
                          "arrived") for m in messages["dc-snapshots"])


def test_declared_irreversibility_is_noted_not_failed(embedded_report):
    run = next(r for r in embedded_report.runs if r.proposal_id == "phasing-into-autoproc")
    notes = next(s for s in run.steps if s.name == "rollback data").details["not_restored"]
    assert notes[0].startswith("ModelBuilding.phasingProgramRunId: not restored, as declared: "
                               "step 1 (merge_tables) merges PhasingProgramRun")


def test_the_record_is_stable_json(embedded_report, tmp_path):
    path = tmp_path / "record.json"
    embedded_report.write(path)
    record = json.loads(path.read_text())
    assert record["format"] == FORMAT == "ispyb-schema/verify-result/1"
    assert list(record) == ["format", "ok", "tool", "started", "seconds", "server", "baseline",
                            "fixtures", "runs"]
    assert list(record["runs"][0]) == ["proposal", "file", "proposals", "ok", "database",
                                       "seconds", "steps"]
    assert list(record["runs"][0]["steps"][0]) == ["name", "ok", "seconds", "details", "error"]
    assert record["baseline"]["tables"] == 94
    forward = next(s for s in record["runs"][1]["steps"] if s["name"] == "forward")
    assert list(forward["details"]["statements"][0]) == ["index", "line", "steps", "statement",
                                                         "seconds", "rows"]


@pytest.mark.slow
@pytest.mark.upstream
def test_examples_verify_on_the_upstream_dump(mariadb_server):
    names = ["dc-mx-extension", "experiment-types"]
    source, fixtures = baseline("upstream")
    report = verify_proposals([EXAMPLES / f"{n}.yaml" for n in names], source, fixtures,
                              mariadb_server)
    assert report.ok, failures(report)
    assert [r.proposal_id for r in report.runs] == names + ["all"]
    assert report.fixtures == [str(UPSTREAM / "lookups.sql"), str(UPSTREAM / "data.sql")]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["embedded", pytest.param("upstream",
                                                           marks=pytest.mark.upstream)])
def test_every_proposal_verifies(mariadb_server, name):
    if not PROPOSALS:
        pytest.skip("proposals/ holds no proposal yet")
    source, fixtures = baseline(name)
    report = verify_proposals(PROPOSALS, source, fixtures, mariadb_server)
    assert report.ok, failures(report)


def test_default_fixtures_follow_the_baseline(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert default_fixtures(None) == ([ROOT / "schema" / "fixtures"],
                                      "[tool.ispyb-schema] fixtures in pyproject.toml")
    fixtures, origin = default_fixtures(str(UPSTREAM / "tables.sql"))
    if (UPSTREAM / "data.sql").is_file():
        assert fixtures == [UPSTREAM / "lookups.sql", UPSTREAM / "data.sql"]
        assert origin == "found beside tables.sql"
    assert default_fixtures(str(ROOT / "tests" / "data" / "dumps" / "features.sql"))[0] == []


def test_command_line(mariadb_server, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    record = tmp_path / "verify.json"
    args = ["verify", str(EXAMPLES / "dc-energy.yaml"), str(ROOT / "tests" / "data" / "verify" /
            "rollback-loses.yaml"), "--db", mariadb_server.url, "--json", str(record),
            "--no-together"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["dc-energy", "verified", "9", "stages"]
    assert lines[1].split()[:5] == ["rollback-loses", "FAILED", "at", "rollback", "data"]
    assert lines[2:4] == ["    rollback data:", "      EnergyScan: rows differ after the "
                          "rollback in column(s) exposureTime (written by step 1 (transform))"]
    assert lines[4].startswith("1 of 2 run(s) verified in ")
    assert lines[5] == f"record: {record}"
    assert json.loads(record.read_text())["ok"] is False
    assert "fixtures: " in result.stderr and "[tool.ispyb-schema] fixtures" in result.stderr


def test_command_line_rejects_an_invalid_proposal(mariadb_server, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\n")
    result = CliRunner().invoke(cli, ["verify", str(bad), "--db", mariadb_server.url,
                                      "--baseline", EMBEDDED])
    assert result.exit_code == 2
    assert "bad.yaml" in result.stderr
