# SPDX-License-Identifier: LGPL-3.0-or-later
"""Fidelity on the real thing: the upstream ISPyB schema survives import -> model -> DDL.

Database A gets the upstream dump; the model imported from the dump (and, separately, from A's
information_schema) is emitted as DDL into database B; A's and B's catalogs must not differ
in one row over all 203 tables.
"""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ispyb_schema.baseline import load_schema
from ispyb_schema.catalog import compare, snapshot
from ispyb_schema.importer.dump import import_dump
from ispyb_schema.importer.live import import_connection
from ispyb_schema.model import diff_schemas
from ispyb_schema.render.ddl import schema_ddl

ROOT = Path(__file__).resolve().parents[1]
UPSTREAM = ROOT.parent / "shared" / "ispyb-database"
TABLES_SQL = UPSTREAM / "tables.sql"

pytestmark = [
    pytest.mark.upstream,
    pytest.mark.db,
    pytest.mark.skipif(not TABLES_SQL.is_file(), reason=f"{TABLES_SQL} is not there"),
]


@pytest.fixture(scope="module")
def upstream_db(mariadb_server):
    """Database A: the upstream dump loaded by the server itself."""
    name = mariadb_server.create_scratch_database("fidelity_a")
    mariadb_server.load_sql(name, TABLES_SQL)
    yield name
    mariadb_server.drop_scratch_database(name)


@pytest.fixture(scope="module")
def upstream_catalog(mariadb_server, upstream_db):
    with mariadb_server.connect(upstream_db) as conn:
        return snapshot(conn, upstream_db)


@pytest.fixture(scope="module")
def dump_model():
    return import_dump(TABLES_SQL)


def load_and_snapshot(server, ddl: str, prefix: str):
    name = server.create_scratch_database(prefix)
    try:
        server.load_sql(name, text=ddl)
        with server.connect(name) as conn:
            return snapshot(conn, name), import_connection(conn, name)
    finally:
        server.drop_scratch_database(name)


def assert_no_catalog_differences(expected, actual):
    diffs = compare(expected, actual)
    assert not diffs, f"{len(diffs)} catalog differences:\n" + "\n".join(map(str, diffs[:40]))


def test_upstream_dump_has_203_tables(upstream_catalog, dump_model):
    assert len(upstream_catalog["TABLES"]) == 203
    assert len(dump_model) == 203


def test_dump_import_then_ddl_reproduces_the_catalog(mariadb_server, upstream_catalog, dump_model):
    catalog, _ = load_and_snapshot(mariadb_server, schema_ddl(dump_model), "fidelity_dump")
    assert_no_catalog_differences(upstream_catalog, catalog)


def test_live_import_then_ddl_reproduces_the_catalog(mariadb_server, upstream_db, upstream_catalog):
    with mariadb_server.connect(upstream_db) as conn:
        live_model = import_connection(conn, upstream_db)
    catalog, reimported = load_and_snapshot(mariadb_server, schema_ddl(live_model), "fidelity_live")
    assert_no_catalog_differences(upstream_catalog, catalog)
    assert reimported == live_model


def test_dump_and_live_importers_give_the_same_model(mariadb_server, upstream_db, dump_model):
    with mariadb_server.connect(upstream_db) as conn:
        live_model = import_connection(conn, upstream_db)
    assert live_model == dump_model, str(diff_schemas(dump_model, live_model))


def test_embedded_baseline_agrees_with_upstream_on_every_table_it_contains(dump_model):
    embedded = load_schema(ROOT / "schema")
    missing = [n for n in embedded.table_names() if dump_model.table(n) is None]
    assert not missing, f"tables not in the upstream dump: {missing}"
    upstream = dump_model.subset(embedded.table_names())
    differences = diff_schemas(upstream, embedded, ignore=frozenset({"comment"}))
    assert not differences, str(differences)


def test_embedded_baseline_loads_with_the_upstream_catalog(mariadb_server, upstream_catalog):
    """The embedded model's DDL gives, table for table, the upstream catalog (comments aside)."""
    embedded = load_schema(ROOT / "schema")
    catalog, _ = load_and_snapshot(mariadb_server, schema_ddl(embedded), "fidelity_embedded")
    names = set(embedded.table_names())
    expected = {
        view: {key: row for key, row in rows.items() if key[0] in names}
        for view, rows in upstream_catalog.items()
    }
    ignore = frozenset({"TABLE_COMMENT", "COLUMN_COMMENT"})
    diffs = compare(expected, catalog, ignore_columns=ignore)
    assert not diffs, "\n".join(map(str, diffs[:40]))


@pytest.mark.skipif(shutil.which("mariadb-dump") is None, reason="no mariadb-dump client")
def test_views_read_the_same_from_a_dump_and_from_the_server(mariadb_server, upstream_db):
    """mariadb-dump output and information_schema give the same view, without db qualifiers."""
    name = mariadb_server.create_scratch_database("fidelity_views")
    try:
        mariadb_server.load_sql(name, text=(
            "CREATE TABLE `Person` (`personId` int(10) unsigned NOT NULL AUTO_INCREMENT,"
            " `login` varchar(45) DEFAULT NULL, PRIMARY KEY (`personId`))"
            " ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci;\n"
            "CREATE VIEW `v_staff` AS SELECT p.personId, p.login FROM Person p"
            " WHERE p.personId > 3;\n"))
        env = {**os.environ, "MYSQL_PWD": mariadb_server.password}
        dump = subprocess.run(
            ["mariadb-dump", "--no-defaults", "-h", mariadb_server.host,
             "-P", str(mariadb_server.port), "-u", mariadb_server.user, "--no-data", name],
            capture_output=True, text=True, env=env, check=True).stdout
        from_dump = import_dump("views.sql", text=dump)
        with mariadb_server.connect() as conn:  # no default database: the importer must cope
            from_server = import_connection(conn, name)
        assert from_dump == from_server
        assert f"`{name}`" not in from_server.views[0].definition
    finally:
        mariadb_server.drop_scratch_database(name)
