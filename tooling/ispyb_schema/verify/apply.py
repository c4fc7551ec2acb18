# SPDX-License-Identifier: LGPL-3.0-or-later
"""Applying proposals for real, to a database the user names, the way upstream does it.

Each proposal runs as its upstream script: a ``SchemaStatus`` row ``ONGOING``, the forward
statements one by one, then ``DONE``. Before anything runs, the target is checked: no proposal
given may be recorded in ``SchemaStatus`` already, every dependency must be given or recorded
``DONE``, and the target's schema must equal the baseline (with the recorded dependencies
applied). The first failing statement stops everything; ``SchemaStatus`` then says ``ONGOING``
for that proposal, as upstream's scripts leave it.

A target without ``SchemaStatus`` (a copy of the embedded baseline, which does not model it)
gets upstream's table, created first and shown in the plan; when the baseline does not model
it, it is left out of the schema comparisons.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pymysql

from ..baseline import load_schema
from ..changeset.plan import script_name
from ..changeset.validate import validate
from ..errors import EnvironmentProblem
from ..importer.live import connect_url
from ..model import Column, ColumnType, Index, IndexPart, Table
from ..render.ddl import create_table
from ..render.quote import ident, idents
from .compare import schema_differences
from .runner import Subject
from .session import baseline_label
from .statements import Executed, Failure, PlannedStatement, execute, planned_script

STATUS = "SchemaStatus"


def status_table() -> Table:
    """Upstream's ``SchemaStatus``, as in ispyb-database's tables.sql."""
    return Table(STATUS, (
        Column("schemaStatusId", ColumnType.parse("int(11)"), nullable=False,
               auto_increment=True),
        Column("scriptName", ColumnType.parse("varchar(100)"), nullable=False),
        Column("schemaStatus", ColumnType.parse("varchar(10)")),
        Column("recordTimeStamp", ColumnType.parse("timestamp"), nullable=False,
               default="current_timestamp()"),
    ), (Index("PRIMARY", (IndexPart("schemaStatusId"),), "PRIMARY"),
        Index("scriptName", (IndexPart("scriptName"),), "UNIQUE")),
        charset="latin1", collation="latin1_swedish_ci")


def connect(url: str) -> tuple[pymysql.connections.Connection, str]:
    """An autocommit connection to the target database named in ``url``."""
    conn, database = connect_url(url)
    try:
        conn.select_db(database)
    except pymysql.MySQLError as err:
        conn.close()
        raise EnvironmentProblem(f"{baseline_label(url)}: {err.args[-1]}") from None
    conn.autocommit(True)
    return conn, database


@dataclass
class Script:
    subject: Subject
    name: str  # the upstream script name recorded in SchemaStatus
    text: str
    statements: list[PlannedStatement]


@dataclass
class ApplyPlan:
    scripts: list[Script] = field(default_factory=list)
    create_status: str | None = None  # CREATE TABLE SchemaStatus, when the target lacks it
    refusals: list[str] = field(default_factory=list)
    ignore: frozenset[str] = frozenset()  # tables left out of schema comparisons


def _recorded(conn, database: str, names: list[str]) -> dict[str, tuple[str, object]]:
    with conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
                    "AND TABLE_NAME = %s", (database, STATUS))
        if not cur.fetchone()[0]:
            return {}
        columns = idents(["scriptName", "schemaStatus", "recordTimeStamp"])
        cur.execute(f"SELECT {columns} FROM {ident(STATUS)} WHERE {ident('scriptName')} "
                    f"IN ({', '.join(['%s'] * len(names))})", names)
        return {name: (status, stamp) for name, status, stamp in cur.fetchall()}


def _has_status_table(conn, database: str) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
                    "AND TABLE_NAME = %s", (database, STATUS))
        return bool(cur.fetchone()[0])


def plan_apply(paths: list[Path], baseline_source: str, conn, database: str) -> ApplyPlan:
    """What would run, or why nothing may (``refusals``)."""
    base = load_schema(baseline_source)
    validation = validate([Path(p) for p in paths], base)
    validation.raise_if_errors()
    requested = {Path(p).resolve() for p in paths}
    order = validation.order
    names = {pid: script_name(validation.proposals[pid], False) for pid in order}
    recorded = _recorded(conn, database, list(names.values()))
    plan = ApplyPlan(ignore=frozenset() if base.table(STATUS) else frozenset({STATUS}))
    model = expected = base  # with everything walked so far / with what the target has
    for pid in order:
        proposal = validation.proposals[pid]
        given = Path(proposal.file).resolve() in requested
        status = recorded.get(names[pid])
        if given and status:
            plan.refusals.append(f"{pid}: already recorded in {STATUS} as {names[pid]!r} "
                                 f"({status[0]}, {status[1]})"
                                 + ("; a previous run stopped part-way: inspect the database"
                                    if status[0] != "DONE" else ""))
        elif not given and (status is None or status[0] != "DONE"):
            plan.refusals.append(f"{pid} must be applied first: a proposal given depends on "
                                 f"it and {STATUS} does not record it as DONE")
        walk = validation.over(pid, model)
        if walk.diagnostics:
            plan.refusals += [f"{pid} does not apply after the others: {d}"
                              for d in walk.diagnostics]
            return plan
        if given:
            text, statements = planned_script(walk, baseline_label(baseline_source),
                                              upstream=True)
            plan.scripts.append(Script(Subject(walk), names[pid], text, statements))
        else:  # recorded DONE: the target should already have it
            expected = validation.over(pid, expected).model
        model = walk.model
    drift = schema_differences(expected, conn, database, plan.ignore)
    if drift:
        plan.refusals.append(f"the target's schema differs from the baseline "
                             f"{baseline_label(baseline_source)}:\n" + "\n".join(drift))
    if not _has_status_table(conn, database):
        plan.create_status = create_table(status_table())
    return plan


@dataclass
class Outcome:
    proposal: str
    done: list[Executed]
    failure: Failure | None = None
    not_run: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failure is None and not self.differences


def apply_plan(plan: ApplyPlan, conn, database: str, tick=None) -> list[Outcome]:
    """Run the scripts in order; stop at the first failing statement or schema difference."""
    if plan.create_status:
        with conn.cursor() as cur:
            cur.execute(plan.create_status)
    outcomes = []
    for script in plan.scripts:
        done, failure = execute(conn, script.statements, tick=tick)
        outcome = Outcome(script.subject.proposal.id, done, failure)
        outcomes.append(outcome)
        if failure:
            outcome.not_run = len(script.statements) - failure.statement.index
            break
        outcome.differences = schema_differences(script.subject.walk.model, conn, database,
                                                 plan.ignore)
        if outcome.differences:
            break
    return outcomes
