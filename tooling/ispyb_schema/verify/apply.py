# SPDX-License-Identifier: LGPL-3.0-or-later
"""Applying proposals for real, to a database the user names, the way upstream does it.

Each proposal runs as its upstream script: a ``SchemaStatus`` row ``ONGOING``, the forward
statements one by one, then ``DONE``. Before anything runs, the target is checked: no proposal
given may be recorded in ``SchemaStatus`` already, every dependency must be given or recorded
``DONE``, and the target's schema must equal the baseline (with the recorded dependencies
applied). The first failing statement stops everything; ``SchemaStatus`` then says ``ONGOING``
for that proposal, as upstream's scripts leave it, and ``SchemaStatusStep`` (see
:mod:`.journal`) says which statements finished, for ``apply --recover``.

A target without ``SchemaStatus`` (a copy of the embedded baseline, which does not model it)
gets upstream's table, created first and shown in the plan; when the baseline does not model
it, it is left out of the schema comparisons. ``SchemaStatusStep`` is created the same way and
is never compared.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pymysql

from ..baseline import baseline_label, load_schema
from ..changeset.plan import plan_script, script_name
from ..changeset.script import ScriptStatement
from ..changeset.validate import Validation, validate
from ..changeset.walk import ProposalWalk
from ..errors import EnvironmentProblem
from ..importer.dump import import_dump
from ..importer.live import connect_url
from ..model import Column, ColumnType, Index, IndexPart, Schema, Table, View, diff_schemas
from ..render.ddl import create_table
from ..render.quote import ident, idents
from .compare import change_text, schema_differences, server_view_columns, view_differences
from .journal import STEPS, Journal, Step, step_table
from .statements import Executed, Failure, PlannedStatement

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
    """A proposal's upstream script, with what the step record needs of each statement."""

    walk: ProposalWalk  # the proposal walked over the model it starts from
    name: str  # the upstream script name recorded in SchemaStatus
    text: str
    statements: list[PlannedStatement]
    steps: list[Step]  # one per statement, in order

    @property
    def proposal(self):
        return self.walk.proposal

    @property
    def base(self) -> Schema:
        return self.walk.base


def script_for(walk: ProposalWalk, label: str, rollback: bool = False) -> Script:
    """The upstream-format script ``plan --format upstream`` prints, statement by statement
    (the rollback script with ``rollback``)."""
    planned = plan_script(walk, label, rollback=rollback, upstream=True)
    return Script(walk, script_name(walk.proposal, False), planned.text,
                  list(planned.statements), steps_of(planned.statements))


def changed_names(statement: ScriptStatement) -> tuple[str, ...]:
    """The tables or views a statement changes: an ALTER's table, a statement's tables, and
    SchemaStatus for the script's own statements."""
    if statement.kind == "status":
        return (STATUS,)
    if statement.kind == "alter":
        return (statement.table,)
    return tuple(sorted({t for piece, _ in statement.parts for t in piece.tables}))


def steps_of(statements) -> list[Step]:
    return [Step(s, changed_names(s)) for s in statements]


@dataclass
class ApplyPlan:
    scripts: list[Script] = field(default_factory=list)
    create: list[str] = field(default_factory=list)  # CREATE TABLE of the bookkeeping tables
    refusals: list[str] = field(default_factory=list)
    ignore: frozenset[str] = frozenset()  # tables left out of schema comparisons


@dataclass
class Target:
    """What the target holds of the bookkeeping: which tables exist, what SchemaStatus says."""

    tables: set[str]
    recorded: dict[str, tuple[str, object]]  # script name -> (status, time)


def read_target(conn, database: str, names: list[str]) -> Target:
    """Two queries: the bookkeeping tables present, and the rows of the scripts named."""
    with conn.cursor() as cur:
        cur.execute("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
                    "AND TABLE_NAME IN (%s, %s)", (database, STATUS, STEPS))
        tables = {row[0] for row in cur.fetchall()}
        recorded = {}
        if STATUS in tables and names:
            columns = idents(["scriptName", "schemaStatus", "recordTimeStamp"])
            cur.execute(f"SELECT {columns} FROM {ident(STATUS)} WHERE {ident('scriptName')} "
                        f"IN ({', '.join(['%s'] * len(names))})", names)
            recorded = {name: (status, stamp) for name, status, stamp in cur.fetchall()}
    return Target(tables, recorded)


def ignored(base: Schema) -> frozenset[str]:
    """The bookkeeping tables the baseline does not model: left out of comparisons."""
    return frozenset(name for name in (STATUS, STEPS) if base.table(name) is None)


def create_statements(target: Target) -> list[str]:
    return [create_table(table) for table in (status_table(), step_table())
            if table.name not in target.tables]


def plan_apply(paths: list[Path], baseline_source: str, conn, database: str,
               base: Schema | None = None, validation: Validation | None = None
               ) -> ApplyPlan:
    """What would run, or why nothing may (``refusals``). ``validation``: of ``paths`` over
    ``base``, when the caller has it already (it applies the same proposals many times)."""
    base = base if base is not None else load_schema(baseline_source)
    validation = validation or validate([Path(p) for p in paths], base)
    validation.raise_if_errors()
    requested = {Path(p).resolve() for p in paths}
    order = validation.order
    names = {pid: script_name(validation.proposals[pid], False) for pid in order}
    target = read_target(conn, database, list(names.values()))
    plan = ApplyPlan(ignore=ignored(base))
    model = expected = base  # with everything walked so far / with what the target has
    for pid in order:
        proposal = validation.proposals[pid]
        given = Path(proposal.file).resolve() in requested
        status = target.recorded.get(names[pid])
        if given and status:
            plan.refusals.append(f"{pid}: already recorded in {STATUS} as {names[pid]!r} "
                                 f"({status[0]}, {status[1]})"
                                 + ("; a previous run stopped part-way: finish it with "
                                    f"`apply --recover {proposal.file}` or undo it with "
                                    "`--recover --undo`" if status[0] != "DONE" else ""))
        elif not given and (status is None or status[0] != "DONE"):
            plan.refusals.append(f"{pid} must be applied first: a proposal given depends on "
                                 f"it and {STATUS} does not record it as DONE")
        walk = validation.over(pid, model)
        if walk.diagnostics:
            plan.refusals += [f"{pid} does not apply after the others: {d}"
                              for d in walk.diagnostics]
            return plan
        if given:
            plan.scripts.append(script_for(walk, baseline_label(baseline_source)))
        else:  # recorded DONE: the target should already have it
            expected = validation.over(pid, expected).model
        model = walk.model
    drift = schema_differences(expected, conn, database, plan.ignore)
    if drift:
        plan.refusals.append(f"the target's schema differs from the baseline "
                             f"{baseline_label(baseline_source)}:\n" + "\n".join(drift))
    plan.create = create_statements(target)
    return plan


def touched_names(steps: list[Step]) -> frozenset[str]:
    """Every table or view the statements change (or read): all a script can have changed."""
    return frozenset(name for step in steps for name in step.names)


def touched_differences(expected: Schema, conn, database: str, names: frozenset[str],
                        ignore: frozenset[str] = frozenset()) -> list[str]:
    """:func:`schema_differences` restricted to the tables and views ``names``: the tables'
    ``SHOW CREATE`` (one short query each, whatever the size of the schema) read with the dump
    importer, the views' options and columns from information_schema (compared as
    :func:`view_differences` compares them). The rest of the schema was compared before the
    script ran, and the script changes nothing else."""
    wanted = sorted(names - ignore)
    if not wanted:
        return []
    marks = ", ".join(["%s"] * len(wanted))
    texts, views = [], []
    with conn.cursor() as cur:
        cur.execute("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
                    f"AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME IN ({marks})",
                    (database, *wanted))
        for (name,) in sorted(cur.fetchall()):
            cur.execute(f"SHOW CREATE TABLE {ident(name)}")
            texts.append(cur.fetchone()[1] + ";")
        cur.execute("SELECT TABLE_NAME, ALGORITHM, SECURITY_TYPE, CHECK_OPTION FROM "
                    f"information_schema.VIEWS WHERE TABLE_SCHEMA = %s AND TABLE_NAME IN "
                    f"({marks})", (database, *wanted))
        views = [View(name, "", algorithm, security, check if check not in (None, "NONE")
                      else "NONE") for name, algorithm, security, check in cur.fetchall()]
    tables = import_dump(f"{database} (SHOW CREATE)", text="\n".join(texts)).tables
    actual = Schema(tables, tuple(views))
    expected = replace(expected, tables=tuple(t for t in expected.tables if t.name in wanted),
                       views=tuple(v for v in expected.views if v.name in wanted))
    changes = diff_schemas(replace(expected, views=()), replace(actual, views=())).changes()
    out = [change_text(c) for c in changes]
    if expected.views or actual.views:
        out += view_differences(expected, actual, server_view_columns(conn, database))
    return out


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


def create_bookkeeping(conn, statements: list[str]) -> None:
    with conn.cursor() as cur:
        for sql in statements:
            cur.execute(sql)


def apply_plan(plan: ApplyPlan, conn, database: str, tick=None, before=None, after=None
               ) -> list[Outcome]:
    """Run the scripts in order; stop at the first failing statement or schema difference.
    ``before``/``after`` (fault injection) run before each statement and after it, before its
    step row is written."""
    create_bookkeeping(conn, plan.create)
    outcomes = []
    for script in plan.scripts:
        done, failure = Journal(conn, script.name).run(script.steps, len(script.steps),
                                                       before=before, after=after, tick=tick)
        outcome = Outcome(script.proposal.id, done, failure)
        outcomes.append(outcome)
        if failure:
            outcome.not_run = len(script.statements) - failure.statement.index
            break
        outcome.differences = touched_differences(script.walk.model, conn, database,
                                                  touched_names(script.steps), plan.ignore)
        if outcome.differences:
            break
    return outcomes
