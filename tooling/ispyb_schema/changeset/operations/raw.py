# SPDX-License-Identifier: LGPL-3.0-or-later
"""``sql``: the escape hatch. Raw statements, parsed and checked with sqlglot, never trusted.

Only DDL on tables, indexes and views and plain DML are allowed; other databases, variables,
comments and unsafe functions are refused. The step states its effect on the model (``effect:``
a list of ordinary steps, or ``schema_effect: none``); the verification stage compares that
claim with what the server did.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from ...errors import Diagnostic
from ...model import Schema
from ..sqlcheck import (
    SqlProblem,
    check_query,
    ddl_targets,
    dml_column_problems,
    emit,
    parse_statements,
    problem_at,
    referenced_tables,
    statement_problems,
    statement_word,
    written_tables,
)
from .base import NotReversible, Operation, Piece, Statement, operation


@operation("sql")
@dataclass(frozen=True, kw_only=True)
class RawSql(Operation):
    forward: str
    rollback_sql: str | None = None
    effect: tuple[Operation, ...] = ()

    data_step = True
    yaml_names = {"rollback": "rollback_sql"}
    rollback_hint = "add 'rollback:' with the statements that undo it"

    def effects(self) -> tuple[Operation, ...]:
        return self.effect

    def statements(self, text: str) -> list[exp.Expression]:
        return parse_statements(text)

    def forward_statements(self) -> list[exp.Expression]:
        try:
            return self.statements(self.forward)
        except SqlProblem:
            return []

    def after(self, model: Schema, problems: list[Diagnostic] | None = None) -> Schema:
        for op in self.effect:
            found = op.check(model)
            if problems is not None:
                problems += found
            if found:
                return model
            model = op.apply(model)
        return model

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        after = self.after(model, problems)
        known, changed = _either(model, after), _changed(model, after)
        declared = not problems  # a broken effect says nothing to compare the statements with
        for key, text in (("forward", self.forward), ("rollback", self.rollback_sql)):
            if text is None:
                continue
            try:
                statements = self.statements(text)
            except SqlProblem as problem:
                problems.append(self.sql_error((key,), text, problem))
                continue
            for statement in statements:
                bad = statement_problems(statement) or check_query(statement, known) or \
                    (self._undeclared(statement, changed) if declared else []) or \
                    dml_column_problems(statement, known)
                problems += [self.sql_error((key,), text, p) for p in bad]
        return problems

    def _undeclared(self, statement: exp.Expression, changed: set) -> list[SqlProblem]:
        """A DDL statement whose table (and columns) the declared effect does not change."""
        targets = ddl_targets(statement)
        if targets and not self.effect:
            return [problem_at(statement, "E606", f"{statement_word(statement)} changes the "
                                                  "schema, "
                                                  "but the step says 'schema_effect: none', "
                                                  "which admits only INSERT, UPDATE and "
                                                  "DELETE; declare what it does in 'effect:'")]
        missing = [f"{t}.{c}" if c else t for t, c in targets
                   if (t, c.lower() if c else None) not in changed]
        if missing:
            return [problem_at(statement, "E606", f"{statement_word(statement)} changes "
                                                  f"{', '.join(dict.fromkeys(missing))}, which "
                                                  "no step of the declared 'effect' changes")]
        return []

    def apply(self, model: Schema) -> Schema:
        return self.after(model)

    def render(self, model: Schema) -> list[Piece]:
        return [Statement(emit(s), frozenset(referenced_tables(s)), data=True)
                for s in self.statements(self.forward)]

    def inverse(self, model: Schema) -> list[Operation]:
        if self.rollback_sql is None:
            raise NotReversible("a raw sql step has no automatic inverse")
        inverses: list[Operation] = []
        for op in self.effect:
            try:
                inverses = op.inverse(model) + inverses
            except NotReversible as err:
                raise NotReversible(f"its effect {op.key}: {err.why}") from None
            model = op.apply(model)
        return [self.derived(RawSql, forward=self.rollback_sql, rollback_sql=self.forward,
                             effect=tuple(inverses))]

    def creates(self, model: Schema):
        made: set = set()
        for op in self.effect:
            made |= op.creates(model)
            model = op.apply(model)
        return made

    def writes(self, model: Schema):
        return {(t, None) for s in self.statements(self.forward) for t in written_tables(s)}

    def loses(self, model: Schema):
        lost: set = set()
        reasons = []
        for op in self.effect:
            found = op.loses(model)
            if found:
                lost |= found[0]
                reasons.append(found[1])
            model = op.apply(model)
        for statement in self.statements(self.forward):
            if isinstance(statement, (exp.Delete, exp.Drop)):
                lost |= {(t, None) for t in written_tables(statement)}
                reasons.append(f"runs {statement.key.upper()} on "
                               f"{', '.join(sorted(written_tables(statement)))}")
        return (lost, "; ".join(reasons)) if lost else None


def _either(before: Schema, after: Schema) -> Schema:
    """Every table and view of before or after, a table holding the columns of both: what a
    statement of the step may name, whether it runs before or after the schema change."""
    tables = []
    for table in after.tables:
        old = before.table(table.name)
        extra = tuple(c for c in old.columns if table.column(c.name) is None) if old else ()
        tables.append(table.with_changes(columns=table.columns + extra) if extra else table)
    tables += [t for t in before.tables if after.table(t.name) is None]
    return Schema(tuple(tables), after.views + tuple(v for v in before.views
                                                     if after.view(v.name) is None))


def _changed(before: Schema, after: Schema) -> set[tuple[str, str | None]]:
    """(table or view, None) for each one that differs, (table, column in lower case) for each
    column that differs."""
    out: set[tuple[str, str | None]] = set()
    names = {t.name for t in before.tables} | {t.name for t in after.tables}  # case matters
    for name in names:
        old, new = before.table(name), after.table(name)
        if old == new:
            continue
        out.add((name, None))
        columns = {c.name.lower() for t in (old, new) if t for c in t.columns}
        out |= {(name, c) for c in columns
                if (old and old.column(c)) != (new and new.column(c))}
    views = {v.name for v in before.views} | {v.name for v in after.views}
    out |= {(v, None) for v in views if before.view(v) != after.view(v)}
    return out
