# SPDX-License-Identifier: LGPL-3.0-or-later
""""Every moved value present in its new place": one check per data step that moves values.

A check is three digests (see :mod:`.snapshot`): the values leaving, taken just before the
step's first data statement; the target, before and after the step's last data statement.
The step passes when the target gained exactly the values that left (``grows``), or, for a
target the step creates, holds exactly them.

* ``move_columns``: the distinct (join key, value) pairs of each column, source vs target —
  a value that has no row to go to, or two values that meet in one row, are caught;
* ``split_table``: the (primary key, columns) rows taken out vs the new table's rows;
* ``merge_tables``: the mapped columns of the merged table vs the rows tagged as merged;
* ``copy_rows``: the plain column-to-column pairs of the copied rows; when a source column is
  dropped later in the proposal (the values move rather than copy), every row holding a value
  must arrive, whatever the step's ``where`` says;
* ``unpivot``: every non-NULL value of the repeated columns vs the new rows' value column.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from ..changeset.operations.data import CopyRows, Unpivot, expression_sql, scope_of
from ..changeset.operations.merge import MergeTables, MoveColumns, SplitTable
from ..changeset.sqlcheck import parse_expression
from ..model import Table
from ..render.quote import ident, qualified, string
from .lineage import Lineage, StepTrace
from .snapshot import column_texts, digest_sql, row_text


@dataclass(frozen=True)
class MoveCheck:
    label: str  # the step
    what: str  # "DataCollection.voltage -> DataCollectionEM.voltage"
    source_sql: str
    target_sql: str
    grows: bool  # compare the target's growth (True) or its whole content (False)
    unit: str = "value(s)"


def _distinct(table: Table, names: list[str]) -> str:
    """A derived table of the distinct (binary) texts of ``names`` over rows holding the last."""
    text = f"CAST({row_text(column_texts(table, names))} AS BINARY)"
    last = qualified(table.name, table.column(names[-1]).name)
    return (f"(SELECT DISTINCT {text} AS {ident('v')} FROM {ident(table.name)} "
            f"WHERE {last} IS NOT NULL) AS {ident('q')}")


def _any_not_null(table: Table, names: list[str]) -> str:
    return " OR ".join(f"{qualified(table.name, table.column(n).name)} IS NOT NULL"
                       for n in names)


def _moved_columns(step: MoveColumns, trace: StepTrace) -> list[MoveCheck]:
    source, target = trace.before.table(step.source), trace.after.table(step.target)
    keys_from = [s for _, s in step.join]
    keys_to = [t for t, _ in step.join]
    return [MoveCheck(trace.label, f"{step.source}.{c} -> {step.target}.{c}",
                      digest_sql(_distinct(source, keys_from + [c]), ident("v")),
                      digest_sql(_distinct(target, keys_to + [c]), ident("v")), False,
                      "distinct (key, value) pair(s)")
            for c in step.columns]


def _split(step: SplitTable, trace: StepTrace) -> list[MoveCheck]:
    table, new = trace.before.table(step.table), trace.after.table(step.into)
    names = new.column_names()
    where = _any_not_null(table, names[1:]) if step.skip_empty else None
    return [MoveCheck(trace.label, f"{step.table}({', '.join(names)}) -> {step.into}",
                      digest_sql(ident(table.name), row_text(column_texts(table, names)), where),
                      digest_sql(ident(new.name), row_text(column_texts(new, names))), False,
                      "row(s)")]


def _merged(step: MergeTables, trace: StepTrace) -> list[MoveCheck]:
    source, into = trace.before.table(step.source), trace.after.table(step.into)
    tag = qualified(into.name, into.column(step.discriminator.name).name)
    return [MoveCheck(trace.label, f"{step.source} rows -> {step.into} rows tagged "
                                   f"{step.from_value!r}",
                      digest_sql(ident(source.name),
                                 row_text(column_texts(source, [f for _, f in step.columns]))),
                      digest_sql(ident(into.name),
                                 row_text(column_texts(into, [i for i, _ in step.columns])),
                                 f"{tag} = {string(step.from_value)}"), False, "row(s)")]


def _plain_columns(step: CopyRows, source: Table, target: Table) -> list[tuple[str, str]]:
    """(target column, source column) for the mapped values that are a bare source column."""
    pairs = []
    for name, text in step.columns:
        node = parse_expression(text)
        if isinstance(node, exp.Column) and source.column(node.name):
            pairs.append((target.column(name).name, source.column(node.name).name))
    return pairs


def _copied(step: CopyRows, trace: StepTrace, found: Lineage) -> list[MoveCheck]:
    source, target = trace.before.table(step.source), trace.before.table(step.target)
    pairs = _plain_columns(step, source, target)
    if not pairs:
        return []
    to, frm = [t for t, _ in pairs], [s for _, s in pairs]
    moving = not all(found.survives(trace, source.name, s) for s in frm)
    where = f"({_any_not_null(source, frm)})"
    if step.where_sql and not moving:
        where += f" AND ({expression_sql(step.where_sql, scope_of(trace.before, step.source))})"
    verb = "moved" if moving else "copied"
    return [MoveCheck(trace.label, f"{verb} {step.source}({', '.join(frm)}) -> "
                                   f"{step.target}({', '.join(to)})",
                      digest_sql(ident(source.name), row_text(column_texts(source, frm)), where),
                      digest_sql(ident(target.name), row_text(column_texts(target, to)),
                                 _any_not_null(target, to)), True, "row(s)")]


def _unpivoted(step: Unpivot, trace: StepTrace) -> list[MoveCheck]:
    source, target = trace.before.table(step.source), trace.before.table(step.target)
    value = target.column(step.value).name
    parts = [f"SELECT {text} AS {ident('v')} FROM {ident(source.name)} WHERE "
             f"{qualified(source.name, source.column(c).name)} IS NOT NULL"
             for c, text in zip(step.columns, column_texts(source, list(step.columns)))]
    pooled = f"({' UNION ALL '.join(parts)}) AS {ident('q')}"
    return [MoveCheck(trace.label, f"{step.source}({', '.join(step.columns)}) -> "
                                   f"{step.target}.{value}",
                      digest_sql(pooled, ident("v")),
                      digest_sql(ident(target.name), row_text(column_texts(target, [value])),
                                 f"{qualified(target.name, value)} IS NOT NULL"), True)]


def move_checks(found: Lineage) -> list[MoveCheck]:
    checks: list[MoveCheck] = []
    for trace in found.steps:
        step = trace.step
        if isinstance(step, MoveColumns):
            checks += _moved_columns(step, trace)
        elif isinstance(step, SplitTable):
            checks += _split(step, trace)
        elif isinstance(step, MergeTables):
            checks += _merged(step, trace)
        elif isinstance(step, CopyRows):
            checks += _copied(step, trace, found)
        elif isinstance(step, Unpivot):
            checks += _unpivoted(step, trace)
    return checks
