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
* ``copy_rows``: the plain column-to-column pairs of exactly the rows the step's ``where``
  selects (rows holding a value in one of them); when a source column is dropped later in
  the proposal (the values move rather than copy), one more check: no row holding a value in
  it is left behind by every ``copy_rows`` from that table that reads it (their ``where``s
  together must select each such row);
* ``unpivot``: every non-NULL value of the repeated columns vs the new rows' value column;
* ``insert_parents``: one new parent row per source row its ``where`` selects, with the
  values of the plain column-to-column pairs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot import exp

from ..changeset.operations.data import CopyRows, Unpivot, expression_sql, scope_of
from ..changeset.operations.merge import MergeTables, MoveColumns, SplitTable
from ..changeset.operations.parents import InsertParents
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


def _plain_columns(step: CopyRows | InsertParents, source: Table,
                   target: Table) -> list[tuple[str, str]]:
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
    dropped = [s for s in frm if not found.survives(trace, source.name, s)]
    where = f"({_any_not_null(source, frm)})"
    if step.where_sql:
        where += f" AND ({expression_sql(step.where_sql, scope_of(trace.before, step.source))})"
    verb = "moved" if dropped else "copied"
    checks = [MoveCheck(trace.label, f"{verb} {step.source}({', '.join(frm)}) -> "
                                     f"{step.target}({', '.join(to)})",
                        digest_sql(ident(source.name), row_text(column_texts(source, frm)),
                                   where),
                        digest_sql(ident(target.name), row_text(column_texts(target, to)),
                                   _any_not_null(target, to)), True, "row(s)")]
    return checks + _left_behind(trace, source, dropped, found)


def _reads(step: CopyRows, column: str) -> bool:
    return any(re.search(rf"(?<![\w.`]){re.escape(column)}\b", text, re.IGNORECASE)
               for _, text in step.columns)


def _left_behind(trace: StepTrace, source: Table, dropped: list[str],
                 found: Lineage) -> list[MoveCheck]:
    """Rows holding a value in a column dropped later that no ``copy_rows`` reading it from
    this table selects: checked once, at the first such step; none must be there."""
    siblings = [t for t in found.steps if isinstance(t.step, CopyRows) and
                t.step.source.lower() == source.name.lower() and
                any(_reads(t.step, c) for c in dropped)]
    if not dropped or siblings[0] is not trace or any(not t.step.where_sql for t in siblings):
        return []
    selected = " OR ".join(f"({expression_sql(t.step.where_sql, scope_of(t.before, source.name))})"
                           for t in siblings)
    where = f"({_any_not_null(source, dropped)}) AND NOT ({selected})"
    nothing = digest_sql(f"(SELECT NULL AS {ident('v')} FROM DUAL WHERE FALSE) AS {ident('q')}",
                         ident("v"))
    steps = ", ".join(t.label for t in siblings)
    return [MoveCheck(trace.label, f"{source.name}({', '.join(dropped)}), dropped later: the "
                                   f"rows holding a value that no copy selects ({steps})",
                      digest_sql(ident(source.name), row_text(column_texts(source, dropped)),
                                 where), nothing, False, "row(s)")]


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


def _parents(step: InsertParents, trace: StepTrace) -> list[MoveCheck]:
    source, target = trace.before.table(step.source), trace.before.table(step.target)
    pairs = _plain_columns(step, source, target)
    to, frm = [t for t, _ in pairs], [s for _, s in pairs]
    where = expression_sql(step.where_sql, scope_of(trace.before, step.source)) \
        if step.where_sql else None
    source_text = row_text(column_texts(source, frm)) if frm else "''"
    target_text = row_text(column_texts(target, to)) if to else "''"
    return [MoveCheck(trace.label, f"one {step.target} row per {step.source} row"
                                   f"{' selected' if where else ''}"
                                   f"{' with its ' + ', '.join(frm) if frm else ''}",
                      digest_sql(ident(source.name), source_text, where),
                      digest_sql(ident(target.name), target_text), True, "row(s)")]


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
        elif isinstance(step, InsertParents):
            checks += _parents(step, trace)
    return checks
