# SPDX-License-Identifier: LGPL-3.0-or-later
"""Data-dependent questions, asked of the fixture data at the moment each step runs.

A scratch database gets the baseline, its fixture data and the proposal's dependencies; then
the proposal's plan runs statement by statement, and before each statement the questions of
its steps are asked: would a new unique key find duplicates, a new NOT NULL find NULLs, a new
foreign key find orphans, does a table have rows at all. Data steps run too, so a column an
earlier step filled is judged filled.
"""
from __future__ import annotations

from functools import cached_property
from pathlib import Path

import pymysql

from ..changeset.operations.columns import AddColumn, DropColumn, ModifyColumn
from ..changeset.operations.tables import DropTable
from ..changeset.operations.indexes import AddIndex
from ..changeset.operations.keys import AddForeignKey
from ..changeset.plan import plan_script
from ..changeset.validate import Validation
from ..fixtures import fixture_sql
from ..harness.server import Server, scratch_database
from ..model import Schema
from ..render.ddl import schema_ddl
from ..changeset.operations.data import expression_sql
from ..changeset.operations.typecheck import describe, losses
from ..render.quote import ident, qualified, string
from ..changeset.validate import dependencies
from .context import LintContext, Step
from .datachecks import Answer, DataChecks, Question


def questions(step: Step) -> list[Question]:
    """What to ask the data before ``step`` runs."""
    return _schema_questions(step) + loss_questions(step)


def loss_questions(step: Step) -> list[Question]:
    """For each value a data step may lose on its way (typecheck), the rows that would: their
    count, the first one's key and value, and the longest value."""
    out = []
    for move in step.op.value_moves(step.before):
        for loss in losses(move, step.before):
            if loss.certain or not loss.condition:
                continue
            source = step.before.table(move.source)
            key = source.primary_key.columns[0] if source.primary_key else source.columns[0].name
            value = describe(move, step.before).sql
            where = f"({loss.condition})" + (f" AND ({expression_sql(move.where_sql, move.scope)})"
                                             if move.where_sql else "")
            sql = (f"SELECT COUNT(*), MIN(CONCAT({string(key + ' ')}, {qualified(source.name, key)},"
                   f" ': ', LEFT(CAST({value} AS CHAR), 60))), MAX(CHAR_LENGTH({value})) "
                   f"FROM {ident(source.name)} WHERE {where}")
            out.append(Question("loss", loss.why, sql))
    return out


def _schema_questions(step: Step) -> list[Question]:
    op = step.op
    if isinstance(op, (DropTable, DropColumn)):  # how many rows hold what is dropped
        table = step.before.table(op.name if isinstance(op, DropTable) else op.table)
        names = [c.name for c in table.columns] if isinstance(op, DropTable) else \
            [table.column(op.column).name]
        return [Question("filled", f"{table.name}.{n}",
                         f"SELECT COUNT({ident(n)}) FROM {ident(table.name)}") for n in names]
    if isinstance(op, AddIndex) and op.index.is_unique:
        parts = op.resolved(step.before).parts
        keys = [f"LEFT({ident(p.column)}, {p.length})" if p.length else ident(p.column)
                for p in parts]
        present = " AND ".join(f"{ident(p.column)} IS NOT NULL" for p in parts)
        sql = (f"SELECT COUNT(*) FROM (SELECT 1 FROM {ident(op.table)} WHERE {present} "
               f"GROUP BY {', '.join(keys)} HAVING COUNT(*) > 1) AS duplicates")
        what = "the primary key" if op.index.kind == "PRIMARY" else f"unique key {op.index.name}"
        return [Question("unique", f"{what} on {op.table}({', '.join(op.index.columns)})", sql)]
    if isinstance(op, ModifyColumn):
        table = step.before.table(op.table)
        old = table.column(op.column)
        if old.nullable and not op.new_column(table).nullable:
            sql = f"SELECT COUNT(*) FROM {ident(op.table)} WHERE {ident(old.name)} IS NULL"
            return [Question("not null", f"NOT NULL on {op.table}.{old.name}", sql)]
    if isinstance(op, AddForeignKey):
        fk = op.fk
        on = " AND ".join(f"{qualified('p', r)} = {qualified('c', c)}"
                          for c, r in zip(fk.columns, fk.ref_columns))
        present = " AND ".join(f"{qualified('c', c)} IS NOT NULL" for c in fk.columns)
        sql = (f"SELECT COUNT(*) FROM {ident(op.table)} AS `c` LEFT JOIN {ident(fk.ref_table)} "
               f"AS `p` ON {on} WHERE {present} AND {qualified('p', fk.ref_columns[0])} IS NULL")
        return [Question("foreign key", f"foreign key {fk.name} on {op.table}"
                                        f"({', '.join(fk.columns)}) -> {fk.ref_table}", sql)]
    if isinstance(op, AddColumn) and not op.column.nullable and op.column.default is None:
        return [Question("rows", f"rows of {op.table}", f"SELECT COUNT(*) FROM {ident(op.table)}")]
    return []


class DataSource:
    """A server and the fixture data of the baseline; each proposal gets a fresh database."""

    def __init__(self, server: Server, baseline: Schema, fixtures: list[Path]) -> None:
        self.server, self.baseline, self.fixtures = server, baseline, list(fixtures)

    @cached_property
    def setup_sql(self) -> str:
        data = fixture_sql(self.baseline, self.fixtures) if self.fixtures else ""
        return schema_ddl(self.baseline) + data

    def check(self, ctx: LintContext, validation: Validation) -> DataChecks:
        with scratch_database(self.server, "lint") as name:
            self.server.load_sql(name, text=self.setup_sql)
            for dep in dependencies(validation, ctx.proposal.id):
                self.server.load_sql(name, text=plan_script(validation.walks[dep], "lint").text)
            conn = self.server.connect(name)
            try:
                return replay(conn, ctx)
            finally:
                conn.close()


def replay(conn, ctx: LintContext) -> DataChecks:
    """Run the plan statement by statement, asking each step's questions just before."""
    result = DataChecks()
    with conn.cursor() as cursor:
        for item in ctx.plan:
            for step in item.steps:
                result.answers[id(step)] = [_ask(cursor, q) for q in questions(step)]
            try:
                cursor.execute(item.sql())
            except pymysql.MySQLError as err:
                result.stopped = (item.steps[0], str(err.args[-1]))
                break
    return result


def _ask(cursor, question: Question) -> Answer:
    try:
        cursor.execute(question.sql)
    except pymysql.MySQLError:  # a column added by the same ALTER is not there yet
        return Answer(question, None)
    row = cursor.fetchone()
    extra = [None if v is None else v.decode() if isinstance(v, bytes) else v for v in row[1:]]
    return Answer(question, int(row[0]), *(str(extra[0]) if extra[0] is not None else None,
                                           int(extra[1]) if extra[1] is not None else None)
                  if len(extra) == 2 else ())
