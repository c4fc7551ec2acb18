# SPDX-License-Identifier: LGPL-3.0-or-later
"""The step record: which statements of a script have finished on a target, kept on the target
itself in ``SchemaStatusStep`` beside upstream's ``SchemaStatus``.

MariaDB's DDL is not transactional, so a run that stops part-way leaves a half-changed schema.
:class:`Journal` runs a script's statements on one connection and writes one row per statement
right after it succeeds: the script's name, the statement's index and sha256, the connection
that ran it and when it finished. A data statement (``INSERT``/``UPDATE``/``DELETE``/
``REPLACE``) and its row commit in one transaction, so either both are there or neither. A
DDL statement commits by itself (atomically, MariaDB ≥ 10.6), so a crash can fall between it
and its row: for that case the row before it holds ``nextStateSha256``, the sha256 of the
``SHOW CREATE`` text of every table or view the DDL statement changes, read just before it
ran. Recovery compares it with the same names now: unchanged means the statement did not take
effect; changed means it did.
"""
from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import pymysql

from ..model import Column, ColumnType, Index, IndexPart, Table
from ..render.quote import ident, idents
from .statements import Executed, Failure, PlannedStatement

STEPS = "SchemaStatusStep"
_COLUMNS = ("scriptName", "statementIndex", "statementSha256", "steps", "connectionId",
            "nextStateSha256", "recoveryNote")
_TRANSACTIONAL = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.I)
_AUTO_INCREMENT = re.compile(r" AUTO_INCREMENT=\d+")
NO_SUCH_TABLE = 1146


def step_table() -> Table:
    """``SchemaStatusStep``: one row per finished statement of a script."""
    def column(name: str, kind: str, comment: str, nullable: bool = False,
               default: str | None = None) -> Column:
        return Column(name, ColumnType.parse(kind), nullable=nullable, default=default,
                      comment=comment)

    return Table(STEPS, (
        column("scriptName", "varchar(100)", "The script, as SchemaStatus.scriptName names it"),
        column("statementIndex", "smallint(5) unsigned", "1-based position in the script"),
        column("statementSha256", "char(64)", "sha256 of the statement's SQL text"),
        column("steps", "varchar(1000)", "The proposal's steps the statement belongs to"),
        column("connectionId", "bigint(20) unsigned", "CONNECTION_ID() of the session that "
               "ran it"),
        column("nextStateSha256", "char(64)", "sha256 of what the next (DDL) statement "
               "changes, read just before it ran", nullable=True),
        column("recoveryNote", "varchar(255)", "Set when recovery decided the statement had "
               "taken effect without its row", nullable=True),
        column("finished", "timestamp(6)", "When the statement finished", default=
               "current_timestamp(6)"),
    ), (Index("PRIMARY", (IndexPart("scriptName"), IndexPart("statementIndex")), "PRIMARY"),),
        comment="ispyb-schema apply: the statements of each script that have finished")


def statement_sha256(sql: str) -> str:
    return hashlib.sha256(sql.encode("utf-8")).hexdigest()


def transactional(sql: str) -> bool:
    """Whether the statement is data that commits with its row (not DDL)."""
    return bool(_TRANSACTIONAL.match(sql))


@dataclass(frozen=True)
class Step:
    """A statement to run, and the tables or views it changes when it is DDL."""

    statement: PlannedStatement
    names: tuple[str, ...] = ()

    @property
    def transactional(self) -> bool:
        return transactional(self.statement.sql)


@dataclass(frozen=True)
class Row:
    index: int
    sha256: str
    connection: int
    next_state: str | None
    note: str | None


def state_sha256(cur, names: tuple[str, ...]) -> str:
    """sha256 of ``SHOW CREATE TABLE`` of each name (``absent`` when there is none), without
    AUTO_INCREMENT counters: what a DDL statement on those names changes."""
    parts = []
    for name in sorted(names, key=str.lower):
        try:
            cur.execute(f"SHOW CREATE TABLE {ident(name)}")
            text = _AUTO_INCREMENT.sub("", cur.fetchone()[1])
        except pymysql.MySQLError as err:
            if not err.args or err.args[0] != NO_SUCH_TABLE:
                raise
            text = "absent"
        parts.append(f"{name.lower()}\n{text}")
    return hashlib.sha256("\n\n".join(parts).encode("utf-8")).hexdigest()


def read_rows(conn, script: str) -> list[Row]:
    """The rows recorded for ``script``, by index."""
    columns = idents(["statementIndex", "statementSha256", "connectionId", "nextStateSha256",
                      "recoveryNote"])
    with conn.cursor() as cur:
        cur.execute(f"SELECT {columns} FROM {ident(STEPS)} WHERE {ident('scriptName')} = %s "
                    f"ORDER BY {ident('statementIndex')}", (script,))
        return [Row(int(i), sha, int(c), nxt, note) for i, sha, c, nxt, note in cur.fetchall()]


Hook = Callable[[PlannedStatement], None]


class Journal:
    """Runs a script's statements on one connection, recording each as it finishes."""

    def __init__(self, conn, script: str) -> None:
        self.conn, self.script = conn, script
        self.connection_id = conn.thread_id()
        self._insert = (f"INSERT INTO {ident(STEPS)} ({idents(_COLUMNS)}) "
                        f"VALUES (%s, %s, %s, %s, %s, %s, %s)")

    def record(self, cur, step: Step, following: Step | None, note: str | None = None) -> None:
        """The row of ``step``; with the state of what ``following`` will change, if DDL."""
        nxt = (state_sha256(cur, following.names)
               if following is not None and not following.transactional else None)
        s = step.statement
        cur.execute(self._insert, (self.script, s.index, statement_sha256(s.sql),
                                   ", ".join(s.labels)[:1000], self.connection_id, nxt, note))

    def run(self, steps: list[Step], total: int, *, after: Hook | None = None,
            tick: Callable[[int, int], None] | None = None
            ) -> tuple[list[Executed], Failure | None]:
        """Run ``steps`` in order; stop at the first that fails (or whose connection dies).
        ``after`` runs once a statement has finished, before its row is written (the
        fault-injection tests kill the connection there)."""
        done: list[Executed] = []
        with self.conn.cursor() as cur:
            for position, step in enumerate(steps):
                following = steps[position + 1] if position + 1 < len(steps) else None
                start = time.perf_counter()
                try:
                    if step.transactional:
                        cur.execute("BEGIN")
                    cur.execute(step.statement.sql)
                    rows = max(cur.rowcount, 0)
                    seconds = time.perf_counter() - start
                    if after:
                        after(step.statement)
                    self.record(cur, step, following)
                    if step.transactional:
                        cur.execute("COMMIT")
                except pymysql.MySQLError as err:
                    self._rollback(cur)
                    return done, _failure(step.statement, total, err)
                done.append(Executed(step.statement, seconds, rows))
                if tick:
                    tick(len(done), len(steps))
        return done, None

    @staticmethod
    def _rollback(cur) -> None:
        try:
            cur.execute("ROLLBACK")
        except pymysql.MySQLError:
            pass  # the connection is gone: the server rolls back


def _failure(statement: PlannedStatement, total: int, err: pymysql.MySQLError) -> Failure:
    errno, message = (err.args + (None, ""))[:2] if err.args else (None, str(err))
    return Failure(statement, total, errno if isinstance(errno, int) else None, str(message))
