# SPDX-License-Identifier: LGPL-3.0-or-later
"""The project → a SiteModel. The only module of the site that knows the changeset API.

What it uses from ``ispyb_schema.changeset``: ``validate(paths, baseline)`` (the proposals, their
dependency order, the model each starts from and its walk), ``render_plan`` (forward, rollback
and upstream SQL), ``walk_proposal`` (to apply the accepted ones), and the Proposal's metadata
and rename steps. Lint findings, conflicts and verification records come through
:mod:`.results`.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ..config import Project
from ..errors import EnvironmentProblem, InputError
from ..model import Schema
from .results import latest_record, lint_sections, verifications
from .viewmodel import (
    Author,
    ColumnRename,
    Decision,
    ProposalPage,
    SiteModel,
    TableRename,
)


def describe_source(source: str, root: Path) -> str:
    """The baseline's origin as readers may see it: relative to the project, no password."""
    if "://" in source:
        parts = urlsplit(source)
        host = parts.hostname or ""
        netloc = f"{parts.username}@{host}" if parts.username else host
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    path = Path(source).resolve()
    return str(path.relative_to(root)) if path.is_relative_to(root) else path.name


def next_meeting(meetings: tuple[str, ...], today: date) -> str | None:
    """The first meeting (ISO date) on or after ``today``."""
    upcoming = sorted(m for m in meetings if m >= today.isoformat())
    return upcoming[0] if upcoming else None


def decision_log(proposal, today: date) -> tuple[Decision, ...]:
    """The proposal's own decision log, or else the meetings it was discussed at."""
    if proposal.decisions:
        return tuple(Decision(d.date, d.decision) for d in proposal.decisions)
    return tuple(Decision(m.date, m.name + (f" ([minutes]({m.minutes}))" if m.minutes else ""))
                 for m in proposal.meetings if m.date <= today.isoformat())


def _changeset():
    """The changeset functions the site needs, or a clear error when they are missing."""
    try:
        from ..changeset.engine import walk_proposal
        from ..changeset.plan import render_plan, script_name
        from ..changeset.validate import validate
    except ImportError as err:
        raise EnvironmentProblem(f"cannot read the proposals: {err}") from None
    return validate, render_plan, walk_proposal, script_name


def renames(proposal) -> tuple[list[TableRename], list[ColumnRename]]:
    """The renames the proposal's steps say, with table names as they are after it."""
    tables: dict[str, str] = {}  # the original name → the current one
    columns: list[tuple[str, str, str]] = []
    for step in proposal.steps:
        if step.key == "rename_table":
            original = next((o for o, c in tables.items() if c == step.old), step.old)
            tables[original] = step.new
        elif step.key == "rename_column":
            columns.append((step.table, step.old, step.new))
    current = {old: new for old, new in tables.items() if old != new}
    return ([TableRename(o, n) for o, n in current.items()],
            [ColumnRename(current.get(t, t), old, new) for t, old, new in columns])


def _applied(walk) -> Schema:
    """The model after a walk that must succeed (an accepted proposal on the accepted ones)."""
    if walk.diagnostics:
        raise InputError(walk.diagnostics)
    return walk.model


def proposal_page(proposal, before: Schema, after: Schema, sql: dict[str, str],
                  project: Project, today: date, **results) -> ProposalPage:
    """The page of one proposal; ``results`` are its lint, conflicts and verification."""
    table_renames, column_renames = renames(proposal)
    meetings = tuple(m.date for m in proposal.meetings)
    source = Path(proposal.file).resolve()
    return ProposalPage(
        id=proposal.id, title=proposal.title, status=proposal.status,
        authors=tuple(Author(a.name, a.affiliation, a.role) for a in proposal.authors),
        before=before, after=after, touched_tables=(),
        forward_sql=sql["forward"], rollback_sql=sql["rollback"], upstream_sql=sql["upstream"],
        upstream_name=sql["upstream_name"],
        created=proposal.created, last_discussed=proposal.last_discussed,
        meetings=meetings,
        next_meeting=(proposal.proposed_for.date if proposal.proposed_for
                      else next_meeting(meetings, today)),
        motivation_md=proposal.motivation, discussion_md=proposal.discussion,
        decisions=decision_log(proposal, today),
        depends_on=proposal.depends_on, supersedes=proposal.supersedes,
        renamed_tables=tuple(table_renames), renamed_columns=tuple(column_renames),
        source=str(source.relative_to(project.root)) if source.is_relative_to(project.root)
        else source.name,
        **results,
    )


def collect_site(project: Project, baseline: Schema, baseline_source: str,
                 today: date | None = None, record: dict | None = None) -> SiteModel:
    """Everything the site shows. ``record``: a verification record to show (default: the
    newest one in results/ made against this baseline)."""
    today = today or date.today()
    label = describe_source(baseline_source, project.root)
    files = sorted(project.proposals.glob("*.yaml")) if project.proposals.is_dir() else []
    pages, accepted = [], baseline
    if files:
        validate, render_plan, walk_proposal, script_name = _changeset()
        result = validate(files, baseline)
        result.raise_if_errors()
        lint = lint_sections(result, baseline, label, project.root)
        verified = verifications(record or latest_record(project.root, baseline))
        for pid in result.order:
            proposal, base, walk = result.proposals[pid], result.bases[pid], result.walks[pid]
            sql = {"forward": render_plan(proposal, base, walk, label),
                   "rollback": render_plan(proposal, base, walk, label, rollback=True),
                   "upstream": render_plan(proposal, base, walk, label, upstream=True),
                   "upstream_name": script_name(proposal, rollback=False)}
            findings, conflicts = lint.get(pid, (None, ()))
            pages.append(proposal_page(proposal, base, walk.model, sql, project, today,
                                       lint=findings, conflicts=conflicts,
                                       verification=verified.get(pid)))
            if proposal.status == "accepted":
                accepted = _applied(walk_proposal(proposal, accepted))
    licence = project.root / "LICENSE.LGPL"
    return SiteModel(
        baseline=baseline,
        accepted=accepted,
        proposals=tuple(pages),
        baseline_label=label,
        generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        licence_text=licence.read_text(encoding="utf-8") if licence.is_file() else "",
    )
