# SPDX-License-Identifier: LGPL-3.0-or-later
"""Proposals: the YAML changeset format, its validation and its SQL.

``load_proposal`` reads one file, ``validate`` checks proposals against a baseline in
dependency order, ``render_plan`` writes the forward or rollback script.
"""
from importlib import resources

from .load import load_proposal
from .plan import render_plan
from .validate import Validation, validate

__all__ = ["Validation", "load_proposal", "proposal_schema_text", "render_plan", "validate"]


def proposal_schema_text() -> str:
    """The JSON Schema of the proposal format as shipped, for publishing next to the site."""
    return resources.files(__name__).joinpath("proposal.schema.json").read_text(encoding="utf-8")
