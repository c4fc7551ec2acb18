# SPDX-License-Identifier: LGPL-3.0-or-later
"""Parent rows per source row: ``insert_parents`` inserts one row into a table with an
auto-increment key for each (selected) row of another table, and records each new id on the
source row, so that later steps can fill child rows from it.

It expands into three primitives, set-based (no row loop):

1. ``ADD COLUMN`` ``record`` on the source (the parent key's type, NULL);
2. numbering: ``UPDATE source JOIN (SELECT pk, ROW_NUMBER() OVER (ORDER BY pk) …)`` sets
   ``record`` to the parent table's maximum key plus the row's rank, for the rows ``where``
   selects — the ids are reserved in the source's key order;
3. ``INSERT INTO parent (key, …) SELECT record, … FROM source WHERE record IS NOT NULL``
   (a ``copy_rows``: verify checks every selected row arrived with its values).

The rollback deletes the parent rows the mapping names (a multi-table ``DELETE … JOIN``) and
drops the column. Run with the table's writers stopped: the ids come from the current maximum.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ...errors import Diagnostic
from ...model import Column, Schema
from ...render.quote import ident, qualified
from .base import Operation, Piece, Statement, operation
from .columns import AddColumn
from .data import (
    CopyRows,
    DataStep,
    expression_problems,
    expression_reads,
    expression_sql,
    missing_required,
    scope_of,
    spelled,
)
from .merge import single_primary_key


def parent_key(op: Operation, model: Schema, name: str, problems: list, *keys) -> Column | None:
    """The parent table's single-column auto-increment primary key."""
    table = op.table_or_error(model, name, problems, *keys)
    if table is None:
        return None
    key = single_primary_key(op, table, problems, *keys)
    if key is not None and not key.auto_increment:
        problems.append(op.error("E210", f"{table.name}.{key.name} is not AUTO_INCREMENT: "
                                         "insert_parents numbers rows of such a table", *keys))
        return None
    return key


@operation("insert_parents")
@dataclass(frozen=True, kw_only=True)
class InsertParents(Operation):
    """One ``to`` row per ``from`` row (``where`` selects), its new id kept in ``record``."""

    compound = True

    source: str
    target: str
    record: str
    columns: tuple[tuple[str, str], ...]  # (parent column, expression over the source)
    where_sql: str | None = None
    comment: str = ""

    yaml_names = {"from": "source", "to": "target", "where": "where_sql"}

    @classmethod
    def fields_from_yaml(cls, body, where, problems):
        fields = super().fields_from_yaml(body, where, problems)
        return {**fields, "columns": tuple((k, str(v)) for k, v in body["columns"].items())}

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        source = self.table_or_error(model, self.source, problems, "from")
        key = parent_key(self, model, self.target, problems, "to")
        if source is None:
            return problems
        single_primary_key(self, source, problems, "from")
        if source.column(self.record) is not None:
            problems.append(self.error("E301", f"table {source.name!r} already has a column "
                                               f"{self.record!r}", "record"))
        if key is None or problems:
            return problems
        target, scope = model.table(self.target), scope_of(model, self.source)
        for name, text in self.columns:
            if name.lower() == key.name.lower():
                problems.append(self.error("E218", f"{key.name} is the new id: insert_parents "
                                                   "writes it", "columns", name, key=True))
            elif self.column_or_error(target, name, problems, "columns", name, key=True):
                problems += expression_problems(self.where, ("columns", name), text, scope)
        if self.where_sql:
            problems += expression_problems(self.where, ("where",), self.where_sql, scope)
        return problems + missing_required(self, target, [key.name] + [n for n, _ in
                                                                       self.columns],
                                           ("columns",))

    def record_column(self, model: Schema) -> Column:
        key = model.table(self.target).primary_key.columns[0]
        column = model.table(self.target).column(key)
        comment = self.comment or f"Id of the {self.target} row inserted for this row " \
                                  "(insert_parents)"
        return replace(column, name=self.record, nullable=True, auto_increment=False,
                       default=None, comment=comment)

    def expand(self, model: Schema) -> list[Operation]:
        key = model.table(self.target).primary_key.columns[0]
        add = self.derived(AddColumn, table=self.source, column=self.record_column(model))
        number = self.derived(NumberRows, source=self.source, target=self.target,
                              record=self.record, where_sql=self.where_sql)
        undo = self.derived(DeleteMapped, source=self.source, target=self.target,
                            record=self.record)
        copy = self.derived(CopyRows, source=self.source, target=self.target,
                            columns=((key, self.record),) + self.columns,
                            where_sql=f"{self.record} IS NOT NULL", rollback=(undo,))
        return [add, number, copy]


@dataclass(frozen=True, kw_only=True)
class NumberRows(DataStep):
    """Reserve the parent ids: ``record`` = the parent's maximum key + the row's rank."""

    source: str
    target: str
    record: str
    where_sql: str | None = None

    def table_name(self) -> str | None:
        return self.source  # the table it writes (the mapping column)

    def render(self, model: Schema) -> list[Piece]:
        source, target = model.table(self.source), model.table(self.target)
        pk = source.primary_key.columns[0]
        key = target.primary_key.columns[0]
        where = f" WHERE {expression_sql(self.where_sql, scope_of(model, self.source))}" \
            if self.where_sql else ""
        rank, top = ident("o"), ident("m")
        text = (f"UPDATE {ident(source.name)} JOIN (SELECT {ident(pk)}, ROW_NUMBER() OVER "
                f"(ORDER BY {ident(pk)}) AS {ident('n')} FROM {ident(source.name)}{where}) AS "
                f"{rank} ON {qualified('o', pk)} = {qualified(source.name, pk)} "
                f"JOIN (SELECT COALESCE(MAX({ident(key)}), 0) AS {ident('m')} FROM "
                f"{ident(target.name)}) AS {top} SET "
                f"{qualified(source.name, self.record)} = {qualified('m', 'm')} + "
                f"{qualified('o', 'n')}")
        return [Statement(text, frozenset({source.name, target.name}), data=True)]

    def reads(self, model: Schema):
        pk = model.table(self.source).primary_key.columns[0]
        out = {spelled(model, self.source, pk), (self.target, None)}
        if self.where_sql:
            out |= expression_reads(self.where_sql, scope_of(model, self.source))
        return out

    def writes(self, model: Schema):
        return {spelled(model, self.source, self.record)}

    def inverse(self, model: Schema) -> list[Operation]:
        return []  # the column goes with the ADD COLUMN's inverse


@dataclass(frozen=True, kw_only=True)
class DeleteMapped(DataStep):
    """The rollback of the insert: delete the parent rows the source's ``record`` names."""

    source: str
    target: str
    record: str

    def table_name(self) -> str | None:
        return self.target  # the table it deletes from

    def render(self, model: Schema) -> list[Piece]:
        target = model.table(self.target)
        key = target.primary_key.columns[0]
        text = (f"DELETE {ident(target.name)} FROM {ident(target.name)} JOIN "
                f"{ident(self.source)} ON {qualified(self.source, self.record)} = "
                f"{qualified(target.name, key)}")
        return [Statement(text, frozenset({self.source, target.name}), data=True)]

    def reads(self, model: Schema):
        return {spelled(model, self.source, self.record)}
