# SPDX-License-Identifier: LGPL-3.0-or-later
"""The site's adapter: proposal files in a project → the SiteModel the builder reads."""
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from ispyb_schema.config import find_project
from ispyb_schema.errors import InputError
from ispyb_schema.site.build import build_docs
from ispyb_schema.site.collect import collect_site
from ispyb_schema.site.publish import run_mkdocs
from sitemodels import ROOT, broken_links, copy_site_skeleton, embedded_baseline


TODAY = date(2026, 12, 1)
EXAMPLES = ROOT / "tests" / "data" / "proposals"  # the changeset's examples, every operation

SNAPSHOTS = """\
id: DC-001
title: Rename CRYSTALCLASS and drop the first snapshot column
status: under review
authors:
  - {name: Karl Levik, affiliation: Diamond}
created: 2026-10-01
last_discussed: 2026-11-20
meetings:
  - {date: 2026-11-20, name: ISPyB developers' meeting, minutes: "https://example.org/m"}
  - {date: 2027-01-15, name: ISPyB developers' meeting}
motivation: Legacy names.
steps:
  - rename_column: {table: DataCollection, from: CRYSTALCLASS, to: crystalClass}
  - drop_column:
      table: DataCollection
      column: xtalSnapshotFullPath1
      data_loss: {acknowledged: true, reason: "copied to the attachments table first"}
"""

RANKING = """\
id: SCR-002
title: Rename the screening rank set table
status: accepted
authors:
  - {name: Olof Svensson, affiliation: ESRF}
created: 2026-09-01
depends_on: [DC-001]
steps:
  - rename_table: {from: ScreeningRankSet, to: RankingRun}
"""


def project_with(tmp_path: Path, **proposals: str):
    (tmp_path / "pyproject.toml").write_text("[tool.ispyb-schema]\n", encoding="utf-8")
    folder = tmp_path / "proposals"
    folder.mkdir()
    for name, text in proposals.items():
        (folder / f"{name.replace('_', '-')}.yaml").write_text(text, encoding="utf-8")
    return find_project(tmp_path)


@pytest.fixture(scope="module")
def baseline():
    return embedded_baseline()


def test_no_proposals_gives_an_empty_board(tmp_path, baseline):
    model = collect_site(project_with(tmp_path), baseline, str(tmp_path / "schema"), TODAY)
    assert model.proposals == () and model.accepted is baseline


def test_proposals_become_pages_in_dependency_order(tmp_path, baseline):
    project = project_with(tmp_path, DC_001=SNAPSHOTS, SCR_002=RANKING)
    model = collect_site(project, baseline, str(tmp_path / "schema"), TODAY)
    snapshots, ranking = model.proposals
    assert (snapshots.id, ranking.id) == ("DC-001", "SCR-002")  # SCR-002 is older but depends
    assert snapshots.next_meeting == "2027-01-15" and ranking.next_meeting is None
    assert snapshots.source == "proposals/DC-001.yaml"
    assert [(r.table, r.old, r.new) for r in snapshots.renamed_columns] == \
        [("DataCollection", "CRYSTALCLASS", "crystalClass")]
    assert snapshots.after.table("DataCollection").column("xtalSnapshotFullPath1") is None
    assert snapshots.decisions[0].date == "2026-11-20" and "minutes" in snapshots.decisions[0].text
    assert "crystalClass" in snapshots.forward_sql and "CRYSTALCLASS" in snapshots.rollback_sql
    assert "SchemaStatus" in snapshots.upstream_sql
    # SCR-002 starts from the schema its dependency leaves
    assert ranking.before.table("DataCollection").column("xtalSnapshotFullPath1") is None
    assert [(r.old, r.new) for r in ranking.renamed_tables] == [("ScreeningRankSet", "RankingRun")]
    # only the accepted one is in the "with accepted proposals" schema
    assert model.accepted.table("RankingRun") is not None
    assert model.accepted.table("DataCollection").column("xtalSnapshotFullPath1") is not None


def test_a_broken_proposal_is_reported_at_its_file(tmp_path, baseline):
    project = project_with(tmp_path, DC_001=SNAPSHOTS.replace("status: under review",
                                                              "status: maybe"))
    with pytest.raises(InputError) as err:
        collect_site(project, baseline, "schema", TODAY)
    assert "DC-001.yaml:3" in str(err.value)


def test_a_dependency_cycle_is_an_error(tmp_path, baseline):
    cyclic = SNAPSHOTS.replace("motivation:", "depends_on: [SCR-002]\nmotivation:")
    project = project_with(tmp_path, DC_001=cyclic, SCR_002=RANKING)
    with pytest.raises(InputError, match="cycle"):
        collect_site(project, baseline, "schema", TODAY)


@pytest.mark.slow
@pytest.mark.skipif(not EXAMPLES.is_dir(), reason=f"{EXAMPLES} is not there")
def test_the_changeset_examples_build_a_strict_site(tmp_path, baseline):
    site = copy_site_skeleton(tmp_path)
    project = replace(find_project(ROOT), proposals=EXAMPLES, site=site)
    model = collect_site(project, baseline, str(ROOT / "schema"), TODAY)
    assert len(model.proposals) == len(list(EXAMPLES.glob("*.yaml")))
    build_docs(model, site / "docs")
    built = run_mkdocs(site, strict=True)
    assert broken_links(built) == []
    for page in model.proposals:
        html = (built / "generated" / "proposals" / f"{page.id}.html").read_text(encoding="utf-8")
        assert "ispyb-schema forward script" in html
        views_only = page.before.tables == page.after.tables
        assert (html.count('class="erd"') == 0) == views_only, page.id
    views = (built / "generated" / "proposals" / "views.html").read_text(encoding="utf-8")
    assert "Added: view v_DataCollectionSummary" in views and "No table changes." in views
