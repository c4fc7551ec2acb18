# SPDX-License-Identifier: LGPL-3.0-or-later
"""Helpers of the review-site tests and benchmark: hand-made SiteModels on the embedded
baseline, the site skeleton, and a link checker for a built site.

Each proposal's ``after`` is the baseline changed by hand the way a changeset would change it,
so the site builder is exercised on real tables without the changeset machinery.
"""
from __future__ import annotations

import shutil
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ispyb_schema.baseline import load_schema
from ispyb_schema.model import Column, ColumnType, ForeignKey, Index, IndexPart, Schema, Table
from ispyb_schema.site.viewmodel import (
    Author,
    ColumnRename,
    Conflict,
    Decision,
    Forecast,
    ForecastRow,
    ImpactItem,
    LintFinding,
    ProposalPage,
    RowCount,
    SiteModel,
    TableRename,
    Verification,
    VerificationStep,
)

ROOT = Path(__file__).resolve().parents[1]
NEXT_MEETING = "2099-01-15"
SNAPSHOTS = [f"xtalSnapshotFullPath{i}" for i in range(1, 5)]


def copy_site_skeleton(dest: Path) -> Path:
    """The committed, hand-written part of site/ (mkdocs.yml, index.md, assets) under dest."""
    site = dest / "site"
    (site / "docs").mkdir(parents=True)
    shutil.copy(ROOT / "site" / "mkdocs.yml", site)
    shutil.copy(ROOT / "site" / "docs" / "index.md", site / "docs")
    shutil.copytree(ROOT / "site" / "docs" / "assets", site / "docs" / "assets")
    return site


class Links(HTMLParser):
    """Every link (``<a href>``) and every resource the page loads (``src``, ``<link href>``)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, bool]] = []  # (url, is a resource)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.urls.append((value, tag != "a"))


def broken_links(built: Path) -> list[str]:
    """Local links and resources that do not resolve, and any resource from the network."""
    problems = []
    for html in built.rglob("*.html"):
        parser = Links()
        parser.feed(html.read_text(encoding="utf-8"))
        for url, resource in parser.urls:
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") and resource:
                problems.append(f"{html.name}: loads {url} from the network")
            elif not parts.scheme and parts.path:
                base = built if parts.path.startswith("/") else html.parent  # 404.html: absolute
                target = (base / unquote(parts.path).lstrip("/")).resolve()
                if not target.exists():
                    problems.append(f"{html.relative_to(built)}: {url}")
    return problems


def embedded_baseline() -> Schema:
    return load_schema(ROOT / "schema")


def change_table(schema: Schema, name: str, drop=(), rename=None, retype=None,
                 add=(), new_name=None) -> Schema:
    """``schema`` with table ``name`` changed: columns dropped, renamed, retyped or added."""
    rename, retype = rename or {}, retype or {}
    table = schema.table(name)
    columns = []
    for col in table.columns:
        if col.name in drop:
            continue
        col = replace(col, name=rename.get(col.name, col.name))
        if col.name in retype:
            col = replace(col, type=ColumnType.parse(retype[col.name]))
        columns.append(col)
    changed = table.with_changes(name=new_name or name, columns=tuple(columns) + tuple(add))
    return schema.without_table(name).with_table(changed)


def snapshots_proposal(baseline: Schema) -> ProposalPage:
    after = change_table(baseline, "DataCollection", drop=SNAPSHOTS,
                         rename={"CRYSTALCLASS": "crystalClass"},
                         retype={"comments": "text"})
    forward = ("INSERT INTO DataCollectionFileAttachment (dataCollectionId, fileFullPath, fileType)\n"
               "  SELECT dataCollectionId, xtalSnapshotFullPath1, 'snapshot' FROM DataCollection\n"
               "  WHERE xtalSnapshotFullPath1 IS NOT NULL;\n"
               "ALTER TABLE DataCollection\n"
               + ",\n".join(f"  DROP COLUMN {c}" for c in SNAPSHOTS)
               + ",\n  CHANGE CRYSTALCLASS crystalClass varchar(20),\n"
               "  MODIFY comments text;")
    return ProposalPage(
        id="DC-001", title="Move the four snapshot columns to DataCollectionFileAttachment",
        status="under review",
        authors=(Author("Karl Levik", "Diamond"), Author("Olof Svensson", "ESRF")),
        before=baseline, after=after,
        touched_tables=("DataCollection", "DataCollectionFileAttachment"),
        forward_sql=forward,
        migration_sql="-- done by the INSERT … SELECT in the forward script",
        rollback_sql="ALTER TABLE DataCollection\n  ADD COLUMN xtalSnapshotFullPath1 varchar(255);",
        upstream_sql="INSERT IGNORE INTO SchemaStatus (scriptName, schemaStatus) "
                     "VALUES ('2099_01_15_snapshots.sql', 'ONGOING');",
        created="2026-10-01", last_discussed="2026-11-20",
        meetings=("2026-11-20", NEXT_MEETING), next_meeting=NEXT_MEETING,
        motivation_md="`DataCollection` has **103 columns**; four hold snapshot paths.\n\n"
                      "# A heading the author wrote\n\nIt must not outrank the page's own.",
        discussion_md="- ESRF: fine, if the web client reads the attachments.",
        decisions=(Decision("2026-11-20", "Keep the enum value `snapshot`; no new type."),),
        renamed_columns=(ColumnRename("DataCollection", "CRYSTALCLASS", "crystalClass"),),
        lint=(LintFinding("ISP101", "warning", "drops DataCollection.xtalSnapshotFullPath2",
                          "proposals/DC-001.yaml:12:7"),),
        impact=(ImpactItem("view", "v_datacollection_summary", "selects xtalSnapshotFullPath1"),),
        verification=Verification(
            passed=True, ran_at="2026-11-21T10:00:00Z", server="MariaDB 10.11 (ephemeral)",
            steps=(VerificationStep("forward", True, 1.25),
                   VerificationStep("compare", True, 0.4),
                   VerificationStep("rollback", True, 0.9)),
            row_counts=(RowCount("DataCollectionFileAttachment", 10, 34),)),
        forecast=Forecast(
            "measured at 10,000, 30,000 and 100,000 DataCollection rows on a test server",
            ("1 M DataCollection", "10 M DataCollection"),
            ("at 1 M DataCollection: ~12 s in total; cluster writes blocked ~2 s under TOI",
             "at 10 M DataCollection: ~2 min in total; DataCollection read-only for ~1 min; "
             "cluster writes blocked ~1 min under TOI"),
            (ForecastRow(1, "ALTER TABLE `DataCollection` DROP COLUMN `xtalSnapshotFullPath1`",
                         "ALGORITHM=COPY, LOCK=SHARED", "linear, holdout 8%", ("6 s", "1 min")),)),
        source="proposals/DC-001.yaml",
    )


def screening_proposal(baseline: Schema) -> ProposalPage:
    after = baseline.without_table("ScreeningRank").without_table("ScreeningRankSet")
    return ProposalPage(
        id="SCR-002", title="Drop the unused screening rank tables", status="accepted",
        authors=(Author("Solange Delageniere", "ESRF"),),
        before=baseline, after=after, touched_tables=("ScreeningRank", "ScreeningRankSet"),
        forward_sql="DROP TABLE ScreeningRank;\nDROP TABLE ScreeningRankSet;",
        rollback_sql="-- not reversible: the tables were empty",
        created="2026-09-01", last_discussed="2026-10-15", meetings=("2026-10-15",),
        lint=(), impact=(), conflicts=(),
        verification=Verification(passed=False, steps=(VerificationStep("forward", True, 0.1),
                                                       VerificationStep("rollback", False, 0.1,
                                                                        "no inverse"))),
    )


def grouping_proposal(baseline: Schema) -> ProposalPage:
    group = Table(
        "ProcessingGroup",
        (Column("processingGroupId", ColumnType.parse("int(11) unsigned"), nullable=False,
                auto_increment=True, comment="Unique identifier of the group"),
         Column("sessionId", ColumnType.parse("int(10) unsigned"), nullable=False,
                comment="Session the group belongs to"),
         Column("comments", ColumnType.parse("varchar(255)"))),
        indexes=(Index("PRIMARY", (IndexPart("processingGroupId"),), "PRIMARY"),
                 Index("ProcessingGroup_fk_session", (IndexPart("sessionId"),))),
        foreign_keys=(ForeignKey("ProcessingGroup_fk_session", ("sessionId",), "BLSession",
                                 ("sessionId",)),),
        comment="Sweeps, crystals and wavelengths processed together",
    )
    after = baseline.with_table(group)
    return ProposalPage(
        id="GRP-003", title="A processing group spanning sweeps, crystals and wavelengths",
        status="draft", authors=(Author("Rasmus Fogh", "Global Phasing"),),
        before=baseline, after=after, touched_tables=("ProcessingGroup",),
        forward_sql="CREATE TABLE ProcessingGroup (…);", rollback_sql="DROP TABLE ProcessingGroup;",
        created="2026-11-01", meetings=(NEXT_MEETING,), next_meeting=NEXT_MEETING,
        depends_on=("DC-001",), supersedes=("PRT-004",),
        conflicts=(Conflict("DC-001", "both change DataCollection in the same meeting"),),
    )


def protein_proposal(baseline: Schema) -> ProposalPage:
    after = change_table(baseline, "Protein", new_name="Macromolecule",
                         rename={"acronym": "shortName"})
    return ProposalPage(
        id="PRT-004", title="Rename Protein to Macromolecule", status="rejected",
        authors=(Author("Gerard Bricogne", "Global Phasing"),),
        before=baseline, after=after, touched_tables=("Macromolecule",),
        forward_sql="RENAME TABLE Protein TO Macromolecule;",
        rollback_sql="RENAME TABLE Macromolecule TO Protein;",
        renamed_tables=(TableRename("Protein", "Macromolecule"),),
        renamed_columns=(ColumnRename("Macromolecule", "acronym", "shortName"),),
    )


def sample_site(baseline: Schema | None = None) -> SiteModel:
    """Four proposals in every state the site shows; the accepted one is applied."""
    baseline = baseline or embedded_baseline()
    proposals = (snapshots_proposal(baseline), screening_proposal(baseline),
                 grouping_proposal(baseline), protein_proposal(baseline))
    return SiteModel(baseline=baseline, accepted=proposals[1].after, proposals=proposals,
                     baseline_label="schema/ (embedded)", generated_at="2026-11-23T12:00:00Z",
                     licence_text=(ROOT / "LICENSE.LGPL").read_text(encoding="utf-8"))
