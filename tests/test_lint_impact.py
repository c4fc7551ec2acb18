# SPDX-License-Identifier: LGPL-3.0-or-later
"""Impact analysis: the views, routines, triggers and grants of ``tests/data/impact/`` (a
mariadb-dump style dump with DELIMITER blocks and executable comments, and SHOW GRANTS
output), read from the files and from a live server, against a proposal that drops, renames
and changes what they use — each hit with its object, line and method."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ispyb_schema.baseline import load_schema
from ispyb_schema.changeset.validate import validate
from ispyb_schema.cli.main import cli
from ispyb_schema.harness.server import scratch_database
from ispyb_schema.lint.context import LintContext
from ispyb_schema.lint.impact import ImpactIndex
from ispyb_schema.lint.sources import read_grants, read_live, read_routines, split_dump
from ispyb_schema.render.ddl import schema_ddl

ROOT = Path(__file__).resolve().parents[1]
IMPACT = ROOT / "tests" / "data" / "impact"
ROUTINES, GRANTS = IMPACT / "routines.sql", IMPACT / "grants.sql"
SHOWN_ROUTINES = os.path.relpath(ROUTINES)  # how findings name the file: from the working directory
PROPOSAL = """# SPDX-License-Identifier: LGPL-3.0-or-later
id: impact-case
title: Drops, renames and changes what the routines use
status: draft
authors: [{name: Lint Test, affiliation: ispyb-schema}]
created: 2024-01-01
steps:
  - drop_column: {table: DataCollection, column: imagePrefix, data_loss: {acknowledged: true, reason: an impact test}}
  - rename_column: {table: BLSample, from: containerId, to: holderId}
  - modify_column: {table: DataCollection, column: numberOfImages, type: bigint(20) unsigned}
  - rename_column: {table: DataCollection, from: runStatus, to: status}
  - drop_table: {table: ScreeningRank, data_loss: {acknowledged: true, reason: an impact test}}
"""
# (object, line in the object's text, what it uses, method); a grant's line is its statement
EXPECTED = {
    ("view v_dc_summary", 3, "DataCollection.imagePrefix", "sqlglot"),
    ("view v_dc_summary", 3, "DataCollection.numberOfImages", "sqlglot"),
    ("function dc_image_count", 6, "DataCollection.numberOfImages", "sqlglot"),
    ("procedure retrieve_dc_main", 6, "DataCollection.imagePrefix", "sqlglot"),
    ("procedure retrieve_dc_main", 6, "DataCollection.numberOfImages", "sqlglot"),
    # the cursor's SELECT, parsed from its first keyword on (DECLARE … CURSOR FOR blanked)
    ("procedure update_container_samples_status", 8, "BLSample.containerId", "sqlglot"),
    ("trigger DataCollection_status_note", 3, "DataCollection.runStatus", "tokens"),
    ("trigger DataCollection_status_note", 4, "DataCollection.runStatus", "tokens"),
}
GRANT_HITS = {
    ("grant SELECT (`dataCollectionId`, `imagePrefix`), UPDATE (`comments`) on DataCollection "
     "to `ispyb_web`@`%`", "DataCollection.imagePrefix"),
    ("grant SELECT, INSERT, DELETE on ScreeningRank to `ispyb_acq`@`%`", "ScreeningRank"),
}


@pytest.fixture(scope="module")
def embedded():
    return load_schema(ROOT / "schema")


@pytest.fixture
def context(embedded, tmp_path) -> LintContext:
    path = tmp_path / "impact-case.yaml"
    path.write_text(PROPOSAL)
    result = validate([path], embedded)
    assert not result.diagnostics, result.sorted_diagnostics()
    return LintContext.build(result.walks["impact-case"])


def test_the_dump_is_read_object_by_object():
    objects = [(o.kind, o.name, o.line) for o in read_routines(ROUTINES)]
    assert objects == [("view", "v_dc_summary", 15), ("function", "dc_image_count", 25),
                       ("procedure", "retrieve_dc_main", 38),
                       ("procedure", "update_container_samples_status", 50),
                       ("trigger", "DataCollection_status_note", 76)]


def test_statements_follow_delimiters_and_ignore_comments():
    text = ("-- a; comment\nSELECT 'a;b';\nDELIMITER ;;\nCREATE PROCEDURE p() BEGIN SELECT 1; "
            "END ;;\nDELIMITER ;\n/* x; */ /*!50001 SELECT 2 */;\n")
    assert [(line, " ".join(s.split())) for line, s in split_dump(text)] == [
        (2, "SELECT 'a;b'"), (4, "CREATE PROCEDURE p() BEGIN SELECT 1; END"), (6, "SELECT 2")]


def test_grants_on_tables_and_columns():
    grants = [(g.grantee, g.kind, g.table, g.columns, g.line) for g in read_grants(GRANTS)]
    assert grants == [  # USAGE ON *.* grants nothing on the schema: left out
        ("`ispyb_web`@`%`", "table", "*", (), 5),  # ON `ispyb`.*: every table
        ("`ispyb_web`@`%`", "table", "DataCollection",
         ("dataCollectionId", "imagePrefix", "comments"), 6),
        ("`ispyb_web`@`%`", "procedure", "retrieve_dc_main", (), 7),
        ("`ispyb_acq`@`%`", "table", "DataCollection", (), 8),
        ("`ispyb_acq`@`%`", "table", "ScreeningRank", (), 9)]
    assert {g.who for g in read_grants(GRANTS)} == {"ispyb_web", "ispyb_acq"}


def test_upstream_role_files(tmp_path):
    """Upstream's grants/*.sql: CREATE ROLE, unqualified and backquoted tables, lower-case
    keywords, roles granted to roles, grants on the mysql database and on routines."""
    (tmp_path / "a.sql").write_text(
        "CREATE ROLE IF NOT EXISTS r_acq;\n"
        "GRANT SELECT, INSERT, UPDATE ON EnergyScan TO r_acq;\n"
        "GRANT SELECT, INSERT on `Container` to 'r_web';\n"
        "GRANT SELECT ON * TO 'r_web';\n"
        "GRANT SELECT ON mysql.user TO r_mon;\n"
        "GRANT EXECUTE ON PROCEDURE sp_upsert_dc TO 'r_acq';\n"
        "GRANT r_acq TO r_core;\n"
        "-- GRANT r_core to someone@'%';\n")
    (tmp_path / "b.sql").write_text("GRANT r_core, r_web TO app@'%' WITH ADMIN OPTION;\n")
    grants = [(g.who, g.kind, g.table, g.privilege_names, g.line)
              for g in read_grants(tmp_path)]
    assert grants == [
        ("r_acq", "table", "EnergyScan", ("SELECT", "INSERT", "UPDATE"), 2),
        ("r_web", "table", "Container", ("SELECT", "INSERT"), 3),
        ("r_web", "table", "*", ("SELECT",), 4),
        ("r_acq", "procedure", "sp_upsert_dc", ("EXECUTE",), 6),
        ("r_core", "role", "r_acq", (), 7),
        ("app", "role", "r_core", (), 1), ("app", "role", "r_web", (), 1)]


@pytest.mark.upstream
def test_upstream_grants_read_completely():
    folder = ROOT.parent / "shared" / "ispyb-database" / "grants"
    if not folder.is_dir():
        pytest.skip("the upstream grants are not in ../shared/ispyb-database")
    grants = read_grants(folder)
    text = "".join(p.read_text() for p in sorted(folder.glob("*.sql")))
    # every GRANT … ON <table or routine of this database> statement is read
    expected = len(re.findall(r"^GRANT [^;]*? ON (?!\*\.\*|mysql\.)[^;]*;", text, re.M | re.I))
    assert len([g for g in grants if g.kind != "role"]) == expected
    assert ("ispyb_expeye_acquisition_role", ("SELECT", "INSERT", "UPDATE")) in \
        {(g.who, g.privilege_names) for g in grants if g.table == "EnergyScan"}
    assert {(g.who, g.table) for g in grants if g.kind == "role"} == {
        ("ispyb_expeye_core_role", "ispyb_propagation"),
        ("ispyb_expeye_core_role", "ispyb_expeye_acquisition_role")}


def test_every_use_is_found_with_its_line_and_method(context):
    hits = ImpactIndex(read_routines(ROUTINES), read_grants(GRANTS)).hits(context)
    found = {(h.what, h.line, h.target.name, h.method) for h in hits if h.method != "grant"}
    assert found == EXPECTED
    assert {(h.what, h.target.name) for h in hits if h.method == "grant"} == GRANT_HITS
    trigger = next(h for h in hits if h.what.startswith("trigger"))
    assert trigger.where == f"{SHOWN_ROUTINES}:78"  # its file line: the object starts at line 76
    assert trigger.target.breaks and "renamed to status" in str(trigger)


def test_the_same_objects_read_from_a_live_server(mariadb_server, embedded, context):
    with scratch_database(mariadb_server, "impact") as name:
        mariadb_server.load_sql(name, text=schema_ddl(embedded))
        mariadb_server.load_sql(name, ROUTINES)
        objects, grants = read_live(mariadb_server.url + name)
    assert sorted((o.kind, o.name) for o in objects) == [
        ("function", "dc_image_count"), ("procedure", "retrieve_dc_main"),
        ("procedure", "update_container_samples_status"),
        ("trigger", "DataCollection_status_note"), ("view", "v_dc_summary")]
    hits = ImpactIndex(objects, grants).hits(context)
    assert {(h.what, h.target.name) for h in hits} == {(w, t) for w, _, t, _ in EXPECTED}
    assert all(h.obj.file is None and h.where == f"line {h.line}" for h in hits)


def test_impact_command(tmp_path):
    path = tmp_path / "impact-case.yaml"
    path.write_text(PROPOSAL)
    runner = CliRunner()
    text = runner.invoke(cli, ["impact", str(path), "--routines", str(ROUTINES), "--grants",
                               str(GRANTS)])
    assert text.exit_code == 0, text.output
    assert f"{SHOWN_ROUTINES}:57: procedure update_container_samples_status (line 8 of its text) " \
           "uses BLSample.containerId, renamed to holderId at step 2 (rename_column) " \
           "[sqlglot]" in text.output
    rows = json.loads(runner.invoke(cli, ["impact", str(path), "--routines", str(ROUTINES),
                                          "--format", "json"]).output)
    assert {(r["object"], r["body_line"], r["method"]) for r in rows
            if r["kind"] not in ("role loss", "grant")} == \
        {(w, line, m) for w, line, _, m in EXPECTED}
    # a baseline with no routines.sql or grants/ beside it, and none given: nothing to search
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "schema.yaml").write_text(
        (ROOT / "schema" / "tables" / "DataCollection.yaml").read_text())
    alone = runner.invoke(cli, ["impact", str(path), "--baseline",
                                str(tmp_path / "base" / "schema.yaml")])
    assert alone.exit_code == 2 and "no routines or grants" in alone.output
