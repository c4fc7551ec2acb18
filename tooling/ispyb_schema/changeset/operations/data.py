# SPDX-License-Identifier: LGPL-3.0-or-later
"""Data steps, rendered as set-based SQL: copy rows, transform values, unpivot repeated
columns into rows (and pivot them back), fill a column from a join, delete rows.

Every expression comes from YAML as text; it is parsed with sqlglot, checked against the
allow-list and the model, qualified with its table and re-emitted with quoted identifiers.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp

from ...errors import Diagnostic
from ...model import Schema, Table
from ...render.quote import ident, idents, qualified
from ..sqlcheck import Scope, SqlProblem, check_expression, emit, parse_expression, qualify
from .base import NotReversible, Operation, Piece, Statement, Where, operation
from .batch import and_also, batch_problems, in_batches
from .typecheck import Move, certain_loss_problems


def scope_of(model: Schema, *tables: str, default: str | None = None) -> Scope:
    return Scope(model, {t.lower(): t for t in tables}, default or tables[0])


def expression_problems(where: Where, keys: tuple, text, scope: Scope) -> list[Diagnostic]:
    """Problems of one expression, each at its position inside the YAML text."""
    try:
        bad = check_expression(parse_expression(str(text)), scope)
    except SqlProblem as problem:
        bad = [problem]
    return [Diagnostic(where.in_text(keys, str(text), p.line, p.col), p.message, p.code)
            for p in bad]


def expression_sql(text, scope: Scope) -> str:
    return emit(qualify(parse_expression(str(text)), scope))


def spelled(model: Schema, table: str, column: str | None = None) -> tuple[str, str | None]:
    """(table, column) as the model spells them, or as given when the model lacks them."""
    found = model.table(table)
    if found is None:
        return table, column
    named = found.column(column) if column else None
    return found.name, named.name if named else column


def expression_reads(text, scope: Scope) -> set[tuple[str, str | None]]:
    """The columns an expression reads (also those the model no longer has)."""
    try:
        node = parse_expression(str(text))
    except SqlProblem:
        return set()
    out = set()
    for column in node.find_all(exp.Column):
        table = scope.tables.get(column.table.lower()) if column.table else scope.default
        if table:
            out.add(spelled(scope.model, table, column.name))
    return out


def missing_required(op: Operation, table: Table, given, keys: tuple) -> list[Diagnostic]:
    """NOT NULL columns without a default that the step leaves empty."""
    given = {g.lower() for g in given}
    return [op.error("E205", f"{table.name}.{c.name} is NOT NULL without a default; give it "
                             "a value in this step", *keys)
            for c in table.columns
            if not c.nullable and c.default is None and not c.auto_increment
            and c.generated is None and c.name.lower() not in given]


def columns_problems(op: Operation, table: Table | None, names, keys: tuple) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    if table is not None:
        for name in names:
            op.column_or_error(table, name, problems, *keys, name)
    return problems


@dataclass(frozen=True, kw_only=True)
class DataStep(Operation):
    data_step = True
    batch: int | None = None  # rows per transaction, by primary-key range (see .batch)

    def statement(self, model: Schema, table: str, text: Callable[[str | None], str],
                  tables: frozenset[str]) -> Statement:
        """``text(None)`` as one statement, or with ``batch`` the block running
        ``text(range condition)`` over ranges of ``table``'s rows."""
        if self.batch is None:
            return Statement(text(None), tables, data=True)
        return Statement(in_batches(model.table(table), self.batch, text), tables, data=True,
                         compound=True)


@operation("copy_rows")
@dataclass(frozen=True, kw_only=True)
class CopyRows(DataStep):
    """``INSERT INTO to (…) SELECT … FROM from WHERE …``."""

    source: str
    target: str
    columns: tuple[tuple[str, str], ...]
    where_sql: str | None = None

    yaml_names = {"from": "source", "to": "target", "where": "where_sql"}
    rollback_hint = "add 'rollback:' with the steps that undo it, e.g. delete_rows"

    @classmethod
    def fields_from_yaml(cls, body, where, problems):
        fields = super().fields_from_yaml(body, where, problems)
        return {**fields, "columns": tuple((k, str(v)) for k, v in body["columns"].items())}

    def scope(self, model: Schema) -> Scope:
        return scope_of(model, self.source)

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        self.table_or_error(model, self.source, problems, "from")
        target = self.table_or_error(model, self.target, problems, "to")
        if problems:
            return problems
        scope = self.scope(model)
        for name, text in self.columns:
            if self.column_or_error(target, name, problems, "columns", name, key=True):
                problems += expression_problems(self.where, ("columns", name), text, scope)
        if self.where_sql:
            problems += expression_problems(self.where, ("where",), self.where_sql, scope)
        problems += missing_required(self, target, [n for n, _ in self.columns], ("columns",))
        problems += batch_problems(self, model.table(self.source))
        return problems or certain_loss_problems(self, model)

    def value_moves(self, model: Schema) -> list[Move]:
        return [Move(self.target, name, text, self.scope(model), ("columns", name), self.source,
                     self.where_sql) for name, text in self.columns]

    def render(self, model: Schema) -> list[Piece]:
        scope = self.scope(model)
        target = model.table(self.target)
        names = [target.column(n).name for n, _ in self.columns]
        values = ", ".join(expression_sql(t, scope) for _, t in self.columns)
        where = expression_sql(self.where_sql, scope) if self.where_sql else None

        def text(batch: str | None) -> str:
            condition = and_also(where, batch)
            return (f"INSERT INTO {ident(self.target)} ({idents(names)}) SELECT {values} "
                    f"FROM {ident(self.source)}" + (f" WHERE {condition}" if condition else ""))
        return [self.statement(model, self.source, text,
                               frozenset({self.source, self.target}))]

    def reads(self, model: Schema):
        texts = [t for _, t in self.columns] + ([self.where_sql] if self.where_sql else [])
        return set().union(*(expression_reads(t, self.scope(model)) for t in texts))

    def writes(self, model: Schema):
        return {(self.target, None)}

    def inverse(self, model: Schema) -> list[Operation]:
        raise NotReversible(f"copy_rows into the existing table {self.target} has no automatic "
                            "inverse")


@operation("transform")
@dataclass(frozen=True, kw_only=True)
class Transform(DataStep):
    """``UPDATE table SET column = expression [WHERE …]``; ``inverse`` undoes it."""

    table: str
    column: str
    expression: str
    inverse_expression: str | None = None
    where_sql: str | None = None

    yaml_names = {"inverse": "inverse_expression", "where": "where_sql"}
    rollback_hint = "give 'inverse:' (the expression that restores the values) or 'rollback:'"

    def table_name(self) -> str | None:
        return self.table

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        table = self.table_or_error(model, self.table, problems, "table")
        if table is None or self.column_or_error(table, self.column, problems, "column") is None:
            return problems
        scope = scope_of(model, self.table)
        for key in ("expression", "inverse_expression", "where_sql"):
            if getattr(self, key) is not None:
                yaml_key = {"inverse_expression": "inverse", "where_sql": "where"}.get(key, key)
                problems += expression_problems(self.where, (yaml_key,), getattr(self, key), scope)
        problems += batch_problems(self, table)
        return problems or certain_loss_problems(self, model)

    def value_moves(self, model: Schema) -> list[Move]:
        return [Move(self.table, self.column, self.expression, scope_of(model, self.table),
                     ("expression",), self.table, self.where_sql)]

    def render(self, model: Schema) -> list[Piece]:
        scope = scope_of(model, self.table)
        column = model.table(self.table).column(self.column)
        where = expression_sql(self.where_sql, scope) if self.where_sql else None

        def text(batch: str | None) -> str:
            condition = and_also(where, batch)
            return (f"UPDATE {ident(self.table)} SET {qualified(self.table, column.name)} = "
                    f"{expression_sql(self.expression, scope)}"
                    + (f" WHERE {condition}" if condition else ""))
        return [self.statement(model, self.table, text, frozenset({self.table}))]

    def reads(self, model: Schema):
        scope = scope_of(model, self.table)
        texts = [self.expression] + ([self.where_sql] if self.where_sql else [])
        return set().union(*(expression_reads(t, scope) for t in texts))

    def writes(self, model: Schema):
        return {(self.table, model.table(self.table).column(self.column).name)}

    def inverse(self, model: Schema) -> list[Operation]:
        if self.inverse_expression is None:
            raise NotReversible("transform without 'inverse:' cannot be undone")
        return [self.derived(Transform, table=self.table, column=self.column,
                             expression=self.inverse_expression,
                             inverse_expression=self.expression, where_sql=self.where_sql,
                             batch=self.batch)]


@dataclass(frozen=True, kw_only=True)
class _Repeated(DataStep):
    """What unpivot and pivot share: repeated columns of ``source`` <-> rows of ``target``."""

    source: str
    target: str
    key_columns: tuple[tuple[str, str], ...]  # YAML ``key``: (target column, source column)
    columns: tuple[str, ...]
    value: str
    order: str | None = None
    set_values: tuple[tuple[str, str], ...] = ()
    skip_null: bool = True

    yaml_names = {"from": "source", "to": "target", "set": "set_values", "key": "key_columns"}

    @classmethod
    def fields_from_yaml(cls, body, where, problems):
        fields = super().fields_from_yaml(body, where, problems)
        fields["key_columns"] = tuple(body["key"].items())
        fields["set_values"] = tuple((k, str(v)) for k, v in body.get("set", {}).items())
        return fields

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        source = self.table_or_error(model, self.source, problems, "from")
        target = self.table_or_error(model, self.target, problems, "to")
        problems += columns_problems(self, source, self.columns, ("columns",))
        if source is None or target is None:
            return problems
        for dst, src in self.key_columns:
            self.column_or_error(target, dst, problems, "key", dst, key=True)
            self.column_or_error(source, src, problems, "key", dst)
        for key in ("value", "order"):
            if getattr(self, key):
                self.column_or_error(target, getattr(self, key), problems, key)
        for dst, text in self.set_values:
            if self.column_or_error(target, dst, problems, "set", dst, key=True):
                problems += expression_problems(self.where, ("set", dst), text,
                                                scope_of(model, self.source))
        given = [d for d, _ in self.key_columns] + [self.value, self.order or ""] + \
            [d for d, _ in self.set_values]
        problems += missing_required(self, target, given, ()) + \
            batch_problems(self, source)
        return problems or certain_loss_problems(self, model)


@operation("unpivot")
@dataclass(frozen=True, kw_only=True)
class Unpivot(_Repeated):
    """One row in ``to`` per non-empty column of ``from``, numbered in ``order``."""

    rollback_hint = "give it an 'order' column, or 'rollback:' with the steps that undo it"

    def render(self, model: Schema) -> list[Piece]:
        source, target = model.table(self.source), model.table(self.target)
        scope = scope_of(model, self.source)
        names = [target.column(d).name for d, _ in self.key_columns]
        names.append(target.column(self.value).name)
        names += [target.column(self.order).name] if self.order else []
        names += [target.column(d).name for d, _ in self.set_values]
        width = len(self.key_columns) + 1
        order = ", ".join(str(i) for i in range(1, width + (2 if self.order else 1)))

        def text(batch: str | None) -> str:
            selects = []
            for number, column in enumerate(self.columns, start=1):
                name = source.column(column).name
                parts = [qualified(self.source, source.column(s).name)
                         for _, s in self.key_columns]
                parts.append(qualified(self.source, name))
                parts += [str(number)] if self.order else []
                parts += [expression_sql(t, scope) for _, t in self.set_values]
                select = f"SELECT {', '.join(parts)} FROM {ident(self.source)}"
                skip = f"{qualified(self.source, name)} IS NOT NULL" if self.skip_null else None
                condition = and_also(skip, batch)
                selects.append(select + (f" WHERE {condition}" if condition else ""))
            return (f"INSERT INTO {ident(self.target)} ({idents(names)}) "
                    f"{' UNION ALL '.join(selects)} ORDER BY {order}")
        return [self.statement(model, self.source, text,
                               frozenset({self.source, self.target}))]

    def reads(self, model: Schema):
        names = list(self.columns) + [s for _, s in self.key_columns]
        return {spelled(model, self.source, c) for c in names}

    def value_moves(self, model: Schema) -> list[Move]:
        scope = scope_of(model, self.source)
        moved = [Move(self.target, self.value, f"`{c}`", scope, ("columns", i), self.source,
                      f"`{c}` IS NOT NULL" if self.skip_null else None)
                 for i, c in enumerate(self.columns)]
        moved += [Move(self.target, dst, f"`{src}`", scope, ("key", dst), self.source)
                  for dst, src in self.key_columns]
        return moved + [Move(self.target, dst, text, scope, ("set", dst), self.source)
                        for dst, text in self.set_values]

    def writes(self, model: Schema):
        return {(self.target, None)}

    def inverse(self, model: Schema) -> list[Operation]:
        if self.order is None:
            raise NotReversible("unpivot without 'order' cannot be pivoted back")
        scope = scope_of(model, self.source)
        if any(expression_reads(t, scope) for _, t in self.set_values):
            raise NotReversible("unpivot with 'set' values read from columns cannot be pivoted "
                                "back automatically")
        return [self.derived(Pivot, source=self.source, target=self.target,
                             key_columns=self.key_columns,
                             columns=self.columns, value=self.value, order=self.order,
                             set_values=self.set_values, skip_null=self.skip_null)]


@dataclass(frozen=True, kw_only=True)
class Pivot(_Repeated):
    """The inverse of an unpivot: fill the columns back from the rows, then delete the rows."""

    def render(self, model: Schema) -> list[Piece]:
        source, target = model.table(self.source), model.table(self.target)
        scope = scope_of(model, self.target)
        joins, sets = [], []
        for number, column in enumerate(self.columns, start=1):
            alias = f"p{number}"
            conditions = [f"{qualified(alias, target.column(d).name)} = "
                          f"{qualified(self.source, source.column(s).name)}"
                          for d, s in self.key_columns]
            conditions.append(f"{qualified(alias, target.column(self.order).name)} = {number}")
            conditions += [f"{qualified(alias, target.column(d).name)} = "
                           f"{expression_sql(t, scope)}" for d, t in self.set_values]
            joins.append(f"LEFT JOIN {ident(self.target)} AS {ident(alias)} ON "
                         f"{' AND '.join(conditions)}")
            sets.append(f"{qualified(self.source, source.column(column).name)} = "
                        f"{qualified(alias, target.column(self.value).name)}")
        update = (f"UPDATE {ident(self.source)} {' '.join(joins)} SET {', '.join(sets)}")
        numbers = ", ".join(str(n) for n in range(1, len(self.columns) + 1))
        conditions = [f"{qualified(self.target, target.column(self.order).name)} IN ({numbers})"]
        conditions += [f"{qualified(self.target, target.column(d).name)} = "
                       f"{expression_sql(t, scope)}" for d, t in self.set_values]
        delete = f"DELETE FROM {ident(self.target)} WHERE {' AND '.join(conditions)}"
        tables = frozenset({self.source, self.target})
        return [Statement(update, tables, data=True), Statement(delete, tables, data=True)]

    def writes(self, model: Schema):
        source = model.table(self.source)
        return {(self.source, source.column(c).name) for c in self.columns}


@operation("fill_foreign_key")
@dataclass(frozen=True, kw_only=True)
class FillFromJoin(DataStep):
    """``UPDATE table JOIN source ON … SET table.column = source.column, …``."""

    table: str
    source: str
    join: tuple[tuple[str, str], ...]    # (table column, source column)
    assign: tuple[tuple[str, str], ...]  # (table column, source column)

    def table_name(self) -> str | None:
        return self.table

    @classmethod
    def fields_from_yaml(cls, body, where, problems):
        source = body["from"]
        return {"table": body["table"], "source": source["table"],
                "join": tuple(source["join"].items()),
                "assign": ((body["column"], source["column"]),), "batch": body.get("batch")}

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        table = self.table_or_error(model, self.table, problems, "table")
        source = self.table_or_error(model, self.source, problems, "from", "table")
        if table is None or source is None:
            return problems
        if table.name == source.name:
            problems.append(self.error("E211", "the source must be another table", "from"))
        for mine, theirs in self.join:
            self.column_or_error(table, mine, problems, "from", "join", mine, key=True)
            self.column_or_error(source, theirs, problems, "from", "join", mine)
        for mine, theirs in self.assign:
            self.column_or_error(table, mine, problems, "column")
            self.column_or_error(source, theirs, problems, "from", "column")
        problems += batch_problems(self, table)
        return problems or certain_loss_problems(self, model)

    def value_moves(self, model: Schema) -> list[Move]:
        scope = scope_of(model, self.source)
        return [Move(self.table, mine, f"`{theirs}`", scope, ("from", "column"), self.source)
                for mine, theirs in self.assign]

    def render(self, model: Schema) -> list[Piece]:
        table, source = model.table(self.table), model.table(self.source)
        on = " AND ".join(f"{qualified(source.name, source.column(s).name)} = "
                          f"{qualified(table.name, table.column(m).name)}" for m, s in self.join)
        sets = ", ".join(f"{qualified(table.name, table.column(m).name)} = "
                         f"{qualified(source.name, source.column(s).name)}"
                         for m, s in self.assign)

        def text(batch: str | None) -> str:
            return (f"UPDATE {ident(table.name)} JOIN {ident(source.name)} ON {on} SET {sets}"
                    + (f" WHERE {batch}" if batch else ""))
        return [self.statement(model, table.name, text, frozenset({table.name, source.name}))]

    def reads(self, model: Schema):
        return {spelled(model, self.source, s) for _, s in self.join + self.assign} | \
            {spelled(model, self.table, m) for m, _ in self.join}

    def writes(self, model: Schema):
        table = model.table(self.table)
        return {(table.name, table.column(m).name) for m, _ in self.assign}

    def inverse(self, model: Schema) -> list[Operation]:
        raise NotReversible(f"filling existing columns of {self.table} cannot be undone "
                            "automatically")


@operation("delete_rows")
@dataclass(frozen=True, kw_only=True)
class DeleteRows(DataStep):
    """``DELETE FROM table WHERE …`` — mostly for rollbacks of copy_rows."""

    table: str
    where_sql: str

    yaml_names = {"where": "where_sql"}

    def table_name(self) -> str | None:
        return self.table

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        table = self.table_or_error(model, self.table, problems, "table")
        if table is not None:
            problems += expression_problems(self.where, ("where",), self.where_sql,
                                            scope_of(model, self.table))
        return problems + batch_problems(self, table)

    def render(self, model: Schema) -> list[Piece]:
        where = expression_sql(self.where_sql, scope_of(model, self.table))

        def text(batch: str | None) -> str:
            return f"DELETE FROM {ident(self.table)} WHERE {and_also(where, batch)}"
        return [self.statement(model, self.table, text, frozenset({self.table}))]

    def reads(self, model: Schema):
        return expression_reads(self.where_sql, scope_of(model, self.table))

    def loses(self, model: Schema):
        table = model.table(self.table)
        return ({(table.name, c.name) for c in table.columns},
                f"deletes the rows of {self.table} where {self.where_sql}")
