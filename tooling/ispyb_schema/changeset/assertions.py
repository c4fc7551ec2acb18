# SPDX-License-Identifier: LGPL-3.0-or-later
"""Promises a proposal makes about the data, checked by the verification stage.

Each assertion renders to SQL plus an expectation: a single value (``expect``), no rows, or
"the query before the change returns the same as the query after it".
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import Diagnostic
from ..model import Schema
from ..render.quote import ident, qualified
from .operations.base import NOWHERE, Where
from .operations.data import expression_problems, expression_sql, scope_of
from .sqlcheck import SqlProblem, check_query, emit, parse_select


@dataclass(frozen=True)
class RenderedAssertion:
    """What the verification stage runs: ``before`` (on the baseline, or None) and ``after``
    (after the forward script); ``expect`` is an integer, ``"empty"`` or ``"same"`` (the two
    results equal, row for row)."""

    name: str
    description: str
    before: str | None
    after: str
    expect: int | str


@dataclass(frozen=True)
class Side:
    table: str
    columns: tuple[str, ...] = ()
    where_sql: str | None = None


@dataclass(frozen=True, kw_only=True)
class Assertion:
    name: str
    description: str = ""
    where: Where = NOWHERE

    def error(self, code: str, message: str, *keys) -> Diagnostic:
        return Diagnostic(self.where(*keys), message, code)

    def check(self, before: Schema, after: Schema) -> list[Diagnostic]:
        return []

    def render(self, before: Schema, after: Schema) -> RenderedAssertion:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class SqlAssertion(Assertion):
    sql: str
    expect: int | str

    def check(self, before: Schema, after: Schema) -> list[Diagnostic]:
        try:
            problems = check_query(parse_select(self.sql), after)
        except SqlProblem as problem:
            problems = [problem]
        return [Diagnostic(self.where.in_text(("sql",), self.sql, p.line, p.col), p.message,
                           p.code) for p in problems]

    def render(self, before: Schema, after: Schema) -> RenderedAssertion:
        return RenderedAssertion(self.name, self.description, None,
                                 emit(parse_select(self.sql)), self.expect)


def _side_problems(assertion: Assertion, model: Schema, side: Side, key: str) -> list[Diagnostic]:
    table = model.table(side.table)
    moment = "before" if key == "before" else "after"
    if table is None:
        return [assertion.error("E101", f"unknown table {side.table!r} {moment} the change",
                                key, "table")]
    problems = [assertion.error("E102", f"unknown column {c!r} in {side.table} {moment} the "
                                        "change", key, "columns", i)
                for i, c in enumerate(side.columns) if table.column(c) is None]
    if side.where_sql and not problems:
        problems += expression_problems(assertion.where, (key, "where"), side.where_sql,
                                        scope_of(model, side.table))
    return problems


def _where(model: Schema, side: Side) -> str:
    if not side.where_sql:
        return ""
    return " WHERE " + expression_sql(side.where_sql, scope_of(model, side.table))


@dataclass(frozen=True, kw_only=True)
class RowCountPreserved(Assertion):
    before: Side
    after: Side

    def check(self, before: Schema, after: Schema) -> list[Diagnostic]:
        return _side_problems(self, before, self.before, "before") + \
            _side_problems(self, after, self.after, "after")

    def render(self, before: Schema, after: Schema) -> RenderedAssertion:
        def count(model, side):
            return f"SELECT COUNT(*) FROM {ident(side.table)}{_where(model, side)}"
        return RenderedAssertion(self.name, self.description, count(before, self.before),
                                 count(after, self.after), "same")


@dataclass(frozen=True, kw_only=True)
class ValuesPreserved(Assertion):
    before: Side
    after: Side

    def check(self, before: Schema, after: Schema) -> list[Diagnostic]:
        problems = _side_problems(self, before, self.before, "before") + \
            _side_problems(self, after, self.after, "after")
        for key in ("before", "after"):
            if not getattr(self, key).columns:
                problems.append(self.error("E012", f"values_preserved: {key} needs 'columns'",
                                           key))
        return problems

    def render(self, before: Schema, after: Schema) -> RenderedAssertion:
        def values(model, side):
            table = model.table(side.table)
            where = _where(model, side)
            parts = []
            for name in side.columns:
                column = qualified(side.table, table.column(name).name)
                condition = f"{column} IS NOT NULL" + (f" AND ({where[7:]})" if where else "")
                parts.append(f"SELECT {column} AS {ident('v')} FROM {ident(side.table)} "
                             f"WHERE {condition}")
            return (f"SELECT {ident('v')} FROM ({' UNION ALL '.join(parts)}) AS {ident('pooled')}"
                    f" ORDER BY {ident('v')}")
        return RenderedAssertion(self.name, self.description, values(before, self.before),
                                 values(after, self.after), "same")


def _side(data: dict) -> Side:
    where = data.get("where")
    return Side(data["table"], tuple(data.get("columns", ())),
                None if where is None else str(where))


def assertion_from_yaml(data: dict, where: Where, index: int) -> Assertion:
    common = {"name": data.get("name") or f"assertion_{index + 1}",
              "description": data.get("description", "")}
    if "sql" in data:
        return SqlAssertion(sql=data["sql"], expect=data["expect"], where=where, **common)
    kind = "row_count_preserved" if "row_count_preserved" in data else "values_preserved"
    spec = data[kind]
    if isinstance(spec, str):
        spec = {"before": {"table": spec}, "after": {"table": spec}}
    cls = RowCountPreserved if kind == "row_count_preserved" else ValuesPreserved
    return cls(before=_side(spec["before"]), after=_side(spec["after"]),
               where=where.below(kind), **common)
