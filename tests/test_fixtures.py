# SPDX-License-Identifier: LGPL-3.0-or-later
"""The fixture data, its loader and the scale generator, against a real MariaDB."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from ispyb_schema.baseline import load_schema
from ispyb_schema.errors import InputError
from ispyb_schema.fixtures.generate import check_plan, generate_sql
from ispyb_schema.fixtures.load import fixture_files, fixture_sql
from ispyb_schema.fixtures.scale_plan import SCALE_PLAN
from ispyb_schema.harness.sqlscript import split_statements
from ispyb_schema.render.ddl import schema_ddl
from ispyb_schema.render.quote import ident
from ispyb_schema.yamlsrc import load_yaml

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "schema" / "fixtures"
OPTIONAL_RANKS = FIXTURES / "optional" / "screening_rank.yaml"
BASELINE = load_schema(ROOT / "schema")
EMPTY_LIKE_UPSTREAM = {"ScreeningRank", "ScreeningRankSet"}
SNAPSHOTS = [f"xtalSnapshotFullPath{i}" for i in range(1, 5)]
SCALE_ENV = "ISPYB_SCHEMA_SCALE"  # e.g. 5000 for the 100,000-DataCollection speed run


# -- helpers ---------------------------------------------------------------------------------
def run_checked(conn, sql: str) -> list[tuple]:
    """Run each statement of ``sql``; return every warning the server raised."""
    warnings = []
    with conn.cursor() as cursor:
        for line, statement in split_statements(sql):
            cursor.execute(statement)
            cursor.execute("SHOW WARNINGS")
            warnings += [(line, *w) for w in cursor.fetchall()]
    return warnings


def scalar(conn, sql: str):
    with conn.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def rows(conn, sql: str) -> list[tuple]:
    with conn.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def row_counts(conn) -> dict[str, int]:
    return {t.name: scalar(conn, f"SELECT COUNT(*) FROM {ident(t.name)}") for t in BASELINE}


def orphans(conn) -> list[str]:
    """Foreign keys with a non-NULL value that matches no parent row."""
    found = []
    for table in BASELINE:
        for fk in table.foreign_keys:
            match = " AND ".join(f"p.{ident(r)} = c.{ident(c)}"
                                 for c, r in zip(fk.columns, fk.ref_columns))
            filled = " AND ".join(f"c.{ident(c)} IS NOT NULL" for c in fk.columns)
            count = scalar(conn, f"SELECT COUNT(*) FROM {ident(table.name)} c LEFT JOIN "
                                 f"{ident(fk.ref_table)} p ON {match} WHERE {filled} AND "
                                 f"p.{ident(fk.ref_columns[0])} IS NULL")
            if count:
                found.append(f"{table.name}.{fk.name}: {count}")
    return found


def legacy_mismatches(conn) -> int:
    """DataCollection rows whose legacy SESSIONID/BLSAMPLEID disagree with their group."""
    return scalar(conn, "SELECT COUNT(*) FROM DataCollection dc JOIN DataCollectionGroup g "
                        "USING (dataCollectionGroupId) WHERE NOT (dc.SESSIONID <=> g.sessionId) "
                        "OR NOT (dc.BLSAMPLEID <=> g.blSampleId)")


def baseline_db(server, prefix: str) -> str:
    name = server.create_scratch_database(prefix)
    server.load_sql(name, text=schema_ddl(BASELINE))
    return name


@pytest.fixture(scope="module")
def fixture_db(mariadb_server):
    """The baseline DDL plus the fixtures, loaded with FOREIGN_KEY_CHECKS=1: (conn, warnings)."""
    name = baseline_db(mariadb_server, "fixtures")
    conn = mariadb_server.connect(name)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SET FOREIGN_KEY_CHECKS = 1")
        warnings = run_checked(conn, fixture_sql(BASELINE, [FIXTURES]))
        yield conn, warnings
    finally:
        conn.close()
        mariadb_server.drop_scratch_database(name)


# -- the fixture data on MariaDB -------------------------------------------------------------
def test_fixtures_load_with_foreign_key_checks_and_no_warnings(fixture_db):
    conn, warnings = fixture_db
    assert scalar(conn, "SELECT @@foreign_key_checks") == 1
    assert warnings == []
    assert orphans(conn) == []


def test_every_table_has_rows_except_the_unused_screening_ranks(fixture_db):
    counts = row_counts(fixture_db[0])
    assert [t for t, n in counts.items() if n == 0] == sorted(EMPTY_LIKE_UPSTREAM)
    assert counts["DataCollection"] >= 20 and counts["BLSample"] >= 20


def test_snapshot_columns_hold_nulls_partial_and_full_rows(fixture_db):
    conn = fixture_db[0]
    filled = " + ".join(f"({c} IS NOT NULL)" for c in SNAPSHOTS)
    per_row = {n for (n,) in rows(conn, f"SELECT {filled} FROM DataCollection")}
    assert {0, 1, 4} <= per_row
    for column in SNAPSHOTS:
        assert scalar(conn, f"SELECT COUNT(*) FROM DataCollection WHERE {column} IS NULL") > 0
    assert scalar(conn, "SELECT MAX(CHAR_LENGTH(xtalSnapshotFullPath1)) FROM DataCollection") == 255


def test_grouping_scenarios_are_present(fixture_db):
    conn = fixture_db[0]
    assert legacy_mismatches(conn) == 0
    multi_sweep = scalar(conn, "SELECT MAX(n) FROM (SELECT COUNT(*) n FROM DataCollection "
                               "GROUP BY dataCollectionGroupId) s")
    assert multi_sweep >= 3
    crystals_per_job = scalar(conn, "SELECT MAX(n) FROM (SELECT COUNT(DISTINCT g.blSampleId) n "
                                    "FROM ProcessingJobImageSweep s JOIN DataCollection dc USING "
                                    "(dataCollectionId) JOIN DataCollectionGroup g USING "
                                    "(dataCollectionGroupId) GROUP BY s.processingJobId) j")
    assert crystals_per_job >= 4
    wavelengths = scalar(conn, "SELECT MAX(n) FROM (SELECT COUNT(DISTINCT wavelength) n FROM "
                               "DataCollection GROUP BY dataCollectionGroupId) w")
    assert wavelengths >= 3


def test_enum_values_at_both_ends_are_used(fixture_db):
    conn = fixture_db[0]
    for table, column in [("DataCollectionGroup", "experimentType"),
                          ("DataCollectionFileAttachment", "fileType"),
                          ("AutoProcProgramAttachment", "fileType"),
                          ("PhasingProgramAttachment", "fileType"),
                          ("PhasingStatistics", "metric"), ("AutoProcStatus", "step")]:
        values = BASELINE.table(table).column(column).type.values
        used = {v for (v,) in rows(conn, f"SELECT DISTINCT {ident(column)} FROM {ident(table)}")}
        assert {values[0], values[-1]} <= used, (table, column)


def test_optional_screening_ranks_load_on_top(mariadb_server, scratch_db):
    mariadb_server.load_sql(scratch_db.name, text=schema_ddl(BASELINE))
    sql = fixture_sql(BASELINE, [FIXTURES, OPTIONAL_RANKS])
    assert run_checked(scratch_db.conn, sql) == []
    assert scalar(scratch_db.conn, "SELECT COUNT(*) FROM ScreeningRank") >= 1


# -- the loader ------------------------------------------------------------------------------
def test_fixture_sql_is_deterministic_and_set_based():
    first = fixture_sql(BASELINE, [FIXTURES])
    assert first == fixture_sql(BASELINE, [FIXTURES])
    files = fixture_files([FIXTURES])
    assert [f.name for f in files] == sorted(f.name for f in files)
    tables_per_file = sum(len(load_yaml(f)[0]["rows"]) for f in files)
    assert first.count("INSERT INTO ") == tables_per_file


def where(text: str, needle: str) -> str:
    """``line:col`` (1-based) of the first ``needle`` in ``text``."""
    offset = text.index(needle)
    line = text.count("\n", 0, offset) + 1
    return f"{line}:{offset - text.rfind(chr(10), 0, offset)}"


@pytest.mark.parametrize("body, needle, code, message", [
    ("  Persn:\n    - {personId: 1}\n", "Persn", "E021", "unknown table 'Persn'"),
    ("  Person:\n    - {personId: 1, nickname: Bo}\n", "nickname", "E022",
     "Person has no column 'nickname'"),
    ("  Person:\n    - {personId: 1, givenname: Bo}\n", "givenname", "E022", "use the exact name"),
    ("  Person:\n    - {personId: one}\n", "one", "E023", "expected an integer, got str 'one'"),
    ("  Person:\n    - {personId: 1, login: 42}\n", "42", "E023", "(quote it)"),
    ("  Proposal:\n    - {proposalId: 1, state: Pending}\n", "Pending", "E023",
     "'Pending' is not one of ['Open', 'Closed', 'Cancelled']"),
    ("  Person:\n    - {personId: -1}\n", "-1", "E023", "outside 0..4294967295"),
    ("  Person:\n    - {personId: 1, login: " + "x" * 46 + "}\n", "x", "E023",
     "46 characters, at most 45"),
    ("  Person:\n    - {personId: 1, familyName: 'λ'}\n", "'λ'", "E023", "cannot be stored"),
    ("  Component:\n    - {componentId: 1, name: null}\n", "null", "E023", "is NOT NULL"),
    ("  Shipping:\n    - {shippingId: 1, readyByTime: 10:00:00}\n", "10:00:00", "E023",
     "'hh:mm:ss' (quoted)"),
    ("  Dewar:\n    - {dewarId: 1, extra: '{oops'}\n", "'{oops'", "E023", "must hold JSON"),
    ("  Person: []\n", "[]", "E020", "non-empty list of rows"),
])
def test_loader_errors_name_file_line_and_column(tmp_path, body, needle, code, message):
    path = tmp_path / "bad.yaml"
    text = "# SPDX-License-Identifier: LGPL-3.0-or-later\nrows:\n" + body
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        fixture_sql(BASELINE, [path])
    (diagnostic,) = raised.value.diagnostics
    assert str(diagnostic).startswith(f"{path}:{where(text, needle)}: error[{code}]: ")
    assert message in diagnostic.message


def test_loader_reports_every_problem_of_every_file(tmp_path):
    (tmp_path / "a.yaml").write_text("rows:\n  Nope:\n    - {x: 1}\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("tables: {}\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        fixture_sql(BASELINE, [tmp_path])
    assert [d.code for d in raised.value.diagnostics] == ["E021", "E020"]


def test_loader_quotes_values_and_keeps_sql_files_and_order(tmp_path):
    (tmp_path / "20_people.yaml").write_text(
        "rows:\n  Person:\n    - {personId: 7, familyName: \"O'Brien \\\\ Å\"}\n"
        "    - {personId: 8, externalId: !!binary AAECAwQFBgcICQoLDA0ODw==}\n", encoding="utf-8")
    (tmp_path / "10_setup.sql").write_text("SET @fixture_marker = 1;\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    sql = fixture_sql(BASELINE, [tmp_path])
    assert sql.index("@fixture_marker") < sql.index("INSERT INTO `Person`")
    assert "INSERT INTO `Person` (`personId`,`familyName`,`externalId`) VALUES\n" in sql
    assert "(7,'O''Brien \\\\ Å',DEFAULT)," in sql
    assert "(8,DEFAULT,X'000102030405060708090A0B0C0D0E0F');" in sql


def test_loader_rejects_other_paths(tmp_path):
    with pytest.raises(InputError, match="expected a fixture .yaml file"):
        fixture_sql(BASELINE, [tmp_path / "missing.yaml"])


# -- the scale generator ---------------------------------------------------------------------
def test_plan_fits_the_baseline_and_a_missing_table_is_reported():
    assert check_plan(BASELINE) == []
    with pytest.raises(InputError, match="the schema has no table 'ScreeningStrategy'"):
        generate_sql(BASELINE.without_table("ScreeningStrategy"), 1)


def test_generated_sql_is_set_based_and_deterministic():
    sql = generate_sql(BASELINE, 3)
    assert sql == generate_sql(BASELINE, 3)
    assert sql.count("INSERT INTO ") == len(SCALE_PLAN)
    assert "FROM `seq_0_to_59`" in sql  # 3 units x 20 DataCollection rows


def test_generator_loads_on_fixtures_consistently_and_scales_linearly(mariadb_server, scratch_db):
    conn = scratch_db.conn
    mariadb_server.load_sql(scratch_db.name, text=schema_ddl(BASELINE))
    assert run_checked(conn, fixture_sql(BASELINE, [FIXTURES])) == []
    counts = [row_counts(conn)]
    for scale in (1, 2):
        assert run_checked(conn, generate_sql(BASELINE, scale)) == []
        counts.append(row_counts(conn))
    assert orphans(conn) == []
    assert legacy_mismatches(conn) == 0
    for plan in SCALE_PLAN:
        added = [counts[i + 1][plan.table] - counts[i][plan.table] for i in (0, 1)]
        assert added == [plan.count(1), plan.count(2)], plan.table
        if plan.per_unit:
            assert added[1] == 2 * added[0], plan.table


def test_generator_alone_fills_the_bare_baseline(mariadb_server, scratch_db):
    mariadb_server.load_sql(scratch_db.name, text=schema_ddl(BASELINE))
    assert run_checked(scratch_db.conn, generate_sql(BASELINE, 1)) == []
    assert orphans(scratch_db.conn) == []


@pytest.mark.skipif(not os.environ.get(SCALE_ENV), reason=f"set {SCALE_ENV}=N to time --scale N")
def test_generator_speed(mariadb_server, scratch_db, capsys):
    scale = int(os.environ[SCALE_ENV])
    mariadb_server.load_sql(scratch_db.name, text=schema_ddl(BASELINE))
    sql = generate_sql(BASELINE, scale)
    started = time.monotonic()
    mariadb_server.load_sql(scratch_db.name, text=sql)
    elapsed = time.monotonic() - started
    rows = sum(p.count(scale) for p in SCALE_PLAN)
    collections = scalar(scratch_db.conn, "SELECT COUNT(*) FROM DataCollection")
    with capsys.disabled():
        print(f"\n--scale {scale}: {collections} DataCollection rows, {rows} rows in all, "
              f"loaded in {elapsed:.1f} s ({rows / elapsed:,.0f} rows/s)")
    assert collections == scale * next(p.per_unit for p in SCALE_PLAN
                                       if p.table == "DataCollection")
