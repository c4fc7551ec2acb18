# SPDX-License-Identifier: LGPL-3.0-or-later
"""Compound operations that restructure tables, schema and data together: move columns to
another table, split a table, merge one table into another.

Each expands, against the current model, into the primitive operations above; checks, SQL,
inverses and data-loss analysis come from those primitives, reported at the compound's step.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ...errors import Diagnostic
from ...model import Column, ForeignKey, Index, IndexPart, Schema, Table
from ...render.quote import ident, string
from .base import Operation, operation
from .columns import AddColumn, DropColumn, column_from_yaml
from .data import CopyRows, DeleteRows, FillFromJoin, Transform
from .indexes import AddIndex
from .keys import AddForeignKey, DropForeignKey
from .tables import CreateTable, DropTable


def portable(table: Table, column: Column) -> Column:
    """``column`` with its effective charset spelled out, to move it to another table."""
    return replace(column, charset=table.effective_charset(column),
                   collation=table.effective_collation(column), auto_increment=False)


def single_primary_key(op: Operation, table: Table, problems, *keys) -> Column | None:
    pk = table.primary_key
    if pk is None or len(pk.parts) != 1:
        problems.append(op.error("E210", f"{table.name} needs a single-column primary key "
                                         "here", *keys))
        return None
    return table.column(pk.columns[0])


@dataclass(frozen=True, kw_only=True)
class Marker(Operation):
    """A step with no SQL of its own: it only holds a place in the rollback order."""


@operation("move_columns")
@dataclass(frozen=True, kw_only=True)
class MoveColumns(Operation):
    """Add the columns to ``to``, fill them through ``join``, drop them from ``from``."""

    compound = True

    source: str
    target: str
    columns: tuple[str, ...]
    join: tuple[tuple[str, str], ...]  # (target column, source column)
    after: str | None = None

    yaml_names = {"from": "source", "to": "target"}

    @classmethod
    def fields_from_yaml(cls, body, where, problems):
        fields = super().fields_from_yaml(body, where, problems)
        return {**fields, "join": tuple(body["join"].items())}

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        source = self.table_or_error(model, self.source, problems, "from")
        target = self.table_or_error(model, self.target, problems, "to")
        if source is None or target is None:
            return problems
        for i, name in enumerate(self.columns):
            column = self.column_or_error(source, name, problems, "columns", i)
            if column is not None and column.auto_increment:
                problems.append(self.error("E208", f"{name!r} is AUTO_INCREMENT and cannot "
                                                   "move", "columns", i))
        for mine, theirs in self.join:
            self.column_or_error(target, mine, problems, "join", mine, key=True)
            self.column_or_error(source, theirs, problems, "join", mine)
        return problems

    def expand(self, model: Schema) -> list[Operation]:
        source = model.table(self.source)
        moved = [source.column(c) for c in self.columns]
        ops: list[Operation] = []
        after = self.after
        for column in moved:
            ops.append(self.derived(AddColumn, table=self.target,
                                    column=portable(source, column), after=after))
            after = column.name if after else None
        back = self.derived(FillFromJoin, table=self.source, source=self.target,
                            join=tuple((s, t) for t, s in self.join),
                            assign=tuple((c.name, c.name) for c in moved))
        ops.append(self.derived(FillFromJoin, table=self.target, source=self.source,
                                join=self.join, assign=tuple((c.name, c.name) for c in moved),
                                rollback=(back,)))
        ops += [self.derived(DropColumn, table=self.source, column=c.name,
                             data_loss=self.data_loss) for c in moved]
        return ops


@operation("split_table")
@dataclass(frozen=True, kw_only=True)
class SplitTable(Operation):
    """Move columns into a new 1:1 table keyed (and cascaded) by the old primary key."""

    compound = True

    table: str
    into: str
    columns: tuple[str, ...]
    comment: str = ""
    skip_empty: bool = True

    def table_name(self) -> str | None:
        return self.table

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        table = self.table_or_error(model, self.table, problems, "table")
        if table is None:
            return problems
        single_primary_key(self, table, problems, "table")
        for i, name in enumerate(self.columns):
            self.column_or_error(table, name, problems, "columns", i)
        return problems

    def new_table(self, table: Table) -> Table:
        pk = replace(table.column(table.primary_key.columns[0]), auto_increment=False,
                     comment=f"{table.name} row this extends")
        columns = (pk,) + tuple(portable(table, table.column(c)) for c in self.columns)
        fk = ForeignKey(f"{self.into}_ibfk_1", (pk.name,), table.name, (pk.name,),
                        "CASCADE", "CASCADE")
        return Table(self.into, columns, (Index("PRIMARY", (IndexPart(pk.name),), "PRIMARY"),),
                     (fk,), engine=table.engine, charset=table.charset,
                     collation=table.collation, comment=self.comment)

    def expand(self, model: Schema) -> list[Operation]:
        table = model.table(self.table)
        new = self.new_table(table)
        names = [c.name for c in new.columns]
        back = self.derived(FillFromJoin, table=self.table, source=self.into,
                            join=((names[0], names[0]),),
                            assign=tuple((n, n) for n in names[1:]))
        where = None
        if self.skip_empty:
            where = " OR ".join(f"{ident(n)} IS NOT NULL" for n in names[1:])
        copy = self.derived(CopyRows, source=self.table, target=self.into,
                            columns=tuple((n, ident(n)) for n in names), where_sql=where,
                            rollback=(back,))
        drops = [self.derived(DropColumn, table=self.table, column=n, data_loss=self.data_loss)
                 for n in names[1:]]
        return [self.derived(CreateTable, table=new), copy, *drops]


@operation("merge_tables")
@dataclass(frozen=True, kw_only=True)
class MergeTables(Operation):
    """Append the rows of ``from`` to ``into``, tell them apart by a discriminator column,
    repoint every foreign key that referenced ``from``, then drop ``from``.

    Merged rows get new ids in ``into``; the foreign keys follow. The rollback recreates
    ``from`` with those new ids and the data of the mapped columns.
    """

    compound = True

    into: str
    source: str
    columns: tuple[tuple[str, str], ...]  # (into column, from column)
    discriminator: Column
    into_value: str
    from_value: str

    yaml_names = {"from": "source"}
    MERGE_ID = "mergedFromId"

    @classmethod
    def fields_from_yaml(cls, body, where, problems):
        spec = body["discriminator"]
        column = column_from_yaml(spec["column"], where.below("discriminator", "column"),
                                  problems)
        return column and {"into": body["into"], "source": body["from"],
                           "columns": tuple(body["columns"].items()), "discriminator": column,
                           "into_value": spec["into_value"], "from_value": spec["from_value"]}

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        into = self.table_or_error(model, self.into, problems, "into")
        source = self.table_or_error(model, self.source, problems, "from")
        if into is None or source is None:
            return problems
        if into.name == source.name:
            problems.append(self.error("E211", "merge needs two different tables", "from"))
            return problems
        if not (single_primary_key(self, into, problems, "into") and
                single_primary_key(self, source, problems, "from")):
            return problems
        for mine, theirs in self.columns:
            self.column_or_error(into, mine, problems, "columns", mine, key=True)
            self.column_or_error(source, theirs, problems, "columns", mine)
        if into.column(self.MERGE_ID):
            problems.append(self.error("E301", f"{self.into} already has a column "
                                               f"{self.MERGE_ID!r}, which the merge needs",
                                       "into"))
        for table, fk in model.referencing(self.source):
            if table.name == self.source or len(fk.ref_columns) != 1 or \
                    fk.ref_columns[0].lower() != source.primary_key.columns[0].lower():
                problems.append(self.error("E210", f"foreign key {table.name}.{fk.name} does "
                                                   f"not reference the primary key of "
                                                   f"{self.source} from another table; merge "
                                                   "cannot repoint it", "from"))
        return problems

    def expand(self, model: Schema) -> list[Operation]:
        into, source = model.table(self.into), model.table(self.source)
        into_pk = into.primary_key.columns[0]
        source_pk = source.column(source.primary_key.columns[0])
        tag = self.discriminator.name
        ops: list[Operation] = [self.derived(AddColumn, table=self.into, column=self.discriminator)]
        if self.discriminator.default != "'" + self.into_value.replace("'", "''") + "'":
            ops.append(self.derived(Transform, table=self.into, column=tag,
                                    expression=string(self.into_value)))
        merge_id = replace(source_pk, name=self.MERGE_ID, auto_increment=False, nullable=True,
                           default=None, comment="")
        ops.append(self.derived(AddColumn, table=self.into, column=merge_id))
        ops.append(self.derived(AddIndex, table=self.into,  # the repointing joins on it
                                index=Index(self.MERGE_ID, (IndexPart(self.MERGE_ID),))))
        is_merged = f"{ident(tag)} = {string(self.from_value)}"
        mapping = [(m, ident(t)) for m, t in self.columns]
        ops.append(self.derived(
            CopyRows, source=self.source, target=self.into,
            columns=tuple(mapping + [(tag, string(self.from_value)),
                                     (self.MERGE_ID, ident(source_pk.name))]),
            data_loss=self.data_loss,  # acknowledges values the mapped columns cannot hold
            rollback=(self.derived(DeleteRows, table=self.into, where_sql=is_merged),)))
        referrers = [(t, fk) for t, fk in model.referencing(self.source)]
        ops += [self.derived(DropForeignKey, table=t.name, name=fk.name) for t, fk in referrers]
        ops += [self.derived(FillFromJoin, table=t.name, source=self.into,
                             join=((fk.columns[0], self.MERGE_ID),),
                             assign=((fk.columns[0], into_pk),), rollback=())
                for t, fk in referrers]
        ops += [self.derived(AddForeignKey, table=t.name,
                             fk=replace(fk, ref_table=self.into, ref_columns=(into_pk,)))
                for t, fk in referrers]
        back = [(source_pk.name, ident(into_pk))] + [(t, ident(m)) for m, t in self.columns]
        ops.append(self.derived(Marker, rollback=(self.derived(
            CopyRows, source=self.into, target=self.source, columns=tuple(back),
            where_sql=is_merged),)))
        ops.append(self.derived(DropColumn, table=self.into, column=self.MERGE_ID))
        ops.append(self.derived(DropTable, name=self.source, data_loss=self.data_loss))
        return ops
