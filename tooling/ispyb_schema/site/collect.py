# SPDX-License-Identifier: LGPL-3.0-or-later
"""The project → a SiteModel. The only module of the site that knows the changeset API.

What it uses from ``ispyb_schema.changeset``: ``load_proposal(path)`` → a Proposal (metadata
and ``steps``); of each step its ``key``, ``check(model)`` and ``apply(model)``, and the
``table``/``old``/``new`` of the rename steps. The SQL comes from the planner once it exists;
until then a page says "No SQL generated yet". Lint and verification results are not
collected yet: their sections say "not run yet".
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ..config import Project
from ..errors import EnvironmentProblem, InputError, SourceLoc
from ..model import Schema
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


def load_proposals(folder: Path) -> list:
    """Every ``*.yaml`` in ``folder``; all problems of all files raised together."""
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not files:
        return []
    try:
        from ..changeset.load import load_proposal
    except ImportError as err:
        raise EnvironmentProblem(f"cannot read the proposals in {folder}: {err}") from None
    proposals, problems = [], []
    for path in files:
        try:
            proposals.append(load_proposal(path))
        except InputError as err:
            problems += err.diagnostics
    if problems:
        raise InputError(problems)
    return proposals


def dependency_order(proposals: list) -> list:
    """Dependencies first; otherwise by creation date, then id."""
    by_id = {p.id: p for p in proposals}
    ordered, seen = [], set()

    def visit(proposal, path: tuple[str, ...]) -> None:
        if proposal.id in seen:
            return
        if proposal.id in path:
            raise InputError.single(SourceLoc(proposal.file), "dependency cycle: "
                                    + " → ".join(path + (proposal.id,)), "E501")
        for dep in proposal.depends_on:
            if dep in by_id:
                visit(by_id[dep], path + (proposal.id,))
        seen.add(proposal.id)
        ordered.append(proposal)

    for proposal in sorted(proposals, key=lambda p: (p.created, p.id)):
        visit(proposal, ())
    return ordered


def apply_steps(proposal, model: Schema) -> tuple[Schema, list[TableRename],
                                                   list[ColumnRename]]:
    """The model after ``proposal``, and the renames its steps say (names as after)."""
    tables: dict[str, str] = {}  # the original name → the current one
    columns: list[tuple[str, str, str]] = []
    for step in proposal.steps:
        problems = step.check(model)
        if problems:
            raise InputError(problems)
        if step.key == "rename_table":
            original = next((o for o, c in tables.items() if c == step.old), step.old)
            tables[original] = step.new
        elif step.key == "rename_column":
            columns.append((step.table, step.old, step.new))
        model = step.apply(model)
    current = {old: new for old, new in tables.items() if old != new}
    column_renames = [ColumnRename(current.get(t, t), old, new) for t, old, new in columns]
    return model, [TableRename(o, n) for o, n in current.items()], column_renames


def _with_dependencies(proposal, by_id: dict, order: list) -> list:
    """``proposal``'s dependencies (transitively) that exist, in ``order``."""
    needed, todo = set(), list(proposal.depends_on)
    while todo:
        dep = todo.pop()
        if dep in by_id and dep not in needed:
            needed.add(dep)
            todo += by_id[dep].depends_on
    return [p for p in order if p.id in needed]


def proposal_page(proposal, before: Schema, project: Project, today: date) -> ProposalPage:
    after, table_renames, column_renames = apply_steps(proposal, before)
    meetings = tuple(m.date for m in proposal.meetings)
    source = Path(proposal.file).resolve()
    return ProposalPage(
        id=proposal.id, title=proposal.title, status=proposal.status,
        authors=tuple(Author(a.name, a.affiliation) for a in proposal.authors),
        before=before, after=after, touched_tables=(),
        forward_sql="", rollback_sql="",
        created=proposal.created, last_discussed=proposal.last_discussed,
        meetings=meetings, next_meeting=next_meeting(meetings, today),
        motivation_md=proposal.motivation, discussion_md=proposal.discussion,
        decisions=tuple(Decision(m.date, m.name + (f" ([minutes]({m.minutes}))"
                                                   if m.minutes else ""))
                        for m in proposal.meetings if m.date <= today.isoformat()),
        depends_on=proposal.depends_on, supersedes=proposal.supersedes,
        renamed_tables=tuple(table_renames), renamed_columns=tuple(column_renames),
        source=str(source.relative_to(project.root)) if source.is_relative_to(project.root)
        else source.name,
    )


def collect_site(project: Project, baseline: Schema, baseline_source: str,
                 today: date | None = None) -> SiteModel:
    today = today or date.today()
    order = dependency_order(load_proposals(project.proposals))
    by_id = {p.id: p for p in order}
    pages = []
    for proposal in order:
        before = baseline
        for dep in _with_dependencies(proposal, by_id, order):
            before = apply_steps(dep, before)[0]
        pages.append(proposal_page(proposal, before, project, today))
    accepted = baseline
    for proposal in order:
        if proposal.status == "accepted":
            accepted = apply_steps(proposal, accepted)[0]
    licence = project.root / "LICENSE.LGPL"
    return SiteModel(
        baseline=baseline,
        accepted=accepted,
        proposals=tuple(pages),
        baseline_label=describe_source(baseline_source, project.root),
        generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        licence_text=licence.read_text(encoding="utf-8") if licence.is_file() else "",
    )
