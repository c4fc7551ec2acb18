# SPDX-License-Identifier: LGPL-3.0-or-later
"""Fault injection for ``apply``: runs stopped at a chosen statement (the connection killed
from a second connection, or the client crashing), and the recovery of such a run. The
databases are clones of a :class:`~ispyb_schema.harness.template.Template`."""
from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pymysql

from ispyb_schema.changeset.validate import Validation
from ispyb_schema.harness.server import Server
from ispyb_schema.harness.template import Template, digests  # noqa: F401 (re-exported)
from ispyb_schema.model import Schema
from ispyb_schema.render.quote import ident, idents
from ispyb_schema.verify.apply import STATUS, apply_plan, plan_apply
from ispyb_schema.verify.recover import plan_recovery, run_recovery

FIXED_TIME = 1767225600  # 2026-01-01: every session the tests open gets this as NOW()


class Crash(Exception):
    """The client dies: nothing after this point runs on its connection."""


def connect(server: Server, database: str):
    conn = server.connect(database)
    with conn.cursor() as cur:
        cur.execute(f"SET timestamp = {FIXED_TIME}")
    return conn


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
                      index: int, how: str, validation: Validation | None = None) -> None:
    """Apply ``path`` and stop it at statement ``index`` (``validation``: of ``path`` over
    ``base``, made once for many runs)."""
    conn = connect(server, database)
    try:
        plan = plan_apply([path], source, conn, database, base=base, validation=validation)
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
            undo: bool, validation: Validation | None = None):
    with closing(connect(server, database)) as conn:
        recovery = plan_recovery(path, source, conn, database, undo=undo, base=base,
                                 validation=validation)
        return recovery, run_recovery(recovery, conn, database)


def status_rows(server: Server, database: str) -> list[tuple]:
    with closing(server.connect(database)) as conn, conn.cursor() as cur:
        cur.execute(f"SELECT {idents(['scriptName', 'schemaStatus'])} FROM {ident(STATUS)} "
                    f"ORDER BY {ident('scriptName')}")
        return list(cur.fetchall())
