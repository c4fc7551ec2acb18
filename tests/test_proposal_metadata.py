# SPDX-License-Identifier: LGPL-3.0-or-later
"""Proposal metadata the meetings need: owner and drafter, the meeting it is proposed for,
and the decision log — loaded from YAML and shown by the site adapter."""
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from ispyb_schema.changeset.load import load_proposal
from ispyb_schema.cli.main import cli
from ispyb_schema.site.collect import decision_log

PROPOSAL = """\
# SPDX-License-Identifier: LGPL-3.0-or-later
id: metadata-example
title: Metadata fields for the web meeting
status: under review
authors:
  - {name: Diamond Light Source, affiliation: Diamond, role: owner}
  - {name: ispyb-schema contributors, affiliation: ispyb-schema, role: drafter}
created: 2019-07-09
meetings:
  - {date: 2019-07-09, name: ISPyB developers' meeting}
proposed_for: {date: 2019-09-12, name: ISPyB face-to-face meeting}
decisions:
  - {date: 2019-07-09, decision: Diamond drafts the change.}
steps:
  - set_table_comment: {table: Person, comment: A person known to the facility}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "metadata-example.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_roles_meeting_and_decisions_load(tmp_path):
    proposal = load_proposal(write(tmp_path, PROPOSAL))
    assert [(a.name, a.role) for a in proposal.authors] == [
        ("Diamond Light Source", "owner"), ("ispyb-schema contributors", "drafter")]
    assert proposal.proposed_for.date == "2019-09-12"
    assert [d.text for d in decision_log(proposal, date(2026, 1, 1))] == [
        "Diamond drafts the change."]


def test_without_a_decision_log_past_meetings_stand_in(tmp_path):
    text = PROPOSAL.replace("decisions:\n  - {date: 2019-07-09, decision: Diamond drafts the change.}\n", "")
    proposal = load_proposal(write(tmp_path, text))
    assert [d.text for d in decision_log(proposal, date(2026, 1, 1))] == [
        "ISPyB developers' meeting"]


def test_an_unknown_role_is_an_error_at_its_line(tmp_path):
    path = write(tmp_path, PROPOSAL.replace("role: owner", "role: boss"))
    result = CliRunner().invoke(cli, ["validate", str(path), "--baseline", "schema"])
    assert result.exit_code == 2
    assert f"{path}:6:" in result.output and "boss" in result.output


def test_the_site_names_owner_and_drafter(tmp_path):
    from ispyb_schema.site.build import render_pages
    from ispyb_schema.site.collect import collect_site
    from ispyb_schema.config import Project
    from ispyb_schema.baseline import load_schema

    root = Path(__file__).resolve().parents[1]
    (tmp_path / "proposals").mkdir()
    write(tmp_path / "proposals", PROPOSAL)
    project = Project(tmp_path, "schema", tmp_path / "proposals", tmp_path / "site")
    model = collect_site(project, load_schema(root / "schema"), str(root / "schema"))
    page = render_pages(model)["proposals/metadata-example.md"]
    assert "Diamond Light Source (Diamond, owner)" in page
    assert "ispyb-schema contributors (ispyb-schema, drafter)" in page
