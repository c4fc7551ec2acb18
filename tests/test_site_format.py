# SPDX-License-Identifier: LGPL-3.0-or-later
"""The review site publishes the proposal format: the JSON Schema and a page describing it."""
import json

from ispyb_schema.changeset import proposal_schema_text
from ispyb_schema.changeset.operations import REGISTRY
from ispyb_schema.model import Schema
from ispyb_schema.site.build import render_pages
from ispyb_schema.site.viewmodel import SiteModel


def test_schema_and_format_page_are_published():
    text = proposal_schema_text()
    pages = render_pages(SiteModel(baseline=Schema(), accepted=Schema(), proposals=()))
    assert json.loads(pages["proposal.schema.json"]) == json.loads(text)
    page = pages["format.md"]
    for key in REGISTRY:
        assert f"| `{key}` |" in page, f"step {key} missing from the format page"
    for key in ("id", "status", "authors", "proposed_for", "decisions"):
        assert f"| `{key}` |" in page


def test_key_changes_read_as_sql_not_python():
    from ispyb_schema.baseline import load_schema
    from ispyb_schema.model import Index, IndexPart
    from ispyb_schema.site.tablediff import table_change
    from ispyb_schema.site.viewmodel import ProposalPage

    before = load_schema("schema")
    person = before.table("Person")
    added = Index("Person_login_email", (IndexPart("login"), IndexPart("emailAddress", 20)))
    after = before.with_table(person.with_changes(indexes=person.indexes + (added,)))
    page = ProposalPage(id="p", title="t", status="draft", authors=(), before=before,
                        after=after, touched_tables=("Person",), forward_sql="",
                        rollback_sql="")
    lines = table_change(page, "Person").other_changes
    assert lines == ("+ Person.index Person_login_email: "
                     "KEY `Person_login_email` (`login`,`emailAddress`(20))",)
    assert not any("IndexPart(" in line for line in lines)
