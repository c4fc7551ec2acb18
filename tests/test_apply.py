# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema apply`` on a real database named as the target (a scratch database loaded
with the embedded baseline and its fixtures): the plan is shown, SchemaStatus records the
proposal the upstream way, a recorded proposal and a drifted target are refused, and the first
failing statement stops the run with exactly what ran."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ispyb_schema.baseline import load_schema
from ispyb_schema.cli.main import cli
from ispyb_schema.fixtures import fixture_sql
from ispyb_schema.render.ddl import schema_ddl

ROOT = Path(__file__).resolve().parents[1]
DC_ENERGY = ROOT / "tests" / "data" / "proposals" / "dc-energy.yaml"
SQL_FAILS = ROOT / "tests" / "data" / "verify" / "sql-fails.yaml"
EMBEDDED = load_schema(ROOT / "schema")
LOAD = schema_ddl(EMBEDDED) + fixture_sql(EMBEDDED, [ROOT / "schema" / "fixtures"])


@pytest.fixture
def target(mariadb_server, scratch_db):
    mariadb_server.load_sql(scratch_db.name, text=LOAD)
    return scratch_db


def apply(target, server, *args, input=None):
    url = server.url + target.name
    return CliRunner().invoke(cli, ["apply", *map(str, args), "--db", url,
                                    "--baseline", str(ROOT / "schema")], input=input)


def rows(target, sql):
    with target.conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def test_apply_shows_the_plan_and_records_the_proposal(target, mariadb_server):
    result = apply(target, mariadb_server, DC_ENERGY, "--yes")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "-- the target has no SchemaStatus table: it is created first" in out
    assert "-- 2019_09_12_dc-energy.sql" in out
    assert ("INSERT IGNORE INTO SchemaStatus (scriptName, schemaStatus) VALUES "
            "('2019_09_12_dc-energy.sql', 'ONGOING');") in out
    assert "  done: SchemaStatus records '2019_09_12_dc-energy.sql' as DONE" in out
    assert out.count("  ran ") == 7
    assert rows(target, "SELECT scriptName, schemaStatus FROM SchemaStatus") == (
        ("2019_09_12_dc-energy.sql", "DONE"),)
    assert rows(target, "SHOW COLUMNS FROM DataCollection LIKE 'energy'")


def test_apply_asks_first(target, mariadb_server):
    result = apply(target, mariadb_server, DC_ENERGY, input="n\n")
    assert result.exit_code == 1
    assert "Apply 1 proposal(s) to mysql://" in result.stdout
    assert "nothing was applied" in result.stderr
    assert not rows(target, "SHOW TABLES LIKE 'SchemaStatus'")
    assert apply(target, mariadb_server, DC_ENERGY, input="y\n").exit_code == 0


def test_apply_refuses_a_recorded_proposal(target, mariadb_server):
    assert apply(target, mariadb_server, DC_ENERGY, "--yes").exit_code == 0
    result = apply(target, mariadb_server, DC_ENERGY, "--yes")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("refused: nothing was applied to mysql://")
    assert lines[1].startswith("  dc-energy: already recorded in SchemaStatus as "
                               "'2019_09_12_dc-energy.sql' (DONE, ")


def test_apply_refuses_a_drifted_target(target, mariadb_server):
    rows(target, "ALTER TABLE Detector ADD COLUMN localCode varchar(8)")
    result = apply(target, mariadb_server, DC_ENERGY, "--yes")
    assert result.exit_code == 1
    assert "  the target's schema differs from the baseline " in result.stderr
    assert "    + Detector.column localCode" in result.stderr.splitlines()
    assert not rows(target, "SHOW COLUMNS FROM DataCollection LIKE 'energy'")


def test_apply_stops_at_the_first_failing_statement(target, mariadb_server):
    result = apply(target, mariadb_server, SQL_FAILS, "--yes")
    assert result.exit_code == 1
    ran = [line for line in result.stdout.splitlines() if line.startswith("  ran ")]
    assert ran == [
        "  ran 1/5 line 6: INSERT IGNORE INTO SchemaStatus (scriptName, schemaStatus) VALUES "
        "('2026_01_01_sql-fails.sql', 'ONGOING');" + ran[0][ran[0].index("  ("):],
        "  ran 2/5 line 9: ALTER TABLE `Crystal` COMMENT='A crystal of a protein', "
        "ALGORITHM=INSTANT, LOCK=NONE;"
        + ran[1][ran[1].index("  ("):],
    ]
    err = result.stderr.splitlines()
    assert err[0] == ("  statement 3 of 5 (line 12, step 2 (modify_column)) failed: ERROR 1265: "
                      "Data truncated for column 'description' at row 2")
    assert ("  not run: 2 statement(s); SchemaStatus records '2026_01_01_sql-fails.sql' as "
            "ONGOING") in err
    assert rows(target, "SELECT schemaStatus FROM SchemaStatus") == (("ONGOING",),)
    comments = dict(rows(target, "SELECT TABLE_NAME, TABLE_COMMENT FROM information_schema."
                                 f"TABLES WHERE TABLE_SCHEMA = '{target.name}' AND TABLE_NAME "
                                 "IN ('Crystal', 'DataCollection')"))
    assert comments["Crystal"] == "A crystal of a protein"
    assert comments["DataCollection"] != "One sweep"
