# SPDX-License-Identifier: LGPL-3.0-or-later
"""Dumps that other tools and other years write: mariadb-dump's view stand-ins, the non-M
COMPRESSED form, phpMyAdmin exports (tables completed by ALTER TABLE, stand-ins for views,
CREATE DATABASE/USE), and --via-server for what the importer does not read.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ispyb_schema.cli.main import cli
from ispyb_schema.errors import InputError
from ispyb_schema.importer.dump import import_dump
from ispyb_schema.importer.live import import_connection
from ispyb_schema.model import Schema, Table
from ispyb_schema.render.ddl import (
    column_definition,
    create_view,
    foreign_key_definition,
    index_definition,
    schema_ddl,
)
from ispyb_schema.render.quote import ident

HISTORY = Path(__file__).resolve().parents[1].parent / "shared" / "ispyb-database" / "history"
V2 = HISTORY / "v2.1.0" / "tables.sql"


def read(text: str) -> Schema:
    return import_dump("dump.sql", text=text)


# -- phpMyAdmin's style, written from a model ---------------------------------------------
def phpmyadmin_export(schema: Schema, database: str = "ispyb",
                      unreadable_views: tuple[str, ...] = (),
                      view_columns: dict[str, list[tuple[str, str]]] | None = None) -> str:
    """The schema as phpMyAdmin exports it: bare CREATE TABLEs, stand-ins for views without
    table options, the views, then ALTER TABLEs adding keys, AUTO_INCREMENT and foreign keys."""
    out = ["-- phpMyAdmin SQL Dump", "-- version 5.2.1", "",
           'SET SQL_MODE = "NO_AUTO_VALUE_ON_ZERO";', "START TRANSACTION;",
           'SET time_zone = "+00:00";', "",
           "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;",
           "/*!40101 SET NAMES utf8mb4 */;", "", f"--\n-- Database: `{database}`\n--",
           f"CREATE DATABASE IF NOT EXISTS `{database}` DEFAULT CHARACTER SET latin1 "
           "COLLATE latin1_swedish_ci;", f"USE `{database}`;", ""]
    for table in schema.tables:
        bare = [column_definition(table, c).replace(" AUTO_INCREMENT", "")
                for c in table.columns]
        options = f"ENGINE={table.engine} DEFAULT CHARSET={table.charset} " \
                  f"COLLATE={table.collation}"
        if table.comment:
            options += " COMMENT=" + "'" + table.comment.replace("'", "''") + "'"
        out += [f"--\n-- Table structure for table `{table.name}`\n--\n",
                f"CREATE TABLE {ident(table.name)} (\n  " + ",\n  ".join(bare)
                + f"\n) {options};\n"]
    for name in (*[v.name for v in schema.views], *unreadable_views):
        columns = (view_columns or {}).get(name) or [("x", "int(11)"), ("y", "varchar(45)")]
        body = "\n,".join(f"{ident(c)} {t}" for c, t in columns)
        out += [f"--\n-- Stand-in structure for view `{name}`\n-- (See below for the actual "
                f"view)\n--", f"CREATE TABLE `{name}` (\n{body}\n);\n"]
    for name in unreadable_views:
        out.append(f"DROP TABLE IF EXISTS `{name}`;")
    for view in schema.views:
        out += [f"--\n-- Structure for view `{view.name}`\n--",
                f"DROP TABLE IF EXISTS `{view.name}`;", "", create_view(view), ""]
    out.append("--\n-- Indexes for dumped tables\n--")
    for table in schema.tables:
        if table.indexes:
            out.append(f"ALTER TABLE {ident(table.name)}\n  "
                       + ",\n  ".join("ADD " + index_definition(i) for i in table.indexes)
                       + ";")
    for table in schema.tables:
        for column in table.columns:
            if column.auto_increment:
                out.append(f"ALTER TABLE {ident(table.name)}\n  MODIFY "
                           f"{column_definition(table, column)}, AUTO_INCREMENT=42;")
    for table in schema.tables:
        if table.foreign_keys:
            out.append(f"ALTER TABLE {ident(table.name)}\n  "
                       + ",\n  ".join("ADD " + foreign_key_definition(f)
                                      for f in table.foreign_keys) + ";")
    out += ["COMMIT;", "", "/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;"]
    return "\n".join(out) + "\n"


SMALL = """
CREATE TABLE `Person` (`personId` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `login` varchar(45) DEFAULT NULL, PRIMARY KEY (`personId`), UNIQUE KEY `login` (`login`))
  ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci;
CREATE TABLE `Proposal` (`proposalId` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `personId` int(10) unsigned NOT NULL, `title` varchar(200) DEFAULT NULL,
  PRIMARY KEY (`proposalId`), KEY `Proposal_FK1` (`personId`),
  CONSTRAINT `Proposal_ibfk_1` FOREIGN KEY (`personId`) REFERENCES `Person` (`personId`)
  ON DELETE CASCADE) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci
  COMMENT='it''s a proposal';
CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY INVOKER VIEW `v_people`
  AS select `p`.`login` AS `login` from `Person` `p`;
"""


def test_phpmyadmin_export_reads_as_the_model_it_was_written_from():
    model = read(SMALL)
    text = phpmyadmin_export(model, unreadable_views=("v_secret",))
    again = read(text)
    # the export's SET NAMES utf8mb4 is the views' client charset; everything else is equal
    assert again.tables == model.tables
    (view,) = again.views
    assert (view.definer, view.security, view.client_charset, view.connection_collation) == (
        "root@localhost", "INVOKER", "utf8mb4", "utf8mb4_general_ci")


def test_standin_left_without_charset_is_refused_with_a_way_on():
    with pytest.raises(InputError) as info:
        read("CREATE TABLE `v_x` (\n`a` int(11)\n);\n")
    (problem,) = info.value.diagnostics
    assert (problem.loc.line, problem.code) == (1, "E032")
    assert "no DEFAULT CHARSET" in problem.message and "--via-server" in problem.message


def test_alter_table_clause_not_understood_is_located():
    text = SMALL + "ALTER TABLE `Person` ADD COLUMN `x` int AFTER `login`;\n" \
                   "ALTER TABLE `Nope` ADD KEY `k` (`a`);\n"
    with pytest.raises(InputError) as info:
        read(text)
    found = [(d.loc.line, d.message.split(";")[0]) for d in info.value.diagnostics]
    assert found[0][0] == 13 and "unsupported clause" in found[0][1]
    assert found[1][0] == 14 and "no such table created before it" in found[1][1]


def test_non_m_compressed_and_mariadb_dump_standins():
    text = ("SET NAMES utf8mb4;\n"
            "CREATE TABLE `PDB` (`code` longtext /*!100301 COMPRESSED*/ DEFAULT NULL)"
            " ENGINE=InnoDB DEFAULT CHARSET=latin1;\n"
            "SET @saved_cs_client     = @@character_set_client;\n"
            "SET character_set_client = utf8;\n"
            "/*!50001 CREATE TABLE `v_pdb` (\n  `code` tinyint NOT NULL\n) ENGINE=MyISAM */;\n"
            "SET character_set_client = @saved_cs_client;\n"
            "/*!50001 DROP TABLE IF EXISTS `v_pdb`*/;\n"
            "/*!50001 SET @saved_cs_client          = @@character_set_client */;\n"
            "/*!50001 SET @saved_col_connection     = @@collation_connection */;\n"
            "/*!50001 SET character_set_client      = latin1 */;\n"
            "/*!50001 SET collation_connection      = latin1_swedish_ci */;\n"
            "/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013 SQL SECURITY INVOKER */\n"
            "/*!50001 VIEW `v_pdb` AS select `PDB`.`code` AS `code` from `PDB` */;\n"
            "/*!50001 SET character_set_client      = @saved_cs_client */;\n"
            "/*!50001 SET collation_connection      = @saved_col_connection */;\n"
            "CREATE VIEW `v_later` AS select 1 AS `one`;\n")
    schema = read(text)
    assert schema.table("PDB").columns[0].compressed
    assert [t.name for t in schema.tables] == ["PDB"]
    later, pdb = schema.views
    assert (pdb.client_charset, pdb.connection_collation, pdb.definer) == (
        "latin1", "latin1_swedish_ci", None)
    assert (later.client_charset, later.connection_collation) == ("utf8mb4", "utf8mb4_general_ci")


@pytest.mark.slow
def test_phpmyadmin_export_of_a_real_release_gives_the_live_model(mariadb_server, releases):
    """v2.1.0 (203 tables, 23 views on views) loaded by the server, exported in phpMyAdmin's
    style from its live model; that export, read by the importer and loaded by the server,
    gives one and the same model."""
    if not V2.is_file():
        pytest.skip(f"{V2} is not there")
    live, catalog = releases.live_model("v2.1.0"), releases.catalog("v2.1.0")
    views = {v.name for v in live.views}
    columns: dict[str, list[tuple[str, str]]] = {}
    for (view, _), row in sorted(catalog["COLUMNS"].items(),
                                 key=lambda item: (item[0][0], dict(item[1])["ORDINAL_POSITION"])):
        if view in views:
            columns.setdefault(view, []).append((dict(row)["COLUMN_NAME"],
                                                 dict(row)["COLUMN_TYPE"]))
    text = phpmyadmin_export(live, view_columns=columns)
    target = mariadb_server.create_scratch_database("pma_target")
    try:
        mariadb_server.load_sql(target, text=text.replace("USE `ispyb`;", ""))
        with mariadb_server.connect(target) as conn:
            loaded = import_connection(conn, target)
    finally:
        mariadb_server.drop_scratch_database(target)
    imported = read(text)
    assert imported == loaded
    assert imported.tables == live.tables and len(imported.views) == 23


def test_via_server_reads_what_the_importer_does_not(tmp_path, mariadb_server, monkeypatch):
    monkeypatch.setenv("ISPYB_SCHEMA_DB_URL", mariadb_server.url)
    dump = tmp_path / "with-routine.sql"
    dump.write_text("DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDELIMITER ;\n"
                    "CREATE TABLE `t` (`a` int NOT NULL, PRIMARY KEY (`a`)) "
                    "ENGINE=InnoDB DEFAULT CHARSET=latin1;\n")
    out = tmp_path / "out.yaml"
    refused = CliRunner().invoke(cli, ["import", str(dump), "-o", str(out)])
    assert refused.exit_code == 2 and "--via-server" in refused.output and not out.exists()
    done = CliRunner().invoke(cli, ["import", "--via-server", str(dump), "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert "table: t" in out.read_text() or "- table: t" in out.read_text()
    (tmp_path / "bad.sql").write_text("CREATE TABLE `t` (`a` nonsense);\n")
    bad = CliRunner().invoke(cli, ["ddl", "--via-server", "--baseline", str(tmp_path / "bad.sql")])
    assert bad.exit_code == 2 and "bad.sql:1" in bad.output and "MariaDB refused" in bad.output
    # the flag held for those commands only: the next one in this process reads the file itself
    again = CliRunner().invoke(cli, ["ddl", "--baseline", str(dump)])
    assert again.exit_code == 2 and "MariaDB refused" not in again.output
    assert "--via-server" in again.output


def test_view_check_option_is_read():
    schema = read("CREATE TABLE t (a int) DEFAULT CHARSET=latin1;\n"
                  "CREATE VIEW v AS select a from t WITH LOCAL CHECK OPTION;\n"
                  "CREATE VIEW w AS select a from t WITH CASCADED CHECK OPTION;\n")
    assert [(v.name, v.check_option) for v in schema.views] == [("v", "LOCAL"), ("w", "CASCADED")]


def test_live_view_with_check_option_round_trips(mariadb_server):
    """SHOW CREATE VIEW ends with the check option; the model keeps it once."""
    text = ("CREATE TABLE `t` (`a` int(11) DEFAULT NULL) ENGINE=InnoDB DEFAULT CHARSET=latin1;\n"
            "CREATE VIEW `v` AS select `t`.`a` AS `a` from `t` where `t`.`a` > 0 "
            "WITH LOCAL CHECK OPTION;\n")
    first, second = (mariadb_server.create_scratch_database(p) for p in ("chk_a", "chk_b"))
    try:
        mariadb_server.load_sql(first, text=text)
        with mariadb_server.connect(first) as conn:
            live = import_connection(conn, first)
        (view,) = live.views
        assert view.check_option == "LOCAL" and "CHECK OPTION" not in view.definition.upper()
        ddl = schema_ddl(live)
        assert ddl.upper().count("CHECK OPTION") == 1
        mariadb_server.load_sql(second, text=ddl)
        with mariadb_server.connect(second) as conn:
            assert import_connection(conn, second).views == live.views
    finally:
        mariadb_server.drop_scratch_database(first)
        mariadb_server.drop_scratch_database(second)
