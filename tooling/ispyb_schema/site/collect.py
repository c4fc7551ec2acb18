# SPDX-License-Identifier: LGPL-3.0-or-later
"""The project → a SiteModel. The only module of the site that knows the changeset API.

What it uses from ``ispyb_schema.changeset``: ``validate(paths, baseline)`` (the proposals, their
dependency order and their walks, and ``over`` to apply the accepted ones one after the other),
``plan_script`` (forward, rollback and upstream SQL), and the Proposal's metadata. Renames are
what the walk's primitive operations say they rename. Lint findings, conflicts and
verification records come through :mod:`.results`.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ..changeset.plan import plan_script
from ..changeset.validate import validate
from ..changeset.walk import ProposalWalk
from ..config import Project
from ..errors import InputError
from ..model import Schema
from ..lint.impact import baseline_index
from .forecastview import forecasts
from .results import (
    impact_searched,
    impact_sections,
    latest_record,
    lint_sections,
    verifications,
)
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


def last_meeting(meetings: tuple[str, ...], today: date) -> str | None:
    """The latest meeting before today: when a proposal was last discussed, unless it says."""
    past = [m for m in meetings if m < today.isoformat()]
    return max(past) if past else None


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


def renames(walk: ProposalWalk) -> tuple[list[TableRename], list[ColumnRename]]:
    """What the proposal's operations rename (inside compound steps too), with table names
    as they are after it."""
    tables: dict[str, str] = {}  # the original name → the current one
    columns: list[tuple[str, str, str]] = []
    for prim in walk.primitives:
        for table, old, new in prim.op.renames():
            if old is None:
                original = next((o for o, c in tables.items() if c == table), table)
                tables[original] = new
            else:
                columns.append((table, old, new))
    current = {old: new for old, new in tables.items() if old != new}
    return ([TableRename(o, n) for o, n in current.items()],
            [ColumnRename(current.get(t, t), old, new) for t, old, new in columns])


def _applied(walk) -> Schema:
    """The model after a walk that must succeed (an accepted proposal on the accepted ones)."""
    if walk.diagnostics:
        raise InputError(walk.diagnostics)
    return walk.model


def proposal_page(walk: ProposalWalk, sql: dict[str, str], project: Project, today: date,
                  **results) -> ProposalPage:
    """The page of one proposal; ``results`` are its lint, conflicts and verification."""
    proposal, before, after = walk.proposal, walk.base, walk.model
    table_renames, column_renames = renames(walk)
    meetings = tuple(m.date for m in proposal.meetings)
    source = Path(proposal.file).resolve()
    return ProposalPage(
        id=proposal.id, title=proposal.title, status=proposal.status,
        authors=tuple(Author(a.name, a.affiliation, a.role) for a in proposal.authors),
        before=before, after=after, touched_tables=(),
        forward_sql=sql["forward"], rollback_sql=sql["rollback"], upstream_sql=sql["upstream"],
        upstream_name=sql["upstream_name"],
        created=proposal.created,
        last_discussed=proposal.last_discussed or last_meeting(meetings, today),
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
        result = validate(files, baseline)
        result.raise_if_errors()
        index = baseline_index(baseline_source)  # the baseline's routines and grants
        lint = lint_sections(result, baseline, label, project.root, index)
        impact, searched = impact_sections(result, index, project.root), \
            impact_searched(index, project.root)
        verified = verifications(record or latest_record(project.root, baseline))
        forecast = forecasts(project.root, baseline)
        for pid in result.order:
            walk = result.walks[pid]
            upstream = plan_script(walk, label, upstream=True)
            sql = {"forward": plan_script(walk, label).text,
                   "rollback": plan_script(walk, label, rollback=True).text,
                   "upstream": upstream.text, "upstream_name": upstream.name}
            findings, conflicts = lint.get(pid, (None, ()))
            pages.append(proposal_page(walk, sql, project, today, lint=findings,
                                       conflicts=conflicts, impact=impact.get(pid),
                                       impact_sources=searched, verification=verified.get(pid),
                                       forecast=forecast.get(pid)))
            if walk.proposal.status == "accepted":
                accepted = _applied(result.over(pid, accepted))
    licence = project.root / "LICENSE.LGPL"
    return SiteModel(
        baseline=baseline,
        accepted=accepted,
        proposals=tuple(pages),
        baseline_label=label,
        generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        licence_text=licence.read_text(encoding="utf-8") if licence.is_file() else "",
    )
