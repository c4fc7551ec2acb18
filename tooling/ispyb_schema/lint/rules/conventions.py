# SPDX-License-Identifier: LGPL-3.0-or-later
"""5xx: the ISPyB conventions, for what a proposal creates or renames (legacy names stay)."""
from __future__ import annotations

import re

from ...changeset.operations.columns import AddColumn, RenameColumn
from ...changeset.operations.keys import AddForeignKey, DropForeignKey
from ...changeset.operations.tables import CreateTable, RenameTable, SetTableComment
from ..registry import Finding, rule

TABLE_NAME = re.compile(r"[A-Z][A-Za-z0-9]*(_has_[A-Z][A-Za-z0-9]*)*")
COLUMN_NAME = re.compile(r"[a-z][A-Za-z0-9]*")
_LEADING_CAPITALS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]+(?![a-z])|[A-Z]")


def lower_camel(table: str) -> str:
    """``BLSample`` -> ``blSample``, ``Phasing_has_Scaling`` -> ``phasingHasScaling``."""
    joined = "".join(part[:1].upper() + part[1:] for part in table.split("_"))
    return _LEADING_CAPITALS.sub(lambda m: m.group().lower(), joined, count=1)


def _column_loc(step, name: str):
    """Where a column of a created table is spelled; the step itself for derived tables."""
    if isinstance(step.op, CreateTable):
        names = [c.name.lower() for c in step.op.table.columns]
        if name.lower() in names:
            return step.op.where("columns", names.index(name.lower()), "name")
    return step.op.where("column", "name")


def new_tables(ctx):
    """(step, table in the final model) for each table the proposal creates."""
    for step in ctx.ops(CreateTable):
        table = ctx.final.table(step.op.table.name)
        if table is not None:
            yield step, table


def new_columns(ctx):
    """(step, table, column in the final model) for each column the proposal creates."""
    seen = set()
    for step in ctx.steps:
        for table_name, column_name in step.op.creates(step.before):
            table = ctx.final.table(table_name)
            if table is None or isinstance(step.op, CreateTable) != (column_name is None):
                continue
            names = [column_name] if column_name else [c.name for c in table.columns]
            for name in names:
                column = table.column(name)
                if column is not None and (table.name, column.name) not in seen:
                    seen.add((table.name, column.name))
                    yield step, table, column


@rule(code="ISP501", name="table-name", severity="warning",
      summary="a new table name is not UpperCamelCase")
def table_name(ctx):
    """ISPyB tables are named in UpperCamelCase (``DataCollectionGroup``, acronyms kept:
    ``BLSample``); junction tables join two names with ``_has_``
    (``BLSample_has_EnergyScan``)."""
    names = [(s, s.op.table.name, s.op.where("table")) for s in ctx.ops(CreateTable)]
    names += [(s, s.op.new, s.op.where("to")) for s in ctx.ops(RenameTable)]
    for step, name, loc in names:
        if not TABLE_NAME.fullmatch(name):
            yield Finding(loc, f"table {name!r} is not UpperCamelCase (e.g. "
                               f"{lower_camel(name)[:1].upper() + lower_camel(name)[1:]!r})")


@rule(code="ISP502", name="column-name", severity="warning",
      summary="a new column name is not lowerCamelCase")
def column_name(ctx):
    """ISPyB columns are named in lowerCamelCase (``dataCollectionId``, ``startTime``); legacy
    UPPERCASE and snake_case names are not to be copied."""
    found = [(s, t.name, c.name, _column_loc(s, c.name)) for s, t, c in new_columns(ctx)]
    found += [(s, s.op.table, s.op.new, s.op.where("to")) for s in ctx.ops(RenameColumn)]
    for step, table, name, loc in found:
        if not COLUMN_NAME.fullmatch(name):
            yield Finding(loc, f"column {table}.{name} is not lowerCamelCase")


@rule(code="ISP503", name="primary-key-convention", severity="warning",
      summary="a new table's primary key is not <table>Id, unsigned, auto-increment")
def primary_key_convention(ctx):
    """A new table's primary key is one integer column named after the table
    (``BLSampleGroup`` -> ``blSampleGroupId``), UNSIGNED and AUTO_INCREMENT. Junction tables
    and 1:1 extension tables, whose key columns are all foreign keys, are exempt."""
    for step, table in new_tables(ctx):
        pk = table.primary_key
        referencing = {c.lower() for fk in table.foreign_keys for c in fk.columns}
        if pk is None or all(c.lower() in referencing for c in pk.columns):
            continue
        expected = lower_camel(table.name) + "Id"
        column = table.column(pk.columns[0])
        problems = []
        if len(pk.columns) > 1:
            problems.append(f"has {len(pk.columns)} columns")
        elif column.name != expected:
            problems.append(f"is {column.name!r}, expected {expected!r}")
        if not (column.type.is_integer and column.type.unsigned):
            problems.append(f"is {column.type}, expected an unsigned integer")
        if not column.auto_increment:
            problems.append("is not AUTO_INCREMENT")
        if problems:
            yield Finding(_column_loc(step, column.name), f"primary key of {table.name} "
                                                          f"{'; '.join(problems)}")


def _new_foreign_keys(ctx):
    """(step, table, foreign key, where) for each foreign key the proposal adds anew."""
    for step, table in new_tables(ctx):
        for i, fk in enumerate(step.op.table.foreign_keys):
            yield step, table.name, fk, step.op.where("foreign_keys", i, "name")
    for step in ctx.ops(AddForeignKey):
        readded = any(isinstance(s.op, DropForeignKey) and s.op.name.lower() ==
                      step.op.fk.name.lower() for s in ctx.earlier(step))
        if not readded:
            yield step, step.op.table, step.op.fk, step.op.where("name")


@rule(code="ISP504", name="foreign-key-name", severity="notice",
      summary="a new foreign key is not named <Table>_fk_<column>")
def foreign_key_name(ctx):
    """Foreign key names are unique in the whole database; naming them
    ``<Table>_fk_<column>`` (or InnoDB's own ``<Table>_ibfk_<n>``) keeps them unique and says
    where they live."""
    for step, table, fk, loc in _new_foreign_keys(ctx):
        if not re.fullmatch(rf"{re.escape(table)}_(ibfk_\d+|fk_\w+)", fk.name, re.IGNORECASE):
            yield Finding(loc, f"foreign key {fk.name!r} on {table}: name it "
                               f"'{table}_fk_{fk.columns[0]}'")


@rule(code="ISP505", name="table-comment", severity="warning",
      summary="a new table has no comment")
def table_comment(ctx):
    """Every new table says what one row is, in its COMMENT: the review site and the
    facilities' developers read it."""
    for step, table in new_tables(ctx):
        if not table.comment:
            yield Finding(step.op.where("table"), f"new table {table.name} has no comment")
    for step in ctx.ops(SetTableComment):
        if not step.op.comment.strip():
            yield Finding(step.op.where("comment"), f"removes the comment of {step.op.table}")


@rule(code="ISP506", name="column-comment", severity="warning",
      summary="a new column has no comment")
def column_comment(ctx):
    """Every new column says what it holds and in which unit, in its COMMENT."""
    for step, table, column in new_columns(ctx):
        if not column.comment:
            yield Finding(_column_loc(step, column.name), f"new column {table.name}."
                                                          f"{column.name} has no comment")


@rule(code="ISP507", name="charset-consistency", severity="warning",
      summary="a new table or column's charset differs from its neighbours'")
def charset_consistency(ctx):
    """Joined columns with different charsets or collations cannot use their indexes, and
    foreign keys between them are refused. A new table takes the charset and collation of the
    tables it references or that reference it; a new column takes its table's.

    A new table is compared with each neighbour that the proposal does not create itself:
    tables created the same way, next to the same existing tables, get the same answer
    whether or not they also reference each other."""
    created = {table.name for _, table in new_tables(ctx)}
    for step, table in new_tables(ctx):
        neighbours = {fk.ref_table for fk in table.foreign_keys}
        neighbours |= {t.name for t, _ in ctx.final.referencing(table.name)}
        others = {n: ctx.final.table(n) for n in sorted(neighbours - created - {table.name})
                  if ctx.final.table(n) is not None}
        differ = {n: t for n, t in others.items()
                  if (t.charset, t.collation) != (table.charset, table.collation)}
        if differ:
            styles = ", ".join(sorted({f"{t.charset}/{t.collation}" for t in differ.values()}))
            yield Finding(step.op.where("table"), f"{table.name} is {table.charset}/"
                                                  f"{table.collation}; its neighbours "
                                                  f"({', '.join(differ)}) are {styles}")
    for step in ctx.ops(AddColumn):
        table = ctx.final.table(step.op.table)
        column = table and table.column(step.op.column.name)
        if column is not None and column.type.is_string and (
                table.effective_charset(column), table.effective_collation(column)) != (
                table.charset, table.collation):
            yield Finding(step.op.where("column"), f"{table.name}.{column.name} is "
                                                   f"{table.effective_charset(column)} in a "
                                                   f"{table.charset} table")


@rule(code="ISP508", name="foreign-key-column-name", severity="notice",
      summary="a foreign key column is not named after the column it references")
def foreign_key_column_name(ctx):
    """A column referencing ``Protein.proteinId`` is called ``proteinId`` (or ends so:
    ``parentProteinId``). ISPyB's ``componentId`` columns that reference Protein and
    ``blSampleTypeId`` columns that reference Crystal are the drift not to repeat."""
    for step, table, fk, loc in _new_foreign_keys(ctx):
        for column, referenced in zip(fk.columns, fk.ref_columns):
            if not column.lower().endswith(referenced.lower()):
                yield Finding(loc, f"{table}.{column} references {fk.ref_table}.{referenced}: "
                                   f"name it {referenced!r} (or '…{referenced[:1].upper()}"
                                   f"{referenced[1:]}')")
