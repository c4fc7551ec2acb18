# SPDX-License-Identifier: LGPL-3.0-or-later
"""``diff`` of what lives at table level, proved on the server in both directions: table
options (engine, charset/collation, row format, comment: ``alter_table_options``), table CHECK
constraints added, dropped and changed (``add_check``/``drop_check``), new FULLTEXT and SPATIAL
keys, and a new AUTO_INCREMENT primary key column. OLD + the forward plan gives NEW's
information_schema; that + the rollback gives OLD's again. The schemas have a geometry column,
which the dump importer does not read: they are read ``--via-server``."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from ispyb_schema.baseline import load_schema
from ispyb_schema.catalog import compare, snapshot
from ispyb_schema.changeset import render_plan, validate
from ispyb_schema.cli.main import cli

LATIN1 = "DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci"
OLD = f"""
CREATE TABLE `Sample` (`sampleId` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `name` varchar(45) DEFAULT NULL, `notes` text DEFAULT NULL, `size` int(11) DEFAULT NULL,
  `spot` point NOT NULL, `extra` longtext DEFAULT NULL,
  PRIMARY KEY (`sampleId`),
  CONSTRAINT `Sample_size` CHECK (`size` > 0),
  CONSTRAINT `Sample_gone` CHECK (`size` < 1000)
) ENGINE=InnoDB {LATIN1} ROW_FORMAT=COMPACT COMMENT='samples';
CREATE TABLE `Log` (`line` varchar(200) DEFAULT NULL) ENGINE=MyISAM {LATIN1};
CREATE TABLE `Registry` (`code` varchar(45) NOT NULL, `label` varchar(20) DEFAULT NULL,
  PRIMARY KEY (`code`)) ENGINE=InnoDB {LATIN1};
"""
NEW = f"""
CREATE TABLE `Sample` (`sampleId` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `name` varchar(45) CHARACTER SET latin1 COLLATE latin1_swedish_ci DEFAULT NULL,
  `notes` text CHARACTER SET latin1 COLLATE latin1_swedish_ci DEFAULT NULL,
  `size` int(11) DEFAULT NULL, `spot` point NOT NULL,
  `extra` longtext CHARACTER SET latin1 COLLATE latin1_swedish_ci DEFAULT NULL,
  `label` varchar(20) DEFAULT NULL,
  PRIMARY KEY (`sampleId`),
  FULLTEXT KEY `Sample_text` (`name`,`notes`),
  SPATIAL KEY `Sample_spot` (`spot`),
  CONSTRAINT `Sample_size` CHECK (`size` >= 0),
  CONSTRAINT `Sample_extra` CHECK (json_valid(`extra`))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci COMMENT='all samples';
CREATE TABLE `Log` (`line` varchar(200) DEFAULT NULL) ENGINE=InnoDB {LATIN1};
CREATE TABLE `Registry` (`registryId` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `code` varchar(45) NOT NULL, `label` varchar(20) DEFAULT NULL,
  PRIMARY KEY (`registryId`), UNIQUE KEY `code` (`code`)) ENGINE=InnoDB {LATIN1};
"""
ROWS = ("INSERT INTO `Registry` (`code`, `label`) VALUES ('a', 'one'), ('b', 'two');\n"
        "INSERT INTO `Log` VALUES ('started');\n")


def catalog(server, *texts: str):
    name = server.create_scratch_database("diff_tables")
    try:
        for text in texts:
            server.load_sql(name, text=text)
        with server.connect(name) as conn:
            return snapshot(conn, name)
    finally:
        server.drop_scratch_database(name)


def assert_same(expected, actual):
    diffs = compare(expected, actual)
    assert not diffs, f"{len(diffs)} differences:\n" + "\n".join(map(str, diffs[:30]))


@pytest.fixture
def server_url(mariadb_server, monkeypatch):
    monkeypatch.setenv("ISPYB_SCHEMA_DB_URL", mariadb_server.url)


@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_table_level_differences_are_steps_that_run(mariadb_server, server_url, tmp_path,
                                                    direction):
    old_text, new_text = (OLD, NEW) if direction == "forward" else (NEW, OLD)
    old, new = tmp_path / "old.sql", tmp_path / "new.sql"
    old.write_text(old_text)
    new.write_text(new_text)
    out = tmp_path / "table-level.yaml"
    result = CliRunner().invoke(cli, ["diff", "--via-server", str(old), str(new),
                                      "--accept-loss", "-o", str(out)])
    assert result.exit_code == 0, result.output
    ops = [next(iter(step)) for step in yaml.safe_load(out.read_text())["steps"]]
    expected_ops = {"alter_table_options", "add_check", "drop_check"}
    expected_ops |= {"add_fulltext_index", "add_spatial_index"} if direction == "forward" \
        else {"drop_index"}
    assert expected_ops <= set(ops), ops
    checked = validate([out], load_schema(old, via_server=True))
    assert not checked.diagnostics, "\n".join(map(str, checked.sorted_diagnostics()))
    (loaded,) = checked.proposals.values()
    base, walk = checked.bases[loaded.id], checked.walks[loaded.id]
    forward = render_plan(loaded, base, walk, "OLD")
    rollback = render_plan(loaded, base, walk, "OLD", rollback=True)
    assert_same(catalog(mariadb_server, new_text),
                catalog(mariadb_server, old_text, ROWS, forward))
    assert_same(catalog(mariadb_server, old_text),
                catalog(mariadb_server, old_text, ROWS, forward, rollback))


def test_an_engine_no_operation_sets_is_an_error_naming_it(tmp_path):
    old, new = tmp_path / "old.sql", tmp_path / "new.sql"
    old.write_text(f"CREATE TABLE `t` (`a` int(11) DEFAULT NULL) ENGINE=InnoDB {LATIN1};\n")
    new.write_text(f"CREATE TABLE `t` (`a` int(11) DEFAULT NULL) ENGINE=BLACKHOLE {LATIN1};\n")
    out = tmp_path / "x.yaml"
    result = CliRunner().invoke(cli, ["diff", str(old), str(new), "-o", str(out)])
    assert result.exit_code == 2 and not out.exists()
    assert "table t: error[E040]: engine changes to BLACKHOLE" in result.output


def test_rows_survive_the_new_auto_increment_key(mariadb_server, server_url, tmp_path):
    """Registry gains an AUTO_INCREMENT primary key column: added with its key in one ALTER,
    which numbers the existing rows."""
    old, new = tmp_path / "old.sql", tmp_path / "new.sql"
    old.write_text(OLD)
    new.write_text(NEW)
    out = tmp_path / "registry.yaml"
    assert CliRunner().invoke(cli, ["diff", "--via-server", str(old), str(new),
                                    "--accept-loss", "-o", str(out)]).exit_code == 0
    step = next(s["add_column"] for s in yaml.safe_load(out.read_text())["steps"]
                if "add_column" in s and s["add_column"]["table"] == "Registry")
    assert step["key"] == "primary" and step["first"] is True
    checked = validate([out], load_schema(old, via_server=True))
    (loaded,) = checked.proposals.values()
    forward = render_plan(loaded, checked.bases[loaded.id], checked.walks[loaded.id], "OLD")
    name = mariadb_server.create_scratch_database("diff_rows")
    try:
        for text in (OLD, ROWS, forward):
            mariadb_server.load_sql(name, text=text)
        with mariadb_server.connect(name) as conn, conn.cursor() as cur:
            cur.execute("SELECT `registryId`, `code` FROM `Registry` ORDER BY `registryId`")
            assert [tuple(r) for r in cur.fetchall()] == [(1, "a"), (2, "b")]
    finally:
        mariadb_server.drop_scratch_database(name)


def test_new_operations_refuse_what_mariadb_would(server_url, tmp_path):
    proposal = tmp_path / "bad.yaml"
    proposal.write_text("""id: bad
title: Bad
status: draft
authors: [{name: A, affiliation: B}]
created: 2026-01-01
steps:
  - alter_table_options: {table: Sample}
  - alter_table_options: {table: Sample, engine: Nonsense}
  - add_check: {table: Sample, name: c1, expression: "nothere > 2"}
  - add_check: {table: Sample, name: c2, expression: "(select 1) > 0"}
  - add_fulltext_index: {table: Sample, name: ft, columns: [size]}
  - add_spatial_index: {table: Sample, name: sp, columns: [name]}
  - drop_check: {table: Sample, name: nope}
""")
    base = tmp_path / "old.sql"
    base.write_text(OLD)
    checked = validate([proposal], load_schema(base, via_server=True))
    found = [(d.loc.line, d.code) for d in checked.sorted_diagnostics()]
    assert found == [(7, "E213"), (8, "E014"), (9, "E102"), (10, "E603"), (11, "E207"),
                     (12, "E207"), (12, "E207"), (13, "E103")], found


@pytest.mark.parametrize("text", [OLD, NEW], ids=["old", "new"])
def test_the_dump_importer_reads_them_as_the_server_does(server_url, tmp_path, text):
    """Geometry columns, FULLTEXT/SPATIAL keys, CHECKs and table options, from the file."""
    path = tmp_path / "schema.sql"
    path.write_text(text)
    assert load_schema(path) == load_schema(path, via_server=True)
