# SPDX-License-Identifier: LGPL-3.0-or-later
"""Rehearsing a proposal's online plan: on a scratch database filled with synthetic data, the
forward script runs with each qualifying ALTER done by pt-online-schema-change while a writer
inserts into that table every 10 ms. It must end with the schema the model says (apart from
pt-osc's '_' prefix on foreign-key names, reported), every write accepted, and every written
row there."""
from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pymysql

from ..errors import EnvironmentProblem
from ..fixtures.generate import generate_sql
from ..forecast.measure import Described, units_for
from ..harness.server import Server
from ..importer.live import import_connection
from ..model import Schema, Table
from ..render.quote import ident, idents
from ..verify.compare import schema_differences
from ..verify.scratch import Loader, fill
from ..verify.statements import execute
from .ptosc import TOOL, OnlineAlter, online_candidate

WRITE_EVERY = 0.010  # seconds between the writer's inserts
DEADLOCK, DEADLOCK_RETRIES = 1213, 3


@dataclass
class WriterStats:
    inserted: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    longest_stall: float = 0.0  # the longest time between two accepted writes
    deadlocks: int = 0  # writes InnoDB chose as deadlock victims, then retried


class Writer(threading.Thread):
    """Inserts a copy of the table's first row every 10 ms until stopped, as an application
    does: a plain INSERT … VALUES (the values read once, before the change starts)."""

    def __init__(self, server: Server, database: str, table: Table, columns: list[str]):
        super().__init__(daemon=True)
        self.conn = server.connect(database)
        self.stats, self.stop = WriterStats(), threading.Event()
        key = table.primary_key.columns[0]
        with self.conn.cursor() as cur:
            cur.execute(f"SELECT {idents(columns)} FROM {ident(table.name)} ORDER BY "
                        f"{ident(key)} LIMIT 1")
            self.values = cur.fetchone()
        self.sql = (f"INSERT INTO {ident(table.name)} ({idents(columns)}) VALUES "
                    f"({', '.join(['%s'] * len(columns))})")

    def run(self) -> None:
        last = time.perf_counter()
        with self.conn.cursor() as cur:
            while not self.stop.is_set():
                try:
                    self._insert(cur)
                    self.stats.inserted.append(cur.lastrowid)
                    now = time.perf_counter()
                    self.stats.longest_stall = max(self.stats.longest_stall, now - last)
                    last = now
                except pymysql.MySQLError as err:
                    self.stats.failures.append(str(err))
                self.stop.wait(WRITE_EVERY)
        self.conn.close()

    def _insert(self, cur) -> None:
        """One write, retried when InnoDB picks it as a deadlock victim (as an application
        must: the chunk copy and the triggers of pt-osc take locks a write can deadlock with
        at the end of the table)."""
        for attempt in range(DEADLOCK_RETRIES + 1):
            try:
                cur.execute(self.sql, self.values)
                return
            except pymysql.err.OperationalError as err:
                if err.args[0] != DEADLOCK or attempt == DEADLOCK_RETRIES:
                    raise
                self.stats.deadlocks += 1


@dataclass
class Rehearsal:
    proposal: str
    database_rows: int  # DataCollection rows of the synthetic data
    statements: list[dict] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.differences

    @property
    def online(self) -> list[dict]:
        return [s for s in self.statements if s["online"]]


def find_tool() -> str:
    path = shutil.which(TOOL)
    if not path:
        raise EnvironmentProblem(f"{TOOL} is not installed (Debian: apt-get install "
                                 "percona-toolkit)")
    return path


def writer_columns(before: Table, after: Table) -> list[str]:
    """What the writer can insert before and after the change: plain columns of both."""
    keep = {c.name for c in after.columns if not c.generated and not c.auto_increment}
    return [c.name for c in before.columns
            if c.name in keep and not c.generated and not c.auto_increment]


def rehearse(server: Server, base: Schema, loader: Loader, setup: list[list[Described]],
             described: list[Described], expected: Schema, proposal: str, dc_rows: int,
             sizes: dict[str, int] | None = None, min_rows: int = 1,
             say: Callable[[str], None] = lambda _: None) -> Rehearsal:
    """Run ``described`` (after the ``setup`` scripts of its dependencies) with its online
    variant, on synthetic data of ``dc_rows`` DataCollection rows."""
    tool = find_tool()
    result = Rehearsal(proposal, dc_rows)
    database = server.create_scratch_database("ispyb_online")
    try:
        fill(server, database, loader)
        server.load_sql(database, text=generate_sql(base, units_for(dc_rows)))
        with server.connect(database) as conn:
            for script in setup:
                _, failure = execute(conn, [d.statement for d in script])
                if failure:
                    result.problems.append(f"a dependency failed: {failure}")
                    return result
            model = import_connection(conn, database)  # the schema before the proposal
            for d in described:
                online = online_candidate(d, sizes, min_rows)
                if online is None:
                    done, failure = execute(conn, [d.statement])
                    if failure:
                        result.problems.append(str(failure))
                        return result
                    result.statements.append({"index": d.statement.index, "online": False,
                                              "seconds": round(done[0].seconds, 4)})
                    continue
                say(f"{proposal}: statement {d.statement.index} online: {online.why}")
                entry = _run_online(tool, server, database, conn, online, model, expected)
                result.statements.append({"index": d.statement.index, **entry})
                result.problems += entry["problems"]
                if entry["exit"] != 0:
                    return result
            for entry in result.online:  # what --no-drop-old-table keeps, the plan says so
                old = f"_{entry['table']}_old"
                with conn.cursor() as cur:
                    cur.execute(f"DROP TABLE IF EXISTS {ident(old)}")
                result.notes.append(f"{old} (the table before the change) dropped, as the plan "
                                    "tells the operator to once the change is checked")
            expected_here, renamed = _with_ptosc_names(expected, import_connection(conn,
                                                                                  database))
            result.notes += renamed
            result.differences = schema_differences(expected_here, conn, database)
    finally:
        server.drop_scratch_database(database)
    return result


def _run_online(tool: str, server: Server, database: str, conn, online: OnlineAlter,
                before: Schema, expected: Schema) -> dict:
    table_before, table_after = before.table(online.table), expected.table(online.table)
    rows_before = _count(conn, online.table)
    writer = Writer(server, database, table_before, writer_columns(table_before, table_after))
    # the scratch server's DSN (its password only in the argument, never printed); a scratch
    # server has no replicas for pt-osc to look for
    shown = online.command(database, extra=("--recursion-method", "none"))
    dsn = f"h={server.host},P={server.port},u={server.user},D={database},t={online.table}"
    command = [tool, *shown[1:-1], dsn + (f",p={server.password}" if server.password else "")]
    writer.start()
    start = time.perf_counter()
    try:
        ran = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    finally:
        seconds = time.perf_counter() - start
        time.sleep(0.1)  # a few writes after the swap
        writer.stop.set()
        writer.join()
    stats = writer.stats
    problems = []
    if ran.returncode != 0:
        problems.append(f"{TOOL} failed (exit {ran.returncode}): "
                        + (ran.stderr.strip() or ran.stdout.strip())[-2000:])
    if stats.failures:
        problems.append(f"{len(stats.failures)} of {len(stats.failures) + len(stats.inserted)} "
                        f"concurrent writes failed, the first: {stats.failures[0]}")
    rows_after = _count(conn, online.table)
    if ran.returncode == 0 and rows_after != rows_before + len(stats.inserted):
        problems.append(f"{online.table} holds {rows_after:,} rows: expected {rows_before:,} "
                        f"+ {len(stats.inserted):,} written during the change")
    key = table_before.primary_key.columns[0]
    missing = _missing(conn, online.table, key, stats.inserted) if ran.returncode == 0 else []
    if missing:
        problems.append(f"{len(missing)} rows written during the change are missing "
                        f"(first {key} = {missing[0]})")
    return {"online": True, "table": online.table, "seconds": round(seconds, 3),
            "command": " ".join(shown),
            "exit": ran.returncode, "writes": len(stats.inserted),
            "failed_writes": len(stats.failures), "deadlock_retries": stats.deadlocks,
            "longest_write_stall_seconds": round(stats.longest_stall, 3),
            "rows_before": rows_before, "rows_after": rows_after, "problems": problems}


def _count(conn, table: str) -> int:
    with conn.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {ident(table)}")
        return int(cur.fetchone()[0])


def _missing(conn, table: str, key: str, ids: list[int]) -> list[int]:
    if not ids:
        return []
    with conn.cursor() as cur:
        cur.execute(f"SELECT {ident(key)} FROM {ident(table)} WHERE {ident(key)} BETWEEN %s "
                    "AND %s", (min(ids), max(ids)))
        found = {row[0] for row in cur.fetchall()}
    return [i for i in ids if i not in found]


def _with_ptosc_names(expected: Schema, actual: Schema) -> tuple[Schema, list[str]]:
    """``expected`` with the foreign-key names pt-osc gave ('_' added or removed in front),
    and a note per name."""
    notes, tables = [], []
    for table in expected.tables:
        there = actual.table(table.name)
        names = {fk.name for fk in there.foreign_keys} if there else set()
        keys = []
        for fk in table.foreign_keys:
            if fk.name not in names:
                for other in (f"_{fk.name}", fk.name.lstrip("_"), f"__{fk.name}"):
                    if other in names:
                        notes.append(f"{TOOL} renamed foreign key {table.name}.{fk.name} to "
                                     f"{other}")
                        fk = replace(fk, name=other)
                        break
            keys.append(fk)
        tables.append(replace(table, foreign_keys=tuple(keys)))
    return replace(expected, tables=tuple(tables)), notes
