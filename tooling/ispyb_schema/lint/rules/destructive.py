# SPDX-License-Identifier: LGPL-3.0-or-later
"""1xx: changes that destroy data or break the code that reads it."""
from __future__ import annotations

from dataclasses import replace

from ...changeset.operations.columns import AddColumn, DropColumn, ModifyColumn, RenameColumn
from ...changeset.operations.columns import narrowing
from ...changeset.operations.enums import ChangeEnum
from ...changeset.operations.indexes import AddIndex, DropIndex
from ...changeset.operations.keys import AddForeignKey, DropForeignKey
from ...changeset.operations.tables import DropTable, RenameTable
from ...changeset.operations.typecheck import copied_columns, losses
from ..registry import Finding, rule


def _acknowledged(step) -> str:
    loss = step.op.data_loss
    return f" (acknowledged: {loss.reason})" if loss else ""


@rule(code="ISP101", name="drop-table", severity="warning",
      summary="a table is dropped with columns whose values were not copied first")
def drop_table(ctx):
    """Dropping a table loses every value no earlier step copied elsewhere. The finding names
    those columns (all of them when nothing was copied) and, with a database, how many rows
    of the fixture data hold a value in each. Not reported when the table was created by the
    same proposal, or when earlier steps copied every column (copy_rows, a merge, raw
    INSERT … SELECT).

    Make sure no facility still writes to the table, and say so in the step's `data_loss`
    reason."""
    for step in ctx.ops(DropTable):
        name = step.op.name
        if ctx.created_before(step, name):
            continue
        table = step.before.table(name)
        lost = _not_copied(ctx, step, table.name, [c.name for c in table.columns])
        if not lost:
            continue
        columns = len(table.columns)
        what = f"drops table {table.name} and every row in its {columns} columns" \
            if len(lost) == columns else \
            (f"drops table {table.name}: {len(lost)} of its {columns} columns were never "
             "copied by an earlier step")
        yield Finding(step.op.where("table"), f"{what}{_held(ctx, step, table.name, lost)}"
                                              f"{_acknowledged(step)}")


@rule(code="ISP102", name="drop-column", severity="warning",
      summary="a column and its values are dropped")
def drop_column(ctx):
    """Dropping a column loses its values. Not reported when the same proposal created the
    column, or copied its values elsewhere first (move_columns, split_table, unpivot,
    copy_rows, raw INSERT … SELECT); a column only filtered or joined on was not copied. With
    a database, the finding says how many rows of the fixture data hold a value."""
    for step in ctx.ops(DropColumn):
        table, column = step.op.table, step.op.column
        if ctx.created_before(step, table, column) or not _not_copied(ctx, step, table,
                                                                      [column]):
            continue
        found = step.before.table(table).column(column)
        count = _filled(ctx, step).get(f"{table}.{found.name}".lower())
        held = "" if count is None else f" ({_rows(count)} of the fixture data " \
            f"{'holds' if count == 1 else 'hold'} one)"
        yield Finding(step.op.where("column"), f"drops {table}.{found.name} ({found.type}) "
                                               f"and its values{held}{_acknowledged(step)}")


def _not_copied(ctx, step, table: str, columns: list[str]) -> list[str]:
    """The columns of ``table`` whose values no step before ``step`` copied anywhere."""
    copied = set().union(*(copied_columns(s.op, s.before) for s in ctx.earlier(step)))
    return [c for c in columns if (table.lower(), c.lower()) not in copied]


def _filled(ctx, step) -> dict[str, int]:
    """'table.column' (lower case) -> rows holding a value, measured with --db."""
    if ctx.data is None:
        return {}
    return {a.question.what.lower(): a.count for a in ctx.data.of(step)
            if a.question.kind == "filled" and a.count is not None}


def _rows(count: int) -> str:
    return "no row" if count == 0 else "1 row" if count == 1 else f"{count} rows"


def _held(ctx, step, table: str, columns: list[str]) -> str:
    """': a (12 rows hold a value), b (empty), …' — or the names alone without a database."""
    filled = _filled(ctx, step)
    shown = []
    for column in columns[:25]:
        count = filled.get(f"{table}.{column}".lower())
        held = "empty" if count == 0 else "1 row holds a value" if count == 1 else \
            f"{count} rows hold a value"
        shown.append(column if count is None else f"{column} ({held})")
    more = f" and {len(columns) - 25} more" if len(columns) > 25 else ""
    return f": {', '.join(shown)}{more}" if len(columns) < 200 else ""


@rule(code="ISP103", name="drop-index", severity="notice",
      summary="an index or key is dropped")
def drop_index(ctx):
    """Dropping an index slows the queries that used it; dropping a UNIQUE or PRIMARY key also
    lets duplicates in. Check the slow-query log of each facility before dropping. Not
    reported for an index the same proposal added."""
    for step in ctx.ops(DropIndex):
        if ctx.created_before(step, step.op.table) or any(
                isinstance(s.op, AddIndex) and s.op.table == step.op.table and
                s.op.index.name.lower() == step.op.name.lower() for s in ctx.earlier(step)):
            continue
        index = step.before.table(step.op.table).index(step.op.name)
        what = {"PRIMARY": "the primary key", "UNIQUE": "unique key"}.get(index.kind, "index")
        name = "" if index.kind == "PRIMARY" else f" {index.name}"
        effect = ("duplicates become possible" if index.is_unique
                  else "queries filtering on it slow down")
        yield Finding(step.op.where("name"), f"drops {what}{name} on {step.op.table}"
                                             f"({', '.join(index.columns)}): {effect}")


@rule(code="ISP104", name="drop-foreign-key", severity="warning",
      summary="a foreign key is dropped: orphan rows become possible")
def drop_foreign_key(ctx):
    """Without the foreign key, rows can point at parents that do not exist. Not reported
    when a later step of the proposal adds a foreign key on the same columns again (a merge
    repointing its references)."""
    for step in ctx.ops(DropForeignKey):
        fk = step.before.table(step.op.table).foreign_key(step.op.name)
        columns = [c.lower() for c in fk.columns]
        if any(isinstance(s.op, AddForeignKey) and s.op.table == step.op.table and
               [c.lower() for c in s.op.fk.columns] == columns for s in ctx.later(step)):
            continue
        yield Finding(step.op.where("name"), f"drops foreign key {fk.name} "
                                             f"({step.op.table}.{', '.join(fk.columns)} -> "
                                             f"{fk.ref_table}): orphan rows become possible")


@rule(code="ISP105", name="narrowing-type", severity="warning",
      summary="a column's type narrows: values may be cut or the ALTER may fail")
def narrowing_type(ctx):
    """A shorter string, a smaller integer or fewer decimal digits cuts or rejects existing
    values. Enum and set values are the concern of ISP106."""
    for step in ctx.ops(ModifyColumn):
        table = step.before.table(step.op.table)
        old, new = table.column(step.op.column), step.op.new_column(table)
        if old.type.base in ("enum", "set") or ctx.created_before(step, table.name, old.name):
            continue
        why = narrowing(old, replace(new, nullable=old.nullable))
        if why:
            yield Finding(step.op.where("type"), f"{table.name}.{old.name} {why}")


@rule(code="ISP106", name="enum-values-removed", severity="warning",
      summary="enum or set values that rows may hold are removed")
def enum_values_removed(ctx):
    """Rows holding a removed value lose it (or make the ALTER fail). change_enum with a
    ``map`` moves them to a kept value first; only unmapped removals are reported."""
    for step in ctx.ops(ChangeEnum, ModifyColumn):
        table = step.before.table(step.op.table)
        old = table.column(step.op.column)
        if old.type.base not in ("enum", "set"):
            continue
        if isinstance(step.op, ChangeEnum):
            mapped = dict(step.op.map)
            gone = [v for v in step.op.remove if v not in mapped]
            key = "remove"
        else:
            new = step.op.new_column(table)
            gone = [v for v in old.type.values if v not in new.type.values]
            key = "type" if "type" in dict(step.op.changes) else "values"
        if gone:
            yield Finding(step.op.where(key), f"removes {', '.join(map(repr, gone))} from "
                                              f"{table.name}.{old.name}: rows holding "
                                              f"{'it' if len(gone) == 1 else 'them'} lose the "
                                              f"value{_acknowledged(step)}")


@rule(code="ISP107", name="not-null-without-default", severity="error",
      summary="a NOT NULL column without a default is added to a table with rows")
def not_null_without_default(ctx):
    """MariaDB gives the existing rows the type's implicit default (0, '' or a zero date): a
    value nobody chose. Add the column nullable (or with a DEFAULT), fill it, then make it NOT
    NULL. Not reported when a later step of the proposal fills the column, or when the
    fixture data shows the table empty."""
    for step in ctx.ops(AddColumn):
        column, table = step.op.column, step.op.table
        if column.nullable or column.default is not None or column.generated or \
                ctx.created_before(step, table) or ctx.written_after(step, table, column.name):
            continue
        if ctx.data is not None and ctx.data.rows_before(step) == 0:
            continue
        yield Finding(step.op.where("column", "name"), f"adds {table}.{column.name} NOT NULL "
                                                       "without a default: existing rows get "
                                                       "an implicit value (0, '' or a zero "
                                                       "date)")


@rule(code="ISP108", name="rename-breaks-readers", severity="warning",
      summary="a table, column or enum value is renamed: every reader must change with it")
def rename_breaks_readers(ctx):
    """Queries, views, stored routines and the facilities' software name tables, columns and
    enum values; after a rename every one of them must change in the same release. Impact
    analysis (``--routines``) lists the routines and views concerned. A column renamed in case
    only breaks no SQL (MariaDB compares column names case-insensitively) but does break
    client code that reads result-set keys by name; impact lists no routine for it."""
    for step in ctx.ops(RenameTable):
        yield Finding(step.op.where("from"), f"renames table {step.op.old} to {step.op.new}: "
                                             "every reader of the old name breaks")
    for step in ctx.ops(RenameColumn):
        if ctx.created_before(step, step.op.table, step.op.old):
            continue
        if step.op.old.lower() == step.op.new.lower():
            yield Finding(step.op.where("from"), f"renames {step.op.table}.{step.op.old} to "
                                                 f"{step.op.new}, case only: SQL (queries, "
                                                 "views, routines) is unaffected, as column "
                                                 "names are case-insensitive; client code that "
                                                 "reads result-set keys by name (dict cursors, "
                                                 "ORMs) must change with it")
        else:
            yield Finding(step.op.where("from"), f"renames {step.op.table}.{step.op.old} to "
                                                 f"{step.op.new}: every reader of the old name "
                                                 "breaks")
    for step in ctx.ops(ChangeEnum):
        for old, new in step.op.rename:
            yield Finding(step.op.where("rename", old), f"renames {step.op.table}."
                                                        f"{step.op.column} value {old!r} to "
                                                        f"{new!r}: code comparing with "
                                                        f"{old!r} breaks")


@rule(code="ISP111", name="lossy-move", severity="warning",
      summary="a data step moves values into a column that may not hold them")
def lossy_move(ctx):
    """Each value a data step moves (copy_rows, transform, unpivot, fill_foreign_key, and the
    moves inside move_columns, split_table and merge_tables) is compared with the column it
    lands in: a shorter string, text into a number or date, a narrower numeric range or
    scale, fewer fractional seconds, a narrower charset, an enum or set list that lacks
    values, NULL into NOT NULL. With a database (`lint --db`) the fixture data settles it: no
    finding when no row would lose its value, ISP211 when some would."""
    for step in ctx.steps:
        measured = {a.question.what for a in ctx.data.of(step) if a.question.kind == "loss"
                    and a.count is not None} if ctx.data is not None else set()
        for move in step.op.value_moves(step.before):
            for loss in losses(move, step.before):
                if not loss.certain and loss.why not in measured:
                    yield Finding(step.op.where(*move.keys), f"{loss.why}{_acknowledged(step)}")
