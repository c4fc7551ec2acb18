# SPDX-License-Identifier: LGPL-3.0-or-later
"""Every upstream release dump in ``../shared/ispyb-database/history/`` (2019 to 2026, views and
all) survives import -> model -> DDL: the DDL gives the information_schema the dump gives,
views included (information_schema.VIEWS and each view column's charset), whether the model
was read from the file or from the server the file was loaded into.
"""
from pathlib import Path

import pytest

from ispyb_schema.catalog import compare, snapshot
from ispyb_schema.importer.dump import import_dump
from ispyb_schema.importer.live import import_connection
from ispyb_schema.render.ddl import schema_ddl, view_order

HISTORY = Path(__file__).resolve().parents[1].parent / "shared" / "ispyb-database" / "history"
RELEASES = sorted(p.name for p in HISTORY.glob("v*")) if HISTORY.is_dir() else []

pytestmark = [
    pytest.mark.upstream,
    pytest.mark.skipif(not RELEASES, reason=f"{HISTORY} is not there"),
]


def loaded(server, prefix: str, *, path=None, text=None):
    """(catalog, live model) of a scratch database loaded with a file or DDL text."""
    name = server.create_scratch_database(prefix)
    try:
        server.load_sql(name, path, text=text)
        with server.connect(name) as conn:
            return snapshot(conn, name), import_connection(conn, name)
    finally:
        server.drop_scratch_database(name)


def assert_same_catalog(expected, actual):
    diffs = compare(expected, actual)
    assert not diffs, f"{len(diffs)} catalog differences:\n" + "\n".join(map(str, diffs[:30]))


@pytest.mark.slow
@pytest.mark.parametrize("release", RELEASES)
def test_release_dump_round_trips_through_ddl(mariadb_server, release):
    dump = HISTORY / release / "tables.sql"
    expected, live_model = loaded(mariadb_server, "hist_a", path=dump)
    dump_model = import_dump(dump)
    assert len(expected["TABLES"]) == len(dump_model.tables) + len(dump_model.views)
    from_file, _ = loaded(mariadb_server, "hist_file", text=schema_ddl(dump_model))
    assert_same_catalog(expected, from_file)
    from_server, reimported = loaded(mariadb_server, "hist_live", text=schema_ddl(live_model))
    assert_same_catalog(expected, from_server)
    assert reimported == live_model


def test_views_come_after_the_views_they_read():
    dump = HISTORY / "v2.1.0" / "tables.sql"
    if not dump.is_file():
        pytest.skip("no v2.1.0 dump")
    views = view_order(import_dump(dump).views)
    position = {v.name: i for i, v in enumerate(views)}
    assert len(views) == 23
    # v_dewarBeamlineByWeek reads v_week (a view): alphabetical order would put it first
    assert position["v_week"] < position["v_dewarBeamlineByWeek"]
    for view in views:
        for other in position:
            if other != view.name and f"`{other}`" in view.definition:
                assert position[other] < position[view.name], (other, view.name)
