# SPDX-License-Identifier: LGPL-3.0-or-later
"""SQL scripts from a validated proposal: forward or rollback, plain or in the upstream
``schemas/ispyb/updates/YYYY_MM_DD_name.sql`` form.

Steps keep the author's order. Consecutive schema changes to one table are folded into one
``ALTER TABLE`` (each ALTER of a big table rebuilds it) unless two of them collide — the same
column changed twice, a column used after it is renamed away, a foreign key dropped and re-added
under one name — which MariaDB refuses in a single statement. Data statements are never moved.
The output depends only on the inputs: the same proposal and baseline give the same bytes.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..model import Schema
from ..render.ddl import schema_ddl
from ..render.quote import string
from .engine import Walk, rollback_walk
from .operations import Clause, Piece, Statement
from .proposal import Proposal


@dataclass
class AlterGroup:
    table: str
    clauses: list[Clause] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def names(self, attr: str) -> set[str]:
        return set().union(*(getattr(c, attr) for c in self.clauses))

    def collides(self, clause: Clause) -> bool:
        """Whether MariaDB would refuse ``clause`` in this statement: it changes something the
        statement already touches, reads something the statement removes, or re-creates a
        removed name (allowed for indexes: DROP KEY i, ADD KEY i)."""
        touched = set().union(*(c.defines | c.alters | c.removes | c.uses for c in self.clauses))
        removed = self.names("removes")
        changed = self.names("alters") | removed
        recreated = {n for n in clause.defines & changed if not n.startswith("idx:")}
        if any(c.alone != clause.alone for c in self.clauses):
            return True  # foreign-key column renames only go with each other
        return bool((clause.alters | clause.removes) & touched or recreated
                    or clause.uses & removed or clause.defines & self.names("defines"))

    def blocks(self, clause: Clause) -> bool:
        return self.table in clause.refs or clause.table in self.names("refs")

    def sql(self) -> str:
        from ..render.quote import ident

        head = f"ALTER TABLE {ident(self.table)}"
        if len(self.clauses) == 1:
            return f"{head} {self.clauses[0].text};"
        return head + "\n" + ",\n".join("  " + c.text for c in self.clauses) + ";"


@dataclass
class Single:
    statement: Statement
    label: str

    def blocks(self, clause: Clause) -> bool:
        return self.statement.data or bool(self.statement.tables & ({clause.table} | clause.refs))

    def sql(self) -> str:
        return self.statement.text + ";"


def fold(pieces: list[tuple[str, Piece]]) -> list[AlterGroup | Single]:
    """Statements in order, clauses merged into the latest ALTER of their table they can
    join without crossing a statement or ALTER they depend on."""
    out: list[AlterGroup | Single] = []
    for label, piece in pieces:
        if isinstance(piece, Statement):
            out.append(Single(piece, label))
            continue
        group = _group_for(out, piece)
        if group is None:
            group = AlterGroup(piece.table)
            out.append(group)
        group.clauses.append(piece)
        if label not in group.labels:
            group.labels.append(label)
    return out


def _group_for(out: list, clause: Clause) -> AlterGroup | None:
    for item in reversed(out):
        if isinstance(item, AlterGroup) and item.table == clause.table:
            return None if item.collides(clause) else item
        if item.blocks(clause):
            return None
    return None


def fingerprint(model: Schema) -> str:
    return hashlib.sha256(schema_ddl(model).encode("utf-8")).hexdigest()[:16]


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


def render_plan(proposal: Proposal, base: Schema, walk: Walk, baseline_label: str,
                rollback: bool = False, upstream: bool = False) -> str:
    """The script text; ``walk`` is the proposal's validated forward walk over ``base``."""
    pieces = rollback_walk(walk).pieces if rollback else walk.pieces
    lines = header(proposal, base, baseline_label, rollback)
    name = string(script_name(proposal, rollback))
    if upstream:
        lines += ["", "INSERT IGNORE INTO SchemaStatus (scriptName, schemaStatus) VALUES "
                      f"({name}, 'ONGOING');"]
    previous = None
    for item in fold(pieces):
        label = ", ".join(item.labels if isinstance(item, AlterGroup) else [item.label])
        lines += [""] + ([f"-- {label}"] if label != previous else []) + [item.sql()]
        previous = label
    if upstream:
        lines += ["", f"UPDATE SchemaStatus SET schemaStatus = 'DONE' WHERE scriptName = "
                      f"{name};"]
    return "\n".join(lines) + "\n"
