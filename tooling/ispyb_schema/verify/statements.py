# SPDX-License-Identifier: LGPL-3.0-or-later
"""A proposal's script as the planner makes it, statement by statement, and running it.

The statements are the script object's (:class:`~..changeset.script.Script`): each knows its
line, its steps and its kind; what runs is exactly the script ``ispyb-schema plan`` prints.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pymysql

from ..changeset.plan import plan_script
from ..changeset.script import ScriptStatement, runnable
from ..changeset.walk import ProposalWalk

PlannedStatement = ScriptStatement  # the name the verify stages use


def planned_script(walk: ProposalWalk, label: str, *, rollback: bool = False,
                   upstream: bool = False) -> tuple[str, list[ScriptStatement]]:
    """The script's text and its statements (the upstream format's SchemaStatus rows
    included)."""
    script = plan_script(walk, label, rollback=rollback, upstream=upstream)
    return script.text, list(script.statements)


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
                cur.execute(runnable(statement.sql))
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
