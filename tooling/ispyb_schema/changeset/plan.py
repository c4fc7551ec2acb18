# SPDX-License-Identifier: LGPL-3.0-or-later
"""SQL scripts from a validated proposal's walk: forward or rollback, plain or in the upstream
``schemas/ispyb/updates/YYYY_MM_DD_name.sql`` form.

:func:`plan_script` gives the script as data (:class:`~.script.Script`, statements folded as
:mod:`.script` explains); :func:`render_plan` its text. The output depends only on the inputs:
the same proposal and baseline give the same bytes.
"""
from __future__ import annotations

import hashlib
import weakref

from ..model import Schema
from ..render.ddl import schema_ddl
from ..render.quote import string
from .proposal import Proposal
from .script import Script, status_statement, statements_of
from .walk import ProposalWalk


_FINGERPRINTS: dict[int, str] = {}  # id(model) -> its fingerprint, while the model lives


def fingerprint(model: Schema) -> str:
    """The model's sha256 (of its DDL), computed once per model object."""
    key = id(model)
    if key not in _FINGERPRINTS:
        _FINGERPRINTS[key] = hashlib.sha256(schema_ddl(model).encode("utf-8")).hexdigest()[:16]
        weakref.finalize(model, _FINGERPRINTS.pop, key, None)
    return _FINGERPRINTS[key]


def script_name(proposal: Proposal, rollback: bool) -> str:
    return f"{proposal.date.replace('-', '_')}_{proposal.id}{'_rollback' if rollback else ''}.sql"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def header(proposal: Proposal, base: Schema, baseline_label: str, rollback: bool) -> list[str]:
    authors = ", ".join(f"{a.name} ({a.affiliation})" for a in proposal.authors)
    lines = [
        f"-- ispyb-schema {'rollback' if rollback else 'forward'} script for proposal "
        f"{proposal.id}",
        f"-- title: {proposal.title}",
        f"-- status: {proposal.status}; authors: {authors}",
        f"-- planned against: {baseline_label} ({len(base.tables)} tables, model sha256 "
        f"{fingerprint(base)})",
    ]
    if proposal.depends_on:
        lines.append(f"-- applies after: {', '.join(proposal.depends_on)}")
    return ["-- " + _one_line(line[3:]) for line in lines]


def plan_script(walk: ProposalWalk, baseline_label: str, rollback: bool = False,
                upstream: bool = False) -> Script:
    """The script of a validated walk: its forward steps, or its rollback walk's."""
    return _script(walk.proposal, walk.base, walk, baseline_label, rollback, upstream)


def _script(proposal: Proposal, base: Schema, walk: ProposalWalk, baseline_label: str,
            rollback: bool, upstream: bool) -> Script:
    if rollback and walk.rollback is None:
        raise ValueError(f"{walk.proposal.id} has no rollback walk: it does not validate")
    records = walk.rollback if rollback else walk.steps
    # A rollback is not refused for its locks: it runs when something has gone wrong.
    statements = statements_of((p for r in records for p in r.primitives), not rollback)
    name = script_name(proposal, rollback)
    if upstream:
        quoted = string(name)
        statements = [status_statement("INSERT IGNORE INTO SchemaStatus (scriptName, "
                                       f"schemaStatus) VALUES ({quoted}, 'ONGOING');"),
                      *statements,
                      status_statement("UPDATE SchemaStatus SET schemaStatus = 'DONE' WHERE "
                                       f"scriptName = {quoted};")]
    return Script.build(name, header(proposal, base, baseline_label, rollback), statements)


def render_plan(proposal: Proposal, base: Schema, walk: ProposalWalk, baseline_label: str,
                rollback: bool = False, upstream: bool = False) -> str:
    """The script text; ``walk`` is the proposal's validated walk (its header names
    ``proposal`` and ``base``)."""
    return _script(proposal, base, walk, baseline_label, rollback, upstream).text
