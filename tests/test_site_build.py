# SPDX-License-Identifier: LGPL-3.0-or-later
"""The review site builder: hand-made SiteModels on the embedded baseline, then the real project.

Each built site goes through ``mkdocs build --strict`` (no warning, no broken link or anchor)
and our own check that every local link and resource resolves inside the built site.
"""
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from ispyb_schema.baseline import load_schema
from ispyb_schema.cli.main import cli
from ispyb_schema.site.build import build_docs, write_tree
from ispyb_schema.site.collect import describe_source, next_meeting
from ispyb_schema.site.markup import cell, code, demote_headings
from ispyb_schema.site.publish import SiteBuildFailed, run_mkdocs
from ispyb_schema.site.tablediff import table_change
from sitemodels import ROOT, broken_links, copy_site_skeleton, grouping_proposal, sample_site

UPSTREAM_DUMP = ROOT.parent / "shared" / "ispyb-database" / "tables.sql"


@pytest.fixture(scope="module")
def model():
    return sample_site()


@pytest.fixture(scope="module")
def built(model, tmp_path_factory) -> Path:
    site = copy_site_skeleton(tmp_path_factory.mktemp("site"))
    build_docs(model, site / "docs")
    return run_mkdocs(site, strict=True)


def page(built: Path, relative: str) -> str:
    return (built / relative).read_text(encoding="utf-8")


# -- the hand-made site --------------------------------------------------------------------
def test_every_page_is_there(built, model):
    assert (built / "index.html").is_file()
    for p in model.proposals:
        assert (built / "generated" / "proposals" / f"{p.id}.html").is_file()
    for key, schema in (("baseline", model.baseline), ("accepted", model.accepted)):
        for name in schema.table_names():
            assert (built / "generated" / "schema" / key / f"{name}.html").is_file()
    assert (built / "generated" / "contributors.html").is_file()
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in page(built, "generated/LICENSE.LGPL.txt")


def test_no_broken_link_and_nothing_from_the_network(built):
    assert broken_links(built) == []


def test_home_has_the_agenda_in_order_and_the_status_board(built):
    home = page(built, "index.html")
    agenda = home[home.index('id="agenda-of-the-next-meeting"'):home.index('id="status-board"')]
    assert "2099-01-15" in agenda
    assert agenda.index("DC-001") < agenda.index("GRP-003")
    assert "SCR-002" not in agenda and "PRT-004" not in agenda
    board = home[home.index('id="status-board"'):]
    both = agenda + board  # each proposal once: on the agenda, or else on the board
    for expected in ('badge-under-review">under review', 'badge-accepted">accepted',
                     'badge-rejected">rejected', 'badge-draft">draft',
                     'badge-warn">lint: 1 warning', 'badge-ok">lint: clean',
                     'badge-ok">verify: passed', 'badge-fail">verify: failed',
                     'badge-none">verify: not run', "Karl Levik (Diamond)", "2026-11-20"):
        assert expected in both, expected
    assert 'href="generated/proposals/DC-001.html"' in agenda
    assert 'href="generated/proposals/DC-001.html"' not in board
    assert 'href="generated/proposals/SCR-002.html"' in board


def test_results_not_there_yet_say_not_run_yet(built):
    grouping = page(built, "generated/proposals/GRP-003.html")
    assert grouping.count("Not run yet") == 2  # lint, verification
    assert grouping.count("No routines or grants with this baseline") == 1  # says how to run it
    assert "--routines DUMP --grants FILE" in grouping
    snapshots = page(built, "generated/proposals/DC-001.html")
    assert "Not run yet" not in snapshots


def test_proposal_page_shows_its_production_forecast(built):
    snapshots = page(built, "generated/proposals/DC-001.html")
    assert "DataCollection read-only for ~1 min" in snapshots
    assert "ALGORITHM=COPY, LOCK=SHARED" in snapshots and "linear, holdout 8%" in snapshots
    assert "No forecast yet" in page(built, "generated/proposals/GRP-003.html")


def test_proposal_page_shows_the_column_changes(built):
    html = page(built, "generated/proposals/DC-001.html")
    diff = html[html.index('id="datacollection-changed"'):html.index("unchanged columns")]
    assert diff.count('badge-diff-removed">removed') == 4
    assert 'badge-diff-renamed">renamed' in diff and "<code>crystalClass</code>" in diff
    assert "<code>varchar(1024)</code>" in diff and "<code>text</code>" in diff
    assert diff.index("xtalSnapshotFullPath1") < diff.index("xtalSnapshotFullPath4")
    assert "97 unchanged columns" in html


def test_proposal_page_has_both_diagrams_with_the_table_names(built):
    html = page(built, "generated/proposals/DC-001.html")
    svgs = re.findall(r"<svg [^>]*class=\"erd\".*?</svg>", html, flags=re.S)
    assert len(svgs) == 2
    before, after = svgs
    for svg in svgs:
        for name in ("DataCollection", "DataCollectionFileAttachment", "DataCollectionGroup"):
            assert f">{name}</text>" in svg
    assert "erd-removed" in before and "xtalSnapshotFullPath1" in before
    assert "xtalSnapshotFullPath1" not in after and "crystalClass" in after


def test_proposal_page_has_sql_tabs_and_relations(built):
    html = page(built, "generated/proposals/DC-001.html")
    for title in ("Forward", "Data migration", "Rollback", "Upstream update script"):
        assert f">{title}</label>" in html
    assert '<span class="k">ALTER</span>' in html  # highlighted
    assert 'href="GRP-003.html"' in html  # required by GRP-003
    grouping = page(built, "generated/proposals/GRP-003.html")
    assert 'href="DC-001.html"' in grouping  # depends on, conflicts with, previous item
    assert "item 2 of 2" in grouping
    assert 'href="PRT-004.html"' in grouping  # supersedes


def test_added_removed_and_renamed_tables(built):
    grouping = page(built, "generated/proposals/GRP-003.html")
    assert 'badge-diff-added">added' in grouping and "None of these tables exists before" in grouping
    screening = page(built, "generated/proposals/SCR-002.html")
    assert 'badge-diff-removed">removed' in screening
    protein = page(built, "generated/proposals/PRT-004.html")
    assert "Renamed from <code>Protein</code>" in protein
    assert "<code>acronym</code> → <code>shortName</code>" in protein


def test_schema_browser_links_both_ways(built):
    dc = page(built, "generated/schema/baseline/DataCollection.html")
    group = page(built, "generated/schema/baseline/DataCollectionGroup.html")
    assert 'href="DataCollectionGroup.html#col-dataCollectionGroupId"' in dc
    assert 'href="DataCollection.html"' in group  # referenced by
    assert 'id="col-imagePrefix"' in dc
    assert 'href="../../proposals/DC-001.html"' in dc  # touched by


def test_accepted_browser_has_the_accepted_proposal_applied(built, model):
    index = page(built, "generated/schema/accepted/index.html")
    assert "removed by accepted proposals" in index and "ScreeningRank" in index
    assert not (built / "generated" / "schema" / "accepted" / "ScreeningRank.html").exists()
    assert (built / "generated" / "schema" / "baseline" / "ScreeningRank.html").exists()


def test_contributors_by_affiliation_and_the_licence(built):
    html = page(built, "generated/contributors.html")
    for affiliation in ("Diamond", "ESRF", "Global Phasing"):
        assert f">{affiliation}</h3>" in html or f">{affiliation}<a" in html
    assert html.index("Gerard Bricogne") < html.index("Rasmus Fogh")
    assert "LGPL-3.0-or-later" in html and 'href="LICENSE.LGPL.txt"' in html


def test_a_broken_link_fails_the_strict_build(model, tmp_path):
    small = model.baseline.subset(["BLSession", "Proposal", "BeamCalendar", "BeamLineSetup"])
    proposal = replace(grouping_proposal(small), motivation_md="See [the notes](nowhere.md).",
                       depends_on=(), supersedes=(), conflicts=())
    site = copy_site_skeleton(tmp_path)
    build_docs(replace(model, baseline=small, accepted=small, proposals=(proposal,)),
               site / "docs")
    with pytest.raises(SiteBuildFailed, match="nowhere.md"):
        run_mkdocs(site, strict=True)
    assert (run_mkdocs(site, strict=False) / "index.html").is_file()


# -- pieces ------------------------------------------------------------------------------
def test_write_tree_rewrites_only_changed_files_and_removes_stale_ones(tmp_path):
    assert write_tree({"a.md": "A", "sub/b.md": "B", "sub/c.md": "C"}, tmp_path) == 3
    assert write_tree({"a.md": "A", "sub/b.md": "B2"}, tmp_path) == 1
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.md")) == \
        ["a.md", "sub/b.md"]


def test_removed_column_stays_where_it_was(model):
    change = table_change(model.proposals[0], "DataCollection")
    names = [r.name for r in change.rows]
    assert names.index("xtalSnapshotFullPath1") == names.index("synchrotronMode") + 1


def test_markdown_helpers():
    assert cell("a | b *c* <d>") == r"a \| b \*c\* &lt;d&gt;"
    assert code("x`y") == "``x`y``"
    text = "# Title\n```\n# not a heading\n```\n## Sub"
    assert demote_headings(text) == "### Title\n```\n# not a heading\n```\n#### Sub"


def test_baseline_label_hides_the_password():
    assert describe_source("mysql://u:secret@db:3306/ispyb", ROOT) == "mysql://u@db:3306/ispyb"
    assert describe_source(str(ROOT / "schema"), ROOT) == "schema"


def test_next_meeting_is_the_first_from_today_on():
    meetings = ("2026-01-01", "2026-03-01", "2026-02-01")
    assert next_meeting(meetings, date(2026, 1, 15)) == "2026-02-01"
    assert next_meeting(meetings, date(2026, 3, 2)) is None


@pytest.mark.slow
@pytest.mark.upstream
@pytest.mark.skipif(not UPSTREAM_DUMP.is_file(), reason=f"{UPSTREAM_DUMP} is not there")
def test_strict_build_on_the_full_upstream_schema(tmp_path):
    upstream = load_schema(UPSTREAM_DUMP)
    site = copy_site_skeleton(tmp_path)
    build_docs(sample_site(upstream), site / "docs")
    built = run_mkdocs(site, strict=True)
    assert len(list((built / "generated" / "schema" / "baseline").glob("*.html"))) == 203 + 1
    assert broken_links(built) == []
    proposal = page(built, "generated/proposals/DC-001.html")
    assert "more referencing tables</text>" in proposal  # DataCollection has many neighbours


# -- the real project ------------------------------------------------------------------------
@pytest.mark.slow
def test_site_build_on_the_project(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, ["site", "build"])
    assert result.exit_code == 0, result.output
    built = ROOT / "site" / "site"
    assert (built / "index.html").is_file()
    assert (built / "generated" / "schema" / "baseline" / "DataCollection.html").is_file()
    assert broken_links(built) == []


def test_the_after_diagram_shows_the_views_a_proposal_adds():
    from ispyb_schema.changeset.validate import validate
    from ispyb_schema.site.erd import erd_svg

    base = load_schema(ROOT / "schema")
    proposal = ROOT / "proposals" / "datacollection-harmonisation.yaml"
    walk = validate([proposal], base).walks["datacollection-harmonisation"]
    [view] = [v.name for v in walk.model.views if base.view(v.name) is None]
    after = erd_svg(walk.model, ["DataCollection"], {}, {}, "after", views={view: "added"})
    assert f"{view} (view)" in after.svg and "reads DataCollection" in after.svg
    before = erd_svg(base, ["DataCollection"], {}, {}, "before", views={view: "added"})
    assert "(view)" not in before.svg  # not there before the proposal
