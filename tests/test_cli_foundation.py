# SPDX-License-Identifier: LGPL-3.0-or-later
"""The `import` and `ddl` commands as a user runs them."""
import subprocess
import sys
from pathlib import Path

import pytest
import sqlglot

from ispyb_schema.baseline import load_schema
from ispyb_schema.importer.dialect import MariaDB
from ispyb_schema.render.ddl import schema_ddl

ROOT = Path(__file__).resolve().parents[1]
TABLES_SQL = ROOT.parent / "shared" / "ispyb-database" / "tables.sql"
needs_upstream = pytest.mark.skipif(not TABLES_SQL.is_file(), reason="no upstream dump")


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "ispyb_schema", *args], cwd=cwd,
                          capture_output=True, text=True)


def test_ddl_uses_the_configured_embedded_baseline_by_default():
    result = run("ddl")
    assert result.returncode == 0, result.stderr
    assert result.stdout == schema_ddl(load_schema(ROOT / "schema"))
    assert "CREATE TABLE `DataCollection`" in result.stdout


def test_ddl_is_deterministic_and_parses_back_with_sqlglot():
    first, second = run("ddl").stdout, run("ddl").stdout
    assert first == second
    statements = [s for s in sqlglot.parse(first, read=MariaDB) if s is not None]
    creates = [s for s in statements if s.key == "create"]
    assert len(creates) == len(load_schema(ROOT / "schema"))


def test_ddl_outside_a_project_without_baseline_says_what_to_do(tmp_path):
    result = run("ddl", cwd=tmp_path)
    assert result.returncode == 2
    assert "--baseline" in result.stderr and result.stdout == ""


@needs_upstream
def test_import_a_selection_with_its_references(tmp_path):
    out = tmp_path / "out"
    result = run("import", str(TABLES_SQL), "-o", str(out), "--table", "EnergyScan",
                 "--with-references")
    assert result.returncode == 0, result.stderr
    imported = load_schema(out)
    assert {"EnergyScan", "BLSession", "Proposal", "Person"} <= set(imported.table_names())
    for table in imported.tables:
        for fk in table.foreign_keys:
            assert imported.table(fk.ref_table) is not None


@needs_upstream
def test_ddl_from_a_dump_baseline(tmp_path):
    result = run("ddl", "--baseline", str(TABLES_SQL))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("CREATE TABLE ") == 203


def test_malformed_dump_fails_with_its_line_and_writes_nothing(tmp_path):
    dump = tmp_path / "bad.sql"
    dump.write_text(
        "-- a dump\n"
        "CREATE TABLE `A` (\n"
        "  `id` int(11) NOT NULL,\n"
        "  PRIMARY KEY (`id`)\n"
        ") ENGINE=InnoDB;\n"
        "CREATE TABLE `B` (\n"
        "  `id` int(11) NOT NULL FROBNICATE,\n"
        "  PRIMARY KEY (`id`)\n"
        ") ENGINE=InnoDB;\n"
    )
    out = tmp_path / "out"
    result = run("import", str(dump), "-o", str(out))
    assert result.returncode == 2
    assert f"{dump}:7" in result.stderr
    assert not out.exists() and result.stdout == ""


def test_unknown_table_selection_is_an_error(tmp_path):
    result = run("import", str(ROOT / "schema"), "-o", str(tmp_path / "o"), "--table", "Nope")
    assert result.returncode == 2 and "Nope" in result.stderr
    assert not (tmp_path / "o").exists()
