# SPDX-License-Identifier: LGPL-3.0-or-later
"""The site's "Facility flavours" pages: the diff report in tables, the proposals at the
facility, the harmonisation proposal; without flavours, how to add one."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import yaml

from ispyb_schema.baseline import load_schema, write_schema
from ispyb_schema.changeset import validate
from ispyb_schema.config import find_project
from ispyb_schema.model import ColumnType
from ispyb_schema.site.flavours import collect_flavours, flavour_pages

ROOT = Path(__file__).resolve().parents[1]


def test_without_flavours_the_page_says_how_to_add_one():
    pages = flavour_pages(())
    assert set(pages) == {"flavours/index.md"}
    text = pages["flavours/index.md"]
    assert "No flavours are configured yet." in text
    assert "ispyb-schema import mysql://reader@db.facility.example/ispyb -o flavours/" in text
    assert "flavours = { <facility> =" in text


def test_a_flavour_page_reports_differences_proposals_and_a_harmonisation(tmp_path):
    baseline = load_schema(ROOT / "schema")
    session = baseline.table("BLSession")
    # the facility: BLSession without comments, one column wider, one extra column gone
    drifted = session.with_changes(columns=tuple(
        replace(c, type=ColumnType("varchar", (100,))) if c.name == "beamLineName" else c
        for c in session.columns if c.name != "archived"))
    flavour = baseline.with_table(drifted)
    write_schema(flavour, tmp_path / "esrf")
    files = sorted((ROOT / "proposals").glob("*.yaml"))
    (page,) = collect_flavours({"esrf": str(tmp_path / "esrf")}, baseline, "the baseline",
                               files)
    pages = flavour_pages((page,))
    assert set(pages) == {"flavours/index.md", "flavours/esrf.md",
                          "flavours/harmonise-esrf.yaml"}
    text = pages["flavours/esrf.md"]
    assert "| `BLSession` | column archived | only in the baseline | `name: archived" in text
    step_line = next(n for n, line in enumerate(
        (ROOT / "proposals" / "session-harmonisation.yaml").read_text().splitlines(), 1)
        if "column: archived" in line)  # the step that names the column the flavour lacks
    assert f"line {step_line}: unknown column 'archived' in table 'BLSession'" in text
    assert "| `BLSession` | column beamLineName | type | `varchar(45)` | `varchar(100)` |" in text
    # the proposals: the same verdict validate gives against the flavour
    checked = validate(files, flavour)
    for result in page.proposals:
        assert result.ok == (result.id in checked.walks and not checked.walks[result.id]
                             .diagnostics)
    assert any(not p.ok for p in page.proposals)  # session-harmonisation names `archived`
    assert "**does not apply here**" in text
    # the harmonisation proposal turns the flavour into the baseline
    harmonise = tmp_path / "harmonise-esrf.yaml"
    harmonise.write_text(pages["flavours/harmonise-esrf.yaml"])
    data = yaml.safe_load(harmonise.read_text())
    assert [next(iter(s)) for s in data["steps"]] == ["modify_column", "add_column"]
    assert "[Download harmonise-esrf.yaml](harmonise-esrf.yaml)" in text
    assert "| [esrf](esrf.md) |" in pages["flavours/index.md"]


def test_flavours_are_read_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ispyb-schema]\nflavours = { esrf = "flavours/esrf", dls = "mysql://r@h/ispyb" }\n')
    project = find_project(tmp_path)
    assert project.flavour_sources() == {"dls": "mysql://r@h/ispyb",
                                         "esrf": str(tmp_path / "flavours/esrf")}
