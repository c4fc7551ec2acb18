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
