# SPDX-License-Identifier: LGPL-3.0-or-later
"""Views of one schema for the schema browser: every table, its columns, keys and links."""
from __future__ import annotations

from dataclasses import dataclass

from ..model import ForeignKey, Schema, Table
from .markup import natural_key, slug
from .tablediff import column_definition


@dataclass(frozen=True)
class ColumnRef:
    table: str
    slug: str  # the table's page
    column: str


@dataclass(frozen=True)
class ColumnView:
    name: str
    anchor: str
    definition: str
    key: str  # PK, UNI, FK — what the column is part of
    comment: str
    references: ColumnRef | None  # the column it points at, when it is a foreign key


@dataclass(frozen=True)
class Relation:
    """One foreign key seen from either end; ``slug`` is None when the other table is absent."""

    fk: ForeignKey
    table: str  # the other table
    slug: str | None
    columns: tuple[str, ...]  # this table's columns
    other_columns: tuple[str, ...]


@dataclass(frozen=True)
class TableView:
    table: Table
    slug: str
    columns: tuple[ColumnView, ...]
    references: tuple[Relation, ...]
    referenced_by: tuple[Relation, ...]
    proposals: tuple[tuple[str, str], ...]  # (id, slug) of proposals that touch the table
    change: str  # against the schema compared to: "added", "changed" or ""


def column_anchor(name: str) -> str:
    return "col-" + slug(name)


def _key(table: Table, column: str) -> str:
    marks = []
    if table.primary_key and column in table.primary_key.columns:
        marks.append("PK")
    if any(i.kind == "UNIQUE" and column in i.columns for i in table.indexes):
        marks.append("UNI")
    if any(column in fk.columns for fk in table.foreign_keys):
        marks.append("FK")
    return " ".join(marks)


def _columns(table: Table, schema: Schema) -> tuple[ColumnView, ...]:
    targets = {}
    for fk in table.foreign_keys:
        if schema.table(fk.ref_table) is not None:
            for col, ref_col in zip(fk.columns, fk.ref_columns):
                targets[col] = ColumnRef(fk.ref_table, slug(fk.ref_table), ref_col)
    return tuple(ColumnView(c.name, column_anchor(c.name), column_definition(c),
                            _key(table, c.name), c.comment, targets.get(c.name))
                 for c in table.columns)


def _slug_if_present(schema: Schema, name: str) -> str | None:
    return slug(name) if schema.table(name) is not None else None


def _change(table: Table, compare_to: Schema | None) -> str:
    if compare_to is None:
        return ""
    before = compare_to.table(table.name)
    return "added" if before is None else ("changed" if before != table else "")


def table_views(schema: Schema, compare_to: Schema | None,
                touched_by: dict[str, list[str]]) -> list[TableView]:
    """Every table of ``schema``, marked added/changed against ``compare_to`` when given;
    ``touched_by`` maps a table to the ids of the proposals touching it."""
    incoming: dict[str, list[Relation]] = {}
    for table in schema.tables:
        for fk in table.foreign_keys:
            incoming.setdefault(fk.ref_table, []).append(
                Relation(fk, table.name, slug(table.name), fk.ref_columns, fk.columns))
    views = []
    for table in sorted(schema.tables, key=lambda t: natural_key(t.name)):
        outgoing = tuple(Relation(fk, fk.ref_table, _slug_if_present(schema, fk.ref_table),
                                  fk.columns, fk.ref_columns) for fk in table.foreign_keys)
        referenced_by = tuple(sorted(incoming.get(table.name, ()),
                                     key=lambda r: (natural_key(r.table), r.fk.name)))
        proposals = tuple((i, slug(i)) for i in touched_by.get(table.name, ()))
        views.append(TableView(table, slug(table.name), _columns(table, schema), outgoing,
                               referenced_by, proposals, _change(table, compare_to)))
    return views
