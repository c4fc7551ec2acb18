# SPDX-License-Identifier: LGPL-3.0-or-later
"""A proposal's script as the planner renders it, statement by statement, and running it.

The statements come from the planner (its folded list, with the steps each belongs to), each
found in the rendered script to know its line; statements the script holds besides them (the
upstream format's SchemaStatus rows) are read from the text between, with the harness's
splitter. What runs is exactly the script ``ispyb-schema plan`` prints.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pymysql

from ..changeset.engine import Walk, rollback_walk
from ..changeset.plan import AlterGroup, fold, render_plan
from ..changeset.proposal import Proposal
from ..harness.sqlscript import split_statements
from ..model import Schema


@dataclass(frozen=True)
class PlannedStatement:
    index: int  # 1-based position in the script
    line: int  # the script line it starts on
    labels: tuple[str, ...]  # the steps it belongs to; () for the script's own statements
    sql: str
    data: bool  # a data statement (never folded with other steps)

    @property
    def first_line(self) -> str:
        return self.sql.strip().splitlines()[0]

    def where(self, total: int) -> str:
        steps = f", {', '.join(self.labels)}" if self.labels else ""
        return f"statement {self.index} of {total} (line {self.line}{steps})"


class PlanMismatch(RuntimeError):
    """The planner's statement list and its rendered text disagree (a bug in the planner)."""


def planned_script(proposal: Proposal, base: Schema, walk: Walk, label: str, *,
                   rollback: bool = False, upstream: bool = False
                   ) -> tuple[str, list[PlannedStatement]]:
    text = render_plan(proposal, base, walk, label, rollback=rollback, upstream=upstream)
    items = fold(rollback_walk(walk).pieces if rollback else walk.pieces)
    found: list[tuple[int, int, tuple[str, ...], str, bool]] = []  # offset, line, …
    position = 0
    for item in items:
        sql = item.sql()
        offset = text.find(sql, position)
        if offset < 0:
            raise PlanMismatch(f"the planner's statement is not in its script: {sql[:80]}")
        found += _between(text, position, offset)
        labels = tuple(item.labels) if isinstance(item, AlterGroup) else (item.label,)
        data = not isinstance(item, AlterGroup) and item.statement.data
        found.append((offset, text.count("\n", 0, offset) + 1, labels, sql, data))
        position = offset + len(sql)
    found += _between(text, position, len(text))
    return text, [PlannedStatement(i, line, labels, sql, data)
                  for i, (_, line, labels, sql, data) in enumerate(found, start=1)]


def _between(text: str, start: int, end: int):
    """Statements of the script text between two of the planner's (``;`` included)."""
    base_line = text.count("\n", 0, start)
    return [(start, base_line + line, (), sql.strip() + ";", False)
            for line, sql in split_statements(text[start:end])]


@dataclass
class Executed:
    statement: PlannedStatement
    seconds: float
    rows: int

    def to_dict(self) -> dict:
        s = self.statement
        return {"index": s.index, "line": s.line, "steps": list(s.labels),
                "statement": s.first_line, "seconds": round(self.seconds, 4), "rows": self.rows}


@dataclass
class Failure:
    statement: PlannedStatement
    total: int
    errno: int | None
    message: str

    def __str__(self) -> str:
        code = f"ERROR {self.errno}: " if self.errno else ""
        return (f"{self.statement.where(self.total)} failed: {code}{self.message}\n"
                + "\n".join("  " + line for line in self.statement.sql.splitlines()))

    def to_dict(self) -> dict:
        s = self.statement
        return {"index": s.index, "of": self.total, "line": s.line, "steps": list(s.labels),
                "sql": s.sql, "errno": self.errno, "message": self.message}


Hook = Callable[[PlannedStatement], None]


def execute(conn, statements: list[PlannedStatement], *, before: Hook | None = None,
            after: Hook | None = None, tick: Callable[[int, int], None] | None = None
            ) -> tuple[list[Executed], Failure | None]:
    """Run the statements one by one; stop at the first that fails. ``before``/``after`` run
    around each statement (probes), ``tick(done, total)`` reports progress."""
    done: list[Executed] = []
    with conn.cursor() as cur:
        for statement in statements:
            if before:
                before(statement)
            start = time.perf_counter()
            try:
                cur.execute(statement.sql)
            except pymysql.MySQLError as err:
                errno, message = (err.args + (None, ""))[:2] if err.args else (None, str(err))
                return done, Failure(statement, len(statements),
                                     errno if isinstance(errno, int) else None, str(message))
            done.append(Executed(statement, time.perf_counter() - start, max(cur.rowcount, 0)))
            if after:
                after(statement)
            if tick:
                tick(len(done), len(statements))
    return done, None
