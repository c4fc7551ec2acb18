# SPDX-License-Identifier: LGPL-3.0-or-later
"""Fault injection for ``apply``: a loaded template database that scratch databases are
cloned from and reset to, runs stopped at a chosen statement (the connection killed from a
second connection, or the client crashing), and the recovery of such a run.

Cloning the upstream schema costs about 200 CREATE TABLEs (seconds on a loaded machine); the
copy of its data a few set-based ``INSERT … SELECT``. So each database is cloned once per
proposal and *reset* between runs: only the tables whose ``SHOW CREATE``, checksum or
AUTO_INCREMENT counter differ from the template's are dropped and copied again; tables and
views the template does not have are dropped.
"""
from __future__ import annotations

import re
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pymysql

from ispyb_schema.harness.server import Server
from ispyb_schema.model import Schema
from ispyb_schema.render.quote import ident, idents
from ispyb_schema.verify.apply import STATUS, apply_plan, plan_apply
from ispyb_schema.verify.recover import plan_recovery, run_recovery
from ispyb_schema.verify.snapshot import whole_digests

FIXED_TIME = 1767225600  # 2026-01-01: every session the tests open gets this as NOW()
_AUTO_INCREMENT = re.compile(r" AUTO_INCREMENT=\d+")


class Crash(Exception):
    """The client dies: nothing after this point runs on its connection."""


def connect(server: Server, database: str):
    conn = server.connect(database)
    with conn.cursor() as cur:
        cur.execute(f"SET timestamp = {FIXED_TIME}")
    return conn


def digests(conn, model: Schema) -> dict[str, tuple[int, int]]:
    """(rows, checksum) of every table of the model, computed on the server (verify's code)."""
    with conn.cursor() as cur:
        found = whole_digests(cur, list(model.tables))
    return {t.name: (d.whole.rows, d.whole.checksum) for t, d in zip(model.tables, found)}


@dataclass
class Objects:
    creates: dict[str, str]  # table -> SHOW CREATE TABLE (with its AUTO_INCREMENT)
    views: dict[str, str]  # view -> SHOW CREATE VIEW
    counters: dict[str, int]

    @staticmethod
    def read(conn) -> "Objects":
        with conn.cursor() as cur:
            cur.execute("SHOW FULL TABLES")
            kinds = dict(cur.fetchall())
            creates, views = {}, {}
            for name, kind in kinds.items():
                cur.execute(f"SHOW CREATE TABLE {ident(name)}")
                (views if kind == "VIEW" else creates)[name] = cur.fetchone()[1]
            cur.execute("SELECT TABLE_NAME, AUTO_INCREMENT FROM information_schema.TABLES "
                        "WHERE TABLE_SCHEMA = DATABASE() AND AUTO_INCREMENT IS NOT NULL")
            counters = {name: int(value) for name, value in cur.fetchall()}
        return Objects(creates, views, counters)


class Template:
    """A loaded database (the baseline with its data, and any dependencies applied)."""

    def __init__(self, server: Server, database: str, model: Schema) -> None:
        self.server, self.database, self.model = server, database, model
        with closing(server.connect(database)) as conn:
            self.objects = Objects.read(conn)
            self.digests = digests(conn, model)
            with conn.cursor() as cur:
                cur.execute("SELECT TABLE_NAME, GROUP_CONCAT(CONCAT('`', REPLACE(COLUMN_NAME, "
                            "'`', '``'), '`') ORDER BY ORDINAL_POSITION) FROM "
                            "information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
                            "EXTRA NOT LIKE '%%GENERATED%%' GROUP BY TABLE_NAME")
                self.columns = dict(cur.fetchall())

    def clone(self, prefix: str = "ispyb_fault") -> str:
        database = self.server.create_scratch_database(prefix)
        with closing(self.server.connect(database)) as conn, conn.cursor() as cur:
            cur.execute("SET FOREIGN_KEY_CHECKS = 0")
            for create in self.objects.creates.values():
                cur.execute(create)
            for name in self.objects.creates:
                self._copy(cur, database, name)
            for view in self.objects.views.values():
                cur.execute(view)
        return database

    def _copy(self, cur, database: str, table: str) -> None:
        if self.digests.get(table, (1, 0))[0]:
            columns = self.columns[table]
            cur.execute(f"INSERT INTO {ident(database)}.{ident(table)} ({columns}) SELECT "
                        f"{columns} FROM {ident(self.database)}.{ident(table)}")

    def reset(self, database: str) -> list[str]:
        """Make ``database`` equal to the template again; returns what was restored."""
        with closing(self.server.connect(database)) as conn, conn.cursor() as cur:
            now = Objects.read(conn)
            cur.execute("SET FOREIGN_KEY_CHECKS = 0")
            restored = []
            for name in now.views:
                if now.views[name] != self.objects.views.get(name):
                    cur.execute(f"DROP VIEW {ident(name)}")
            for name in now.creates.keys() - self.objects.creates.keys():
                cur.execute(f"DROP TABLE {ident(name)}")
                restored.append(f"-{name}")
            same = [t for t in self.model.tables if t.name in now.creates and
                    _plain(now.creates[t.name]) == _plain(self.objects.creates[t.name])]
            sums = digests(conn, Schema(tuple(same)))
            for name, create in self.objects.creates.items():
                if sums.get(name) == self.digests.get(name):
                    counter = self.objects.counters.get(name)
                    if counter is not None and now.counters.get(name) != counter:
                        cur.execute(f"ALTER TABLE {ident(name)} AUTO_INCREMENT = {counter}")
                    continue
                cur.execute(f"DROP TABLE IF EXISTS {ident(name)}")
                cur.execute(create)
                self._copy(cur, database, name)
                restored.append(name)
            for name, view in self.objects.views.items():
                if now.views.get(name) != view:
                    cur.execute(view)
        return restored


def _plain(create: str) -> str:
    return _AUTO_INCREMENT.sub("", create)


def stop_at(server: Server, conn, index: int, how: str):
    """``(before, after)`` hooks that stop a run at statement ``index``: ``kill`` kills the
    connection from another one once the statement finished (before its step row);
    ``crash`` raises before the statement starts, as a client that dies there."""
    def after(statement) -> None:
        if how == "kill" and statement.index == index:
            with closing(server.connect()) as killer, killer.cursor() as cur:
                cur.execute(f"KILL CONNECTION {conn.thread_id()}")

    def before(statement) -> None:
        if how == "crash" and statement.index == index:
            raise Crash(f"crash before statement {index}")

    return before, after


def interrupted_apply(server: Server, database: str, path: Path, source: str, base: Schema,
                      index: int, how: str) -> None:
    """Apply ``path`` and stop it at statement ``index``."""
    conn = connect(server, database)
    try:
        plan = plan_apply([path], source, conn, database, base=base)
        assert not plan.refusals, plan.refusals
        before, after = stop_at(server, conn, index, how)
        try:
            outcomes = apply_plan(plan, conn, database, before=before, after=after)
        except Crash:
            return
        assert outcomes[-1].failure is not None, f"statement {index} did not stop the run"
    finally:
        try:
            conn.close()
        except pymysql.MySQLError:
            pass


def recover(server: Server, database: str, path: Path, source: str, base: Schema,
            undo: bool):
    with closing(connect(server, database)) as conn:
        recovery = plan_recovery(path, source, conn, database, undo=undo, base=base)
        return recovery, run_recovery(recovery, conn, database)


def status_rows(server: Server, database: str) -> list[tuple]:
    with closing(server.connect(database)) as conn, conn.cursor() as cur:
        cur.execute(f"SELECT {idents(['scriptName', 'schemaStatus'])} FROM {ident(STATUS)} "
                    f"ORDER BY {ident('scriptName')}")
        return list(cur.fetchall())
