# SPDX-License-Identifier: LGPL-3.0-or-later
"""The step record: which statements of a script have finished on a target, kept on the target
itself in ``SchemaStatusStep`` beside upstream's ``SchemaStatus``.

MariaDB's DDL is not transactional, so a run that stops part-way leaves a half-changed schema.
:class:`Journal` runs a script's statements on one connection and writes one row per statement
right after it succeeds: the script's name, the statement's index and sha256, the connection
that ran it and when it finished. A data statement (``INSERT``/``UPDATE``/``DELETE``/
``REPLACE``) and its row commit in one transaction, so either both are there or neither. A
DDL statement commits by itself (atomically, MariaDB ≥ 10.6), so a crash can fall between it
and its row: for that case the row before it holds ``nextState``, the sha256 of the
``SHOW CREATE`` text of every table or view the DDL statement changes, read just before it
ran. Recovery compares it with the same names now: unchanged means the statement did not take
effect; changed means it did. Before an ``INSERT`` the row holds instead the AUTO_INCREMENT
counters of its tables (``ai:table=N,…``): a rolled-back insert still uses up ids, and
recovery sets the counters back so that the rows get the ids an uninterrupted run gives them.
"""
from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import pymysql

from ..changeset.script import runnable
from ..model import Column, ColumnType, Index, IndexPart, Table
from ..render.quote import ident, idents
from .statements import Executed, Failure, PlannedStatement

STEPS = "SchemaStatusStep"
_COLUMNS = ("scriptName", "statementIndex", "statementSha256", "steps", "connectionId",
            "nextState", "recoveryNote")
_TRANSACTIONAL = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.I)
_INSERTS = re.compile(r"\s*(INSERT|REPLACE)\b", re.I)
COUNTERS = "ai:"
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
        column("nextState", "varchar(1000)", "sha256 of what the next (DDL) statement changes, "
               "or the AUTO_INCREMENT counters of the next INSERT's tables, read just before "
               "it ran", nullable=True),
        column("recoveryNote", "varchar(255)", "Set when recovery decided the statement had "
               "taken effect without its row", nullable=True),
        column("finished", "timestamp(6)", "When the statement finished", default=
               "current_timestamp(6)"),
    ), (Index("PRIMARY", (IndexPart("scriptName"), IndexPart("statementIndex")), "PRIMARY"),),
        comment="ispyb-schema apply: the statements of each script that have finished")


def without_counter(create: str) -> str:
    """A ``SHOW CREATE TABLE`` text without its AUTO_INCREMENT counter (data, not schema)."""
    return _AUTO_INCREMENT.sub("", create)


def statement_sha256(sql: str) -> str:
    return hashlib.sha256(sql.encode("utf-8")).hexdigest()


def transactional(statement: PlannedStatement) -> bool:
    """Whether the statement is data that commits with its row: a data or SchemaStatus
    statement whose verb is DML (a raw ``sql`` step's DDL is not), and not a compound block
    (a batched step commits range by range, resuming from its own progress)."""
    return (statement.kind in ("data", "status") and not statement.sql.startswith("DELIMITER")
            and bool(_TRANSACTIONAL.match(statement.sql)))


@dataclass(frozen=True)
class Step:
    """A statement to run, and the tables or views it changes when it is DDL."""

    statement: PlannedStatement
    names: tuple[str, ...] = ()

    @property
    def transactional(self) -> bool:
        return transactional(self.statement)

    @property
    def inserts(self) -> bool:
        return bool(_INSERTS.match(self.statement.sql))


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
            text = without_counter(cur.fetchone()[1])
        except pymysql.MySQLError as err:
            if not err.args or err.args[0] != NO_SUCH_TABLE:
                raise
            text = "absent"
        parts.append(f"{name.lower()}\n{text}")
    return hashlib.sha256("\n\n".join(parts).encode("utf-8")).hexdigest()


def counters(cur, names: tuple[str, ...]) -> dict[str, int]:
    """The AUTO_INCREMENT counters of the tables named (those that have one)."""
    if not names:
        return {}
    cur.execute("SELECT TABLE_NAME, AUTO_INCREMENT FROM information_schema.TABLES WHERE "
                "TABLE_SCHEMA = DATABASE() AND AUTO_INCREMENT IS NOT NULL AND TABLE_NAME IN "
                f"({', '.join(['%s'] * len(names))})", names)
    return {name: int(value) for name, value in cur.fetchall()}


def counters_text(values: dict[str, int]) -> str:
    return COUNTERS + ",".join(f"{name}={value}" for name, value in sorted(values.items()))


def parse_counters(text: str | None) -> dict[str, int]:
    if not text or not text.startswith(COUNTERS):
        return {}
    pairs = (item.rsplit("=", 1) for item in text[len(COUNTERS):].split(",") if item)
    return {name: int(value) for name, value in pairs}


def restore_counters(cur, values: dict[str, int]) -> None:
    """Set AUTO_INCREMENT counters back (InnoDB keeps them above the largest id anyway)."""
    for name, value in sorted(values.items()):
        cur.execute(f"ALTER TABLE {ident(name)} AUTO_INCREMENT = {int(value)}")


def read_rows(conn, script: str) -> list[Row]:
    """The rows recorded for ``script``, by index (row 0: see :meth:`Journal.start`)."""
    columns = idents(["statementIndex", "statementSha256", "connectionId", "nextState",
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
        """The row of ``step``, with the state of what ``following`` will change (DDL) or its
        tables' counters (INSERT)."""
        nxt = None
        if following is not None and not following.transactional:
            nxt = state_sha256(cur, following.names)
        elif following is not None and following.inserts:
            nxt = counters_text(counters(cur, following.names)) or None
        s = step.statement
        cur.execute(self._insert, (self.script, s.index, statement_sha256(s.sql),
                                   ", ".join(s.labels)[:1000], self.connection_id, nxt, note))

    def start(self, cur, first: Step) -> None:
        """Row 0, before a script whose first statement is DDL: the state it changes."""
        cur.execute(self._insert.replace("INSERT", "REPLACE", 1),
                    (self.script, 0, statement_sha256(""), "", self.connection_id,
                     state_sha256(cur, first.names), None))

    def run(self, steps: list[Step], total: int, *, after: Hook | None = None,
            tick: Callable[[int, int], None] | None = None,
            before: Hook | None = None) -> tuple[list[Executed], Failure | None]:
        """Run ``steps`` in order; stop at the first that fails (or whose connection dies).
        ``before`` runs before a statement, ``after`` once it has finished and before its row
        is written (the fault-injection tests stop the run there)."""
        done: list[Executed] = []
        with self.conn.cursor() as cur:
            if steps and steps[0].statement.index == 1 and not steps[0].transactional:
                self.start(cur, steps[0])
            for position, step in enumerate(steps):
                following = steps[position + 1] if position + 1 < len(steps) else None
                if before:
                    before(step.statement)
                start = time.perf_counter()
                try:
                    if step.transactional:
                        cur.execute("BEGIN")
                    cur.execute(runnable(step.statement.sql))
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
