# SPDX-License-Identifier: LGPL-3.0-or-later
"""Views of proposals for the templates: the status board, the agenda and a proposal's page."""
from __future__ import annotations

from dataclasses import dataclass

from .erd import Diagram, erd_svg
from .markup import demote_headings, fence, slug
from .glance import glance
from .tablediff import TableChange, table_changes
from .viewmodel import LintFinding, ProposalPage, SiteModel, Verification


@dataclass(frozen=True)
class Badge:
    text: str
    kind: str  # the CSS modifier: draft, under-review, accepted, …, ok, warn, fail, none


@dataclass(frozen=True)
class Summary:
    """One proposal as the status board and the agenda show it."""

    page: ProposalPage
    slug: str
    status: Badge
    lint: Badge
    verify: Badge


@dataclass(frozen=True)
class Ref:
    """Another proposal named by this one; ``slug`` is None when the site does not have it."""

    id: str
    slug: str | None
    title: str = ""


@dataclass(frozen=True)
class Agenda:
    date: str
    items: tuple[Summary, ...]


@dataclass(frozen=True)
class AgendaPlace:
    date: str
    number: int
    count: int
    previous: Ref | None
    next: Ref | None


@dataclass(frozen=True)
class SqlTab:
    title: str
    text: str
    fence: str


@dataclass(frozen=True)
class ViewChange:
    name: str
    status: str  # added / removed / changed
    definition: str  # the SELECT after the proposal (before it, for a removed view)
    fence: str


@dataclass(frozen=True)
class ProposalView:
    summary: Summary
    motivation: str
    discussion: str
    tables: tuple[TableChange, ...]
    views: tuple[ViewChange, ...]
    erd_before: Diagram
    erd_after: Diagram
    sql: tuple[SqlTab, ...]
    depends_on: tuple[Ref, ...]
    required_by: tuple[Ref, ...]
    supersedes: tuple[Ref, ...]
    superseded_by: tuple[Ref, ...]
    conflicts: tuple[tuple[Ref, str], ...]
    agenda: AgendaPlace | None
    browse: dict[str, tuple[tuple[str, str], ...]]  # table → (label, schema browser page)
    glance: tuple[tuple[str, str], ...] = ()  # the summary the page opens with


def status_badge(status: str) -> Badge:
    return Badge(status, slug(status))


def lint_badge(lint: tuple[LintFinding, ...] | None) -> Badge:
    if lint is None:
        return Badge("lint: not run", "none")
    errors = sum(f.severity == "error" for f in lint)
    warnings = sum(f.severity == "warning" for f in lint)
    if errors:
        return Badge(f"lint: {errors} error{'s' * (errors != 1)}", "fail")
    if warnings:
        return Badge(f"lint: {warnings} warning{'s' * (warnings != 1)}", "warn")
    return Badge("lint: clean", "ok")


def verify_badge(verification: Verification | None) -> Badge:
    if verification is None:
        return Badge("verify: not run", "none")
    return Badge("verify: passed", "ok") if verification.passed else Badge("verify: failed", "fail")


def summaries(model: SiteModel) -> list[Summary]:
    return [Summary(p, slug(p.id), status_badge(p.status), lint_badge(p.lint),
                    verify_badge(p.verification)) for p in model.proposals]


def next_agenda(model: SiteModel) -> Agenda | None:
    """The earliest meeting any proposal is scheduled for, with its proposals in model order."""
    dates = sorted({p.next_meeting for p in model.proposals if p.next_meeting})
    if not dates:
        return None
    return Agenda(dates[0], tuple(s for s in summaries(model) if s.page.next_meeting == dates[0]))


def _refs(ids, titles: dict[str, str]) -> tuple[Ref, ...]:
    return tuple(Ref(i, slug(i) if i in titles else None, titles.get(i, "")) for i in ids)


def _agenda_place(agenda: Agenda | None, page: ProposalPage,
                  titles: dict[str, str]) -> AgendaPlace | None:
    if agenda is None:
        return None
    ids = [s.page.id for s in agenda.items]
    if page.id not in ids:
        return None
    at = ids.index(page.id)
    previous = _refs(ids[at - 1:at], titles)[0] if at > 0 else None
    following = _refs(ids[at + 1:at + 2], titles)[0] if at + 1 < len(ids) else None
    return AgendaPlace(agenda.date, at + 1, len(ids), previous, following)


MARKED = {"before": ("removed", "renamed", "changed"), "after": ("added", "renamed", "changed")}


def _marks(changes: list[TableChange], side: str) -> tuple[dict, dict]:
    """Column and table marks for the ``before`` or the ``after`` diagram."""
    columns: dict[str, dict[str, str]] = {}
    tables: dict[str, str] = {}
    for change in changes:
        name = (change.old_name or change.name) if side == "before" else change.name
        if change.status in MARKED[side]:
            tables[name] = change.status
        for row in change.rows:
            column = row.before_name if side == "before" else row.after_name
            if column and row.status in MARKED[side]:
                columns.setdefault(name, {})[column] = row.status
    return columns, tables


def view_changes(page: ProposalPage) -> tuple[ViewChange, ...]:
    old = {v.name: v for v in page.before.views}
    new = {v.name: v for v in page.after.views}
    out = []
    for name in sorted(old.keys() | new.keys()):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        status = "added" if before is None else "removed" if after is None else "changed"
        definition = (after or before).definition
        out.append(ViewChange(name, status, definition, fence(definition)))
    return tuple(out)


def _sql_tabs(page: ProposalPage) -> tuple[SqlTab, ...]:
    tabs = [("Forward", page.forward_sql), ("Data migration", page.migration_sql),
            ("Rollback", page.rollback_sql), ("Upstream update script", page.upstream_sql)]
    return tuple(SqlTab(title, text.rstrip("\n"), fence(text)) for title, text in tabs if text)


def proposal_view(model: SiteModel, summary: Summary, agenda: Agenda | None) -> ProposalView:
    page = summary.page
    titles = {p.id: p.title for p in model.proposals}
    changes = table_changes(page)
    before_names = [c.old_name or c.name for c in changes]
    after_names = [c.name for c in changes]
    erd_before = erd_svg(page.before, before_names, *_marks(changes, "before"),
                         label=f"{page.id} before")
    views = view_changes(page)
    erd_after = erd_svg(page.after, after_names, *_marks(changes, "after"),
                        label=f"{page.id} after",
                        views={v.name: v.status for v in views if v.status != "removed"})
    others = model.proposals
    return ProposalView(
        summary=summary,
        motivation=demote_headings(page.motivation_md),
        discussion=demote_headings(page.discussion_md),
        tables=tuple(changes),
        views=views,
        erd_before=erd_before,
        erd_after=erd_after,
        sql=_sql_tabs(page),
        depends_on=_refs(page.depends_on, titles),
        required_by=_refs([p.id for p in others if page.id in p.depends_on], titles),
        supersedes=_refs(page.supersedes, titles),
        superseded_by=_refs([p.id for p in others if page.id in p.supersedes], titles),
        conflicts=tuple((_refs([c.other], titles)[0], c.reason) for c in page.conflicts),
        agenda=_agenda_place(agenda, page, titles),
        browse={c.name: _browse_links(model, c) for c in changes},
        glance=glance(page, tuple(changes), views),
    )


def _browse_links(model: SiteModel, change: TableChange) -> tuple[tuple[str, str], ...]:
    """The touched table's pages in the schema browser (relative to a proposal page)."""
    links = []
    old = change.old_name or change.name
    if model.baseline.table(old) is not None:
        links.append(("baseline", f"../schema/baseline/{slug(old)}.md"))
    if model.accepted.table(change.name) is not None:
        links.append(("with accepted proposals", f"../schema/accepted/{slug(change.name)}.md"))
    return tuple(links)
