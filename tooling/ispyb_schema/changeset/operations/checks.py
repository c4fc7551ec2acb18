# SPDX-License-Identifier: LGPL-3.0-or-later
"""Table CHECK constraints: add (the expression checked against the model) and drop.

Each is its own ``ALTER TABLE`` statement, without a predicted ALGORITHM: MariaDB checks the
existing rows against a new constraint (``check_constraint_checks``), which the cost model does
not measure.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...errors import Diagnostic
from ...model import Check, Schema, Table
from ...render.ddl import check_definition
from ...render.quote import ident
from ..sqlcheck import Scope, SqlProblem, check_condition, emit, parse_expression
from .base import Operation, Piece, Statement, operation


def constraint_taken(table: Table, name: str) -> str | None:
    """What in ``table`` already uses the constraint name (MariaDB names a column's CHECK
    after its column)."""
    for check in table.checks:
        if check.name.lower() == name.lower():
            return f"CHECK constraint {check.name!r}"
    for column in table.columns:
        if column.check and column.name.lower() == name.lower():
            return f"the CHECK of column {column.name!r}"
    return None


@operation("add_check")
@dataclass(frozen=True, kw_only=True)
class AddCheck(Operation):
    table: str
    name: str
    expression: str

    def table_name(self) -> str | None:
        return self.table

    def checked(self, table: Table) -> tuple[str | None, list[SqlProblem]]:
        """The expression as sqlglot re-emits it, or the problems that stop it."""
        try:
            node = parse_expression(str(self.expression))
            bad = check_condition(node, Scope(Schema((table,)), {}, table.name))
        except SqlProblem as problem:
            return None, [problem]
        return (None, bad) if bad else (emit(node), [])

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        table = self.table_or_error(model, self.table, problems, "table")
        if table is None:
            return problems
        taken = constraint_taken(table, self.name)
        if taken:
            problems.append(self.error("E301", f"table {self.table!r} already has {taken}",
                                       "name"))
        _, bad = self.checked(table)
        problems += [self.sql_error(("expression",), str(self.expression), p) for p in bad]
        return problems

    def constraint(self, model: Schema) -> Check:
        clean, _ = self.checked(model.table(self.table))
        return Check(self.name, clean)

    def apply(self, model: Schema) -> Schema:
        table = model.table(self.table)
        return model.with_table(table.with_changes(
            checks=table.checks + (self.constraint(model),)))

    def render(self, model: Schema) -> list[Piece]:
        return [Statement(f"ALTER TABLE {ident(self.table)} ADD "
                          f"{check_definition(self.constraint(model))}",
                          frozenset({self.table}))]

    def inverse(self, model: Schema) -> list[Operation]:
        return [self.derived(DropCheck, table=self.table, name=self.name)]


@operation("drop_check")
@dataclass(frozen=True, kw_only=True)
class DropCheck(Operation):
    table: str
    name: str

    def table_name(self) -> str | None:
        return self.table

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        table = self.table_or_error(model, self.table, problems, "table")
        if table is not None and self.found(table) is None:
            names = ", ".join(c.name for c in table.checks) or "none"
            problems.append(self.error("E103", f"table {self.table!r} has no CHECK constraint "
                                               f"{self.name!r}; its constraints: {names}",
                                       "name"))
        return problems

    def found(self, table: Table) -> Check | None:
        return next((c for c in table.checks if c.name.lower() == self.name.lower()), None)

    def apply(self, model: Schema) -> Schema:
        table = model.table(self.table)
        gone = self.found(table)
        return model.with_table(table.with_changes(
            checks=tuple(c for c in table.checks if c is not gone)))

    def render(self, model: Schema) -> list[Piece]:
        check = self.found(model.table(self.table))
        return [Statement(f"ALTER TABLE {ident(self.table)} DROP CONSTRAINT "
                          f"{ident(check.name)}", frozenset({self.table}))]

    def inverse(self, model: Schema) -> list[Operation]:
        check = self.found(model.table(self.table))
        return [self.derived(AddCheck, table=self.table, name=check.name,
                             expression=check.expression)]
