# SPDX-License-Identifier: LGPL-3.0-or-later
"""``change_enum``: append, remove and rename enum values, moving the data with them.

A rename or a mapping runs in three statements: widen the enum to old and new values, move the
rows, narrow it to the final list — so no row ever holds a value the column does not allow.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ...errors import Diagnostic
from ...model import Column, Schema
from ...render.ddl import column_definition
from ...render.quote import ident, string
from .base import Clause, Operation, Piece, Statement, operation, suggestion
from .online import column_change


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@operation("change_enum")
@dataclass(frozen=True, kw_only=True)
class ChangeEnum(Operation):
    table: str
    column: str
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    rename: tuple[tuple[str, str], ...] = ()
    map: tuple[tuple[str, str], ...] = ()
    values: tuple[str, ...] | None = None  # the exact final list (inverses use it)

    def table_name(self) -> str | None:
        return self.table

    def alter_kinds(self, model: Schema, foreign_key_checks: bool = True) -> list[set[str]]:
        """One MODIFY, or widen / UPDATE / narrow when rows move."""
        table = model.table(self.table)
        column = table.column(self.column)
        current, final = column.type.values, self.final_values(column.type.values)
        if not self.moves():
            return [column_change(table, column, self.changed(column, final))]
        union = current + tuple(v for v in final if v not in current)
        wide = self.changed(column, union) if union != current else column
        kinds = [column_change(table, column, wide)] if union != current else []
        return kinds + [column_change(table, wide, self.changed(column, final))]
    @classmethod
    def fields_from_yaml(cls, body, where, problems):
        fields = {k: tuple(v) for k, v in body.items() if k in ("add", "remove")}
        fields.update({k: tuple(body[k].items()) for k in ("rename", "map") if k in body})
        return {"table": body["table"], "column": body["column"], **fields}

    def final_values(self, current: tuple[str, ...]) -> tuple[str, ...]:
        if self.values is not None:
            return self.values
        renames = dict(self.rename)
        kept = [renames.get(v, v) for v in current if v not in self.remove]
        return tuple(kept + [v for v in self.add if v not in kept])

    def moves(self) -> dict[str, str]:
        """Value -> value for the rows that change."""
        return {**dict(self.map), **dict(self.rename)}

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        table = self.table_or_error(model, self.table, problems, "table")
        column = table and self.column_or_error(table, self.column, problems, "column")
        if not column:
            return problems
        if column.type.base != "enum":
            problems.append(self.error("E214", f"{self.table}.{column.name} is {column.type}, "
                                               "not an enum", "column"))
            return problems
        current = column.type.values
        self._check_names(current, problems)
        final = self.final_values(current)
        if len(set(final)) != len(final) and not problems:
            problems.append(self.error("E301", "a value would appear twice in the enum"))
        if not final:
            problems.append(self.error("E212", "the enum would have no values left", "remove"))
        if final == current and not problems:
            problems.append(self.error("E213", "nothing changes", "column"))
        default = self.new_default(column, final)
        if default is not None and default != "NULL" and default.strip("'") not in final:
            problems.append(self.error("E206", f"the default {default} is removed; set another "
                                               "default with modify_column first", "remove"))
        orphaned = [v for v in self.remove if v not in dict(self.map)]
        if orphaned and self.data_loss is None:
            problems.append(self.error("E403", f"removing {', '.join(map(repr, orphaned))} "
                                               "without a mapping: rows holding it make the "
                                               "ALTER fail or lose the value; map it to a kept "
                                               "value (map: {old: new}) or acknowledge with "
                                               "data_loss that it is unused", "remove"))
        return problems

    def _check_names(self, current, problems) -> None:
        for key in ("remove", "rename", "map"):
            names = [v for v, _ in getattr(self, key)] if key != "remove" else self.remove
            for value in names:
                if value not in current:
                    problems.append(self.error("E107", f"{value!r} is not a value of "
                                                       f"{self.table}.{self.column}"
                                                       f"{suggestion(value, current)}", key))
        for value in self.add:
            if value in current:
                problems.append(self.error("E301", f"{value!r} is already a value", "add"))
        for old, new in self.rename:
            if new in current or new in self.add:
                problems.append(self.error("E301", f"cannot rename {old!r} to {new!r}: "
                                                   f"{new!r} is already a value; use map",
                                           "rename", old))
            if old in self.remove:
                problems.append(self.error("E215", f"{old!r} is both removed and renamed",
                                           "rename", old))
        final = self.final_values(current)
        for old, new in self.map:
            if old not in self.remove:
                problems.append(self.error("E215", f"map: {old!r} is not removed; map only "
                                                   "moves rows of removed values", "map", old))
            if new not in final:
                problems.append(self.error("E107", f"map: {new!r} is not a value after the "
                                                   "change", "map", old))

    def new_default(self, column: Column, final) -> str | None:
        renames = dict(self.rename)
        for old, new in renames.items():
            if column.default == _quoted(old):
                return _quoted(new)
        return column.default

    def changed(self, column: Column, values) -> Column:
        return replace(column, type=replace(column.type, values=tuple(values)),
                       default=self.new_default(column, values))

    def apply(self, model: Schema) -> Schema:
        table = model.table(self.table)
        column = table.column(self.column)
        new = self.changed(column, self.final_values(column.type.values))
        return model.with_table(table.with_changes(columns=tuple(
            new if c is column else c for c in table.columns)))

    def render(self, model: Schema) -> list[Piece]:
        table = model.table(self.table)
        column = table.column(self.column)
        current, final = column.type.values, self.final_values(column.type.values)
        alters = frozenset({"col:" + column.name.lower()})
        moves = self.moves()
        if not moves:
            new = self.changed(column, final)
            return [Clause(self.table, f"MODIFY COLUMN {column_definition(table, new)}",
                           alters=alters)]
        union = current + tuple(v for v in final if v not in current)
        wide = replace(column, type=replace(column.type, values=union))
        name = ident(column.name)
        cases = " ".join(f"WHEN {string(old)} THEN {string(new)}" for old, new in moves.items())
        update = (f"UPDATE {ident(self.table)} SET {name} = CASE {name} {cases} END "
                  f"WHERE {name} IN ({', '.join(string(v) for v in moves)})")
        pieces: list[Piece] = []
        if union != current:
            pieces.append(Clause(self.table, f"MODIFY COLUMN {column_definition(table, wide)}",
                                 alters=alters))
        pieces.append(Statement(update, frozenset({self.table}), data=True))
        pieces.append(Clause(self.table, "MODIFY COLUMN "
                             f"{column_definition(table, self.changed(column, final))}",
                             alters=alters))
        return pieces

    def inverse(self, model: Schema) -> list[Operation]:
        column = model.table(self.table).column(self.column)
        return [self.derived(ChangeEnum, table=self.table, column=column.name,
                             values=column.type.values,
                             rename=tuple((new, old) for old, new in self.rename))]

    def writes(self, model: Schema):
        column = model.table(self.table).column(self.column)
        return {(self.table, column.name)} if self.moves() else set()
