# SPDX-License-Identifier: LGPL-3.0-or-later
"""Before/after of each table a proposal touches, row by row, ready to lay out.

Renames come from the proposal (the model diff cannot tell a rename from a drop plus an add).
"""
from __future__ import annotations

from dataclasses import dataclass, fields

from ..model import Change, Check, Column, ForeignKey, Index, IndexPart, Table, diff_tables
from ..model.serialize import part_to_str
from ..render.ddl import check_definition, foreign_key_definition, index_definition
from .viewmodel import ProposalPage


@dataclass(frozen=True)
class ColumnRow:
    status: str  # added / removed / renamed / changed / same
    before_name: str | None
    after_name: str | None
    before: str  # the definition, e.g. "int(11) unsigned NOT NULL"
    after: str
    changed: tuple[str, ...]  # which attributes differ: type, nullable, default, comment, …
    comment: str

    @property
    def name(self) -> str:
        return self.after_name or self.before_name or ""


@dataclass(frozen=True)
class TableChange:
    name: str  # after the proposal; a removed table keeps its old name
    old_name: str | None  # set when the table is renamed
    status: str  # added / removed / renamed / changed / unchanged
    rows: tuple[ColumnRow, ...]  # every column, in the table's order
    other_changes: tuple[str, ...]  # keys, foreign keys, checks, table options

    @property
    def changed_rows(self) -> tuple[ColumnRow, ...]:
        return tuple(r for r in self.rows if r.status != "same")

    @property
    def same_rows(self) -> tuple[ColumnRow, ...]:
        return tuple(r for r in self.rows if r.status == "same")


def column_definition(col: Column | None) -> str:
    if col is None:
        return ""
    parts = [str(col.type)]
    if not col.nullable:
        parts.append("NOT NULL")
    if col.default is not None and not (col.nullable and col.default == "NULL"):
        parts.append(f"DEFAULT {col.default}")
    if col.on_update:
        parts.append(f"ON UPDATE {col.on_update}")
    if col.auto_increment:
        parts.append("AUTO_INCREMENT")
    if col.generated:
        kind = "STORED" if col.generated.stored else "VIRTUAL"
        parts.append(f"AS ({col.generated.expression}) {kind}")
    return " ".join(parts)


def changed_attributes(old: Column, new: Column) -> tuple[str, ...]:
    return tuple(f.name for f in fields(Column)
                 if f.name != "name" and getattr(old, f.name) != getattr(new, f.name))


def _row(status: str, old: Column | None, new: Column | None) -> ColumnRow:
    changed = changed_attributes(old, new) if old and new else ()
    if status == "same" and changed:
        status = "changed"
    return ColumnRow(status, old.name if old else None, new.name if new else None,
                     column_definition(old), column_definition(new), changed,
                     (new or old).comment)


def column_rows(old: Table | None, new: Table | None, renames: dict[str, str]) -> list[ColumnRow]:
    """Rows in the new table's order; a removed column follows the column it followed before."""
    old_cols = {c.name: c for c in (old.columns if old else ())}
    old_of_new = {n: o for o, n in renames.items()}
    rows: list[ColumnRow] = []
    for col in new.columns if new else ():
        source = old_cols.get(old_of_new.get(col.name, col.name))
        status = "added" if source is None else ("renamed" if col.name in old_of_new else "same")
        rows.append(_row(status, source, col))
    kept = {r.before_name for r in rows}
    for position, col in enumerate(old.columns if old else ()):
        if col.name in kept:
            continue
        previous = [c.name for c in old.columns[:position] if c.name in kept]
        index = _after_row(rows, previous[-1]) if previous else 0
        rows.insert(index, _row("removed", col, None))
        kept.add(col.name)
    return rows


def _after_row(rows: list[ColumnRow], before_name: str) -> int:
    for index, row in enumerate(rows):
        if row.before_name == before_name:
            return index + 1
    return len(rows)


def _as_sql(value) -> str:
    """A model value as a reviewer reads it: keys and checks as their SQL definitions."""
    if isinstance(value, Index):
        return index_definition(value)
    if isinstance(value, ForeignKey):
        return foreign_key_definition(value)
    if isinstance(value, Check):
        return check_definition(value)
    if isinstance(value, tuple) and value and all(isinstance(p, IndexPart) for p in value):
        return "(" + ", ".join(part_to_str(p) for p in value) + ")"
    return repr(value)


def describe_change(change: Change) -> str:
    """One line for a key, check or table-option change."""
    if change.kind == "added":
        return f"+ {change.path}: {_as_sql(change.after)}"
    if change.kind == "removed":
        return f"- {change.path}: {_as_sql(change.before)}"
    return f"~ {change.path}: {_as_sql(change.before)} → {_as_sql(change.after)}"


def table_change(proposal: ProposalPage, name: str) -> TableChange:
    """The change of one touched table (``name`` as it is after the proposal)."""
    old_name = {r.new: r.old for r in proposal.renamed_tables}.get(name, name)
    old, new = proposal.before.table(old_name), proposal.after.table(name)
    renames = {r.old: r.new for r in proposal.renamed_columns if r.table == name}
    rows = tuple(column_rows(old, new, renames))
    if old is None:
        status = "added"
    elif new is None:
        status = "removed"
    elif old_name != name:
        status = "renamed"
    else:
        status = "changed"
    other = ()
    if old is not None and new is not None:
        diff = diff_tables(old.with_changes(name=name), new)
        other = tuple(describe_change(c) for c in diff.changes if ".column " not in c.path
                      and not c.path.endswith(".column order"))
        if status == "changed" and not other and all(r.status == "same" for r in rows):
            status = "unchanged"
    return TableChange(name, old_name if old_name != name else None, status, rows, other)


def table_changes(proposal: ProposalPage) -> list[TableChange]:
    return [table_change(proposal, name) for name in touched(proposal)]


def touched(proposal: ProposalPage) -> list[str]:
    """The proposal's touched tables, or, when it names none, every table its diff shows."""
    if proposal.touched_tables:
        return list(proposal.touched_tables)
    old_of = {r.new: r.old for r in proposal.renamed_tables}
    names = set(proposal.before.table_names()) | set(proposal.after.table_names())
    gone = set(old_of.values())
    return sorted(n for n in names - gone
                  if proposal.before.table(old_of.get(n, n)) != proposal.after.table(n))
