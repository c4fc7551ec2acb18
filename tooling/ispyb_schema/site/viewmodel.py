# SPDX-License-Identifier: LGPL-3.0-or-later
"""What the review site shows, as plain data: the only input of the site builder.

``collect.py`` fills these from the project (proposals, their SQL, their latest results); tests
build them by hand. A result that does not exist yet is ``None`` and the page says "not run yet";
an empty list means "ran, nothing found".
"""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Schema

STATUSES = ("draft", "under review", "accepted", "rejected", "applied")


@dataclass(frozen=True)
class Author:
    name: str
    affiliation: str
    role: str = ""  # owner / drafter / contributor, as the proposal says


@dataclass(frozen=True)
class Decision:
    date: str  # ISO date
    text: str  # Markdown


@dataclass(frozen=True)
class ColumnRename:
    table: str  # the table's name after the proposal
    old: str
    new: str


@dataclass(frozen=True)
class TableRename:
    old: str
    new: str


@dataclass(frozen=True)
class LintFinding:
    code: str
    severity: str  # error / warning / info
    message: str
    location: str = ""  # file:line:column in the proposal


@dataclass(frozen=True)
class ImpactItem:
    kind: str  # view / procedure / function / trigger / event
    name: str
    detail: str


@dataclass(frozen=True)
class VerificationStep:
    name: str  # e.g. forward, compare, data assertions, rollback
    passed: bool
    seconds: float | None = None
    detail: str = ""


@dataclass(frozen=True)
class RowCount:
    table: str
    before: int | None
    after: int | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class Verification:
    passed: bool
    ran_at: str = ""  # ISO timestamp
    server: str = ""  # e.g. "MariaDB 10.11.6 (ephemeral mariadbd)"
    steps: tuple[VerificationStep, ...] = ()
    row_counts: tuple[RowCount, ...] = ()


@dataclass(frozen=True)
class Conflict:
    other: str  # the other proposal's id
    reason: str


@dataclass(frozen=True)
class ForecastRow:
    index: int
    statement: str
    lock: str
    fit: str  # "linear, holdout 12 %"
    seconds: tuple[str, ...]  # per target, as durations


@dataclass(frozen=True)
class Forecast:
    """A proposal's production forecast: a line per target size, and per statement."""

    measured: str  # "measured at 10,000, 30,000 and 100,000 DataCollection rows on …"
    targets: tuple[str, ...]
    headlines: tuple[str, ...]
    rows: tuple[ForecastRow, ...]


@dataclass(frozen=True)
class ProposalPage:
    id: str
    title: str
    status: str  # one of STATUSES
    authors: tuple[Author, ...]
    before: Schema  # the schema the proposal starts from
    after: Schema  # the schema with the proposal applied
    touched_tables: tuple[str, ...]  # names after the proposal (a dropped table: its old name)
    forward_sql: str
    rollback_sql: str
    migration_sql: str = ""  # the data migration, when the changeset has one
    upstream_sql: str | None = None  # the upstream schemas/ispyb/updates/ script
    upstream_name: str | None = None  # its file name there, YYYY_MM_DD_<id>.sql
    created: str | None = None  # ISO dates
    last_discussed: str | None = None
    meetings: tuple[str, ...] = ()
    next_meeting: str | None = None  # the meeting whose agenda lists this proposal
    motivation_md: str = ""
    discussion_md: str = ""
    decisions: tuple[Decision, ...] = ()
    depends_on: tuple[str, ...] = ()
    supersedes: tuple[str, ...] = ()
    renamed_tables: tuple[TableRename, ...] = ()
    renamed_columns: tuple[ColumnRename, ...] = ()
    lint: tuple[LintFinding, ...] | None = None
    impact: tuple[ImpactItem, ...] | None = None  # None: the baseline has no routines/grants
    impact_sources: str = ""  # what the impact analysis searched, for readers
    verification: Verification | None = None
    forecast: Forecast | None = None
    conflicts: tuple[Conflict, ...] = ()
    source: str = ""  # the proposal's file, relative to the project root


@dataclass(frozen=True)
class SiteModel:
    baseline: Schema
    accepted: Schema  # the baseline with every accepted proposal applied
    proposals: tuple[ProposalPage, ...]  # in agenda order (dependencies first)
    baseline_label: str = "baseline"  # where the baseline came from, as told to readers
    generated_at: str | None = None  # ISO timestamp
    licence_text: str = ""  # LICENSE.LGPL, published with the site
    flavours: tuple = ()  # FlavourPage of each configured facility flavour (site/flavours.py)
