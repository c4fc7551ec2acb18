# SPDX-License-Identifier: LGPL-3.0-or-later
"""Timing every forward statement of a set of proposals at several scales of synthetic data.

At each scale a fresh scratch database is loaded with the baseline, its fixtures and
``fixtures generate`` rows; the proposals' forward scripts then run in dependency order,
statement by statement, exactly as ``plan`` prints them. Before each statement the rows of
every table it names are counted: they are what its time is fitted against.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..changeset.sqlcheck import SqlProblem, parse_statements, referenced_tables, written_tables
from ..errors import InputError
from ..fixtures.generate import generate_sql
from ..fixtures.scale_plan import SCALE_PLAN
from ..harness.server import Server
from ..lint.context import Alter, LintContext
from ..model import Schema
from ..render.quote import ident
from ..verify.runner import Subject
from ..verify.scratch import Loader, fill
from ..verify.statements import PlannedStatement, execute, planned_script

DRIVER = "DataCollection"  # the table whose size names a scale
# An ephemeral server's buffer pool is sized for tests (64 MB): at 100,000 DataCollection rows
# the tables no longer fit and every statement becomes disk-bound, a cliff production servers
# (sized to their data) do not have. A server the harness started for us gets this much; a
# server the user named is never reconfigured.
FORECAST_BUFFER_POOL = 1 << 30
DC_PER_UNIT = next(p.per_unit for p in SCALE_PLAN if p.table == DRIVER)


@dataclass(frozen=True)
class Sample:
    scale_rows: int  # DataCollection rows at this scale, before the proposals
    seconds: float
    rows: dict[str, int]  # rows of each table the statement names, just before it ran


@dataclass
class Series:
    """One statement of a proposal's forward script and its times at each scale."""

    proposal: str
    index: int
    line: int
    steps: tuple[str, ...]
    sql: str
    tables: tuple[str, ...]  # the tables it names; the first is the one it changes
    lock: str  # "ALGORITHM=…, LOCK=…" for an ALTER, "row locks" for data, "metadata" else
    ddl: bool  # replicated in Total Order Isolation under Galera
    samples: list[Sample] = field(default_factory=list)

    @property
    def first_line(self) -> str:
        return self.sql.strip().splitlines()[0]


def units_for(dc_rows: int) -> int:
    """The ``fixtures generate --scale`` that gives at least ``dc_rows`` DataCollection rows."""
    return max(1, math.ceil(dc_rows / DC_PER_UNIT))


@dataclass(frozen=True)
class Described:
    """A forward statement with what a forecast or an online plan needs to know of it."""

    statement: PlannedStatement
    tables: tuple[str, ...]  # the tables it names; the first is the one it changes
    lock: str
    ddl: bool
    alter: Alter | None  # an ALTER TABLE's clauses and predicted algorithm


def describe_statements(subject: Subject, label: str) -> list[Described]:
    """The forward statements with the tables each names, its lock and whether it is DDL."""
    _, statements = planned_script(subject.walk, label)
    items = LintContext.build(subject.walk).plan  # the same statements, with predictions
    if len(items) != len(statements):
        raise RuntimeError(f"{subject.proposal.id}: the script and lint's plan disagree")
    out = []
    for statement, item in zip(statements, items):
        if item.alter is not None:
            out.append(Described(statement, (item.alter.table,), str(item.alter.prediction),
                                 True, item.alter))
        else:
            tables, ddl = _tables(statement.sql)
            out.append(Described(statement, tables, "metadata" if ddl else "row locks", ddl,
                                 None))
    return out


def _tables(sql: str) -> tuple[tuple[str, ...], bool]:
    try:
        node = parse_statements(sql)[0]
    except SqlProblem:
        return (), True
    written = sorted(written_tables(node))
    read = sorted(referenced_tables(node) - set(written))
    kind = type(node).__name__
    return tuple(written + read), kind not in ("Insert", "Update", "Delete", "Select")


def measure(server: Server, base: Schema, loader: Loader, subjects: list[Subject],
            scales: list[int], label: str,
            say: Callable[[str], None] = lambda _: None) -> list[Series]:
    """Every forward statement of ``subjects`` timed at each scale (DataCollection rows)."""
    plans = [(s, describe_statements(s, label)) for s in subjects]
    if server.kind in ("local", "docker"):  # started by the harness, for us alone
        with server.connect() as conn, conn.cursor() as cur:
            cur.execute(f"SET GLOBAL innodb_buffer_pool_size = {FORECAST_BUFFER_POOL}")
    series = [Series(s.proposal.id, d.statement.index, d.statement.line, d.statement.labels,
                     d.statement.sql, d.tables, d.lock, d.ddl)
              for s, described in plans for d in described]
    for dc_rows in scales:
        database = server.create_scratch_database("ispyb_forecast")
        try:
            start = time.perf_counter()
            fill(server, database, loader)
            server.load_sql(database, text=generate_sql(base, units_for(dc_rows)))
            with server.connect(database) as conn:
                actual = _count(conn, DRIVER)
                say(f"scale {actual:,} {DRIVER} rows: loaded in "
                    f"{time.perf_counter() - start:.1f} s")
                position = 0
                for subject, described in plans:
                    for d in described:
                        rows = {t: _count(conn, t) for t in d.tables}
                        done, failure = execute(conn, [d.statement])
                        if failure:
                            raise InputError.single(None, f"{subject.proposal.id}: at "
                                                          f"{actual:,} {DRIVER} rows, {failure}")
                        series[position].samples.append(Sample(actual, done[0].seconds, rows))
                        position += 1
        finally:
            server.drop_scratch_database(database)
    return series


def _count(conn, table: str) -> int:
    with conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                    "DATABASE() AND TABLE_NAME = %s", (table,))
        if not cur.fetchone()[0]:
            return 0  # not created yet (a later statement of the proposal creates it)
        cur.execute(f"SELECT COUNT(*) FROM {ident(table)}")
        return int(cur.fetchone()[0])
