# SPDX-License-Identifier: LGPL-3.0-or-later
"""Every upstream release dump in ``../shared/ispyb-database/history/`` (2019 to 2026, views and
all) survives import -> model -> DDL: the DDL gives the information_schema the dump gives,
views included (information_schema.VIEWS and each view column's charset), whether the model
was read from the file or from the server the file was loaded into.
"""
import pytest
from history import RELEASES, assert_same, dump, loaded

from ispyb_schema.baseline import load_schema
from ispyb_schema.render.ddl import schema_ddl, view_order

pytestmark = [
    pytest.mark.upstream,
    pytest.mark.skipif(not RELEASES, reason="../shared/ispyb-database/history is not there"),
]


@pytest.mark.slow
@pytest.mark.parametrize("release", RELEASES)
def test_release_dump_round_trips_through_ddl(mariadb_server, releases, release):
    expected, live_model = releases.catalog(release), releases.live_model(release)
    dump_model = load_schema(dump(release))
    assert len(expected["TABLES"]) == len(dump_model.tables) + len(dump_model.views)
    assert_same(expected, loaded(mariadb_server, "hist_file", schema_ddl(dump_model)))
    from_server, reimported = loaded(mariadb_server, "hist_live", schema_ddl(live_model),
                                     model=True)
    assert_same(expected, from_server)
    assert reimported == live_model


def test_views_come_after_the_views_they_read():
    if "v2.1.0" not in RELEASES:
        pytest.skip("no v2.1.0 dump")
    views = view_order(load_schema(dump("v2.1.0")).views)
    position = {v.name: i for i, v in enumerate(views)}
    assert len(views) == 23
    # v_dewarBeamlineByWeek reads v_week (a view): alphabetical order would put it first
    assert position["v_week"] < position["v_dewarBeamlineByWeek"]
    for view in views:
        for other in position:
            if other != view.name and f"`{other}`" in view.definition:
                assert position[other] < position[view.name], (other, view.name)
