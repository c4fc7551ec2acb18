# SPDX-License-Identifier: LGPL-3.0-or-later
"""The harness's Template: a clone equals the loaded database, and reset copies back exactly
what a run changed (definitions, rows, AUTO_INCREMENT counters) and drops what it added."""
from __future__ import annotations

from contextlib import closing
from pathlib import Path

from ispyb_schema.baseline import load_schema
from ispyb_schema.fixtures import fixture_sql
from ispyb_schema.harness.template import Objects, Template, digests
from ispyb_schema.render.ddl import schema_ddl

ROOT = Path(__file__).resolve().parents[1]
EMBEDDED = load_schema(ROOT / "schema")


def test_clone_and_reset(mariadb_server, scratch_db):
    mariadb_server.load_sql(scratch_db.name, text=schema_ddl(EMBEDDED) + fixture_sql(
        EMBEDDED, [ROOT / "schema" / "fixtures"]))
    template = Template(mariadb_server, scratch_db.name, EMBEDDED)
    copy = template.clone("ispyb_test_clone")
    try:
        with closing(mariadb_server.connect(copy)) as conn:
            assert digests(conn, EMBEDDED) == template.digests
            assert Objects.read(conn) == template.objects
            with conn.cursor() as cur:
                cur.execute("ALTER TABLE `Detector` ADD COLUMN `localCode` varchar(8)")
                cur.execute("DELETE FROM `Crystal` ORDER BY `crystalId` DESC LIMIT 1")
                cur.execute("CREATE TABLE `Extra` (`id` int PRIMARY KEY)")
        restored = template.reset(copy, frozenset({"Detector", "Crystal", "Extra"}))
        # BLSample: the deleted crystal's samples went with it (ON DELETE CASCADE), and
        # every table's rows are compared, not only the tables named
        assert sorted(restored) == ["-Extra", "BLSample", "Crystal", "Detector"]
        with closing(mariadb_server.connect(copy)) as conn:
            assert digests(conn, EMBEDDED) == template.digests
            assert Objects.read(conn) == template.objects
        assert template.reset(copy) == []
    finally:
        mariadb_server.drop_scratch_database(copy)
