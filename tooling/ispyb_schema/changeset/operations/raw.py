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
    emit,
    parse_statements,
    referenced_tables,
    statement_problems,
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
        known = Schema(after.tables + tuple(t for t in model.tables if not after.table(t.name)),
                       after.views + tuple(v for v in model.views if not after.view(v.name)))
        for key, text in (("forward", self.forward), ("rollback", self.rollback_sql)):
            if text is None:
                continue
            try:
                statements = self.statements(text)
            except SqlProblem as problem:
                problems.append(self.sql_error((key,), text, problem))
                continue
            for statement in statements:
                bad = statement_problems(statement) or check_query(statement, known)
                problems += [self.sql_error((key,), text, p) for p in bad]
        return problems

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
