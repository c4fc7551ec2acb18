# SPDX-License-Identifier: LGPL-3.0-or-later
"""One verification run: a fresh scratch database, then a list of small named stages.

    load            baseline and fixtures into a new scratch database
    probes          (on a Galera cluster) the writer and reader on the other nodes
    dependencies    the forward scripts of the proposals it depends on (if any)
    baseline        the server's schema equals the model the proposal starts from
    snapshot        row counts and checksums, orphan rows already there, the assertions'
                    "before" results
    forward         the forward script, statement by statement (time and rows of each)
    schema          information_schema equals the model after the proposal
    data            rows and values kept, moved values arrived, no orphan rows, assertions
    batches         (a proposal with batch: N steps, alone) the same proposal without batch,
                    in a second database, leaves the same rows
    rollback        the rollback script
    rollback schema information_schema equals the baseline model again
    rollback data   every table holds its rows again, where the steps claim it

On a Galera cluster the statements run on node 1 while probes on nodes 2 and 3 measure the
stalls they cause (see :mod:`.cluster`), and stages ``nodes`` and ``rollback nodes`` after
``data`` and ``rollback data`` check every node's schema and data against the model and node 1.

A failing statement (load, dependencies, forward, rollback) or a wrong baseline ends the run;
a failing check does not, so one run reports every difference. In the run of all proposals
together the forward stages repeat per proposal in dependency order and the rollback stages
in reverse, each stage named after its proposal.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import pymysql

from ..changeset.proposal import Proposal
from ..changeset.walk import ProposalWalk
from ..harness.server import Server
from ..model import Schema
from . import generic_checks as checks
from .batches import batched_steps, same_as_unbatched
from .cluster import PERIOD, ClusterWatch, node_differences
from .compare import ServerSchema, schema_differences
from .lineage import Lineage, lineage
from .moves import move_checks
from .probes import MoveProbes
from .progress import Progress
from .record import ProposalRun, StepResult
from .scratch import Loaded
from .statements import PlannedStatement, execute, planned_script


class StopRun(Exception):
    """A stage failed in a way that leaves nothing sensible to check after it."""


@dataclass(eq=False)
class Subject:
    """A proposal as one run applies it: its walk over the model it starts from."""

    walk: ProposalWalk
    unbatched: ProposalWalk | None = None  # with batched steps: the walk without batch

    @property
    def proposal(self) -> Proposal:
        return self.walk.proposal

    @property
    def base(self) -> Schema:
        return self.walk.base

    @cached_property
    def lineage(self) -> Lineage:
        return lineage(self.walk)


@dataclass
class Run:
    server: Server
    database: str
    conn: pymysql.connections.Connection
    record: ProposalRun
    progress: Progress
    label: str  # how the scripts' headers name the baseline
    stopped: threading.Event  # set when the verification is interrupted
    prefix: str = ""  # the proposal id before each stage name, in the run of all proposals
    watch: ClusterWatch | None = None  # on a Galera cluster: the probes on the other nodes
    schema: ServerSchema = field(default_factory=lambda: ServerSchema(None))  # as last read
    # (model, digests, orphans) as last taken, while no statement has run since
    data: tuple[Schema, dict, dict] | None = None

    def stage(self, name: str, body: Callable[[], tuple[dict, str | None]],
              stops: bool = False, seconds: float | None = None) -> StepResult:
        """Run one stage and record it; ``seconds`` replaces the measured time."""
        if self.stopped.is_set():
            raise StopRun("interrupted")
        name = f"{self.prefix}{name}"
        self.progress.stage_started(self.record, name)
        start = time.perf_counter()
        try:
            details, error = body()
        except pymysql.MySQLError as err:
            details, error = {}, f"MariaDB error {err.args[0]}: {err.args[-1]}"
            stops = True
        seconds = time.perf_counter() - start if seconds is None else seconds
        result = StepResult(name, error is None, seconds, details, error)
        self.record.steps.append(result)
        self.record.ok = self.record.ok and result.ok
        self.progress.stage_done(self.record, result)
        if stops and not result.ok:
            raise StopRun(name)
        return result

    def run_script(self, statements: list[PlannedStatement], probes: MoveProbes | None = None
                   ) -> tuple[dict, str | None]:
        hooks = [h for h in (probes, self.watch) if h is not None]

        def before(statement):
            self.schema.touch(statement)  # the next schema check re-reads its tables
            self.data = None
            for hook in hooks:  # the watch last: its window holds the statement alone
                hook.before(statement)

        def after(statement):
            for hook in reversed(hooks):
                hook.after(statement)
        try:
            done, failure = execute(
                self.conn, statements, before=before, after=after,
                tick=lambda n, total: self.progress.statement_done(self.record, n, total))
        finally:
            if self.watch:
                self.watch.after(None)  # a failed statement's figures too
        figures = self.watch.figures if self.watch else {}
        details = {"statements": [{**d.to_dict(), **figures.get(d.statement.index, {})}
                                  for d in done],
                   "rows": sum(d.rows for d in done)}
        if failure:
            details["failed"] = {**failure.to_dict(),
                                 **figures.get(failure.statement.index, {})}
            details["not_run"] = len(statements) - failure.statement.index
        return details, str(failure) if failure else None


def load(run: Run, loaded: Loaded) -> None:
    """The load itself ran ahead (see :mod:`.scratch`); this records it."""
    run.stage("load", lambda: (loaded.details, loaded.error), stops=True,
              seconds=loaded.seconds)


def probes(run: Run) -> None:
    """The cluster's writer and reader, on nodes 2 and 3, for the rest of the run."""
    def start():
        run.watch = ClusterWatch(run.server, run.conn)
        return {"database": run.watch.database, "writer": "node 2", "reader": "node 3",
                "period_seconds": PERIOD}, None
    run.stage("probes", start, stops=True)


def dependencies(run: Run, subjects: list[Subject]) -> None:
    def body():
        details = {}
        for subject in subjects:
            _, statements = planned_script(subject.walk, run.label)
            found, error = run.run_script(statements)
            details[subject.proposal.id] = found
            if error:
                return details, f"{subject.proposal.id}: {error}"
            # the dependency's own fault (e.g. a raw step whose declared effect is wrong) is
            # reported here, naming it, not as the dependent's baseline differing
            differences = schema_differences(subject.walk.model, run.conn, run.database)
            if differences:
                found["differences"] = differences
                return details, (f"{subject.proposal.id} (a dependency): the server's schema "
                                 "after its forward script differs from its model:\n"
                                 + "\n".join(differences))
        return details, None
    run.stage("dependencies", body, stops=True)


def baseline(run: Run, model: Schema) -> None:
    def body():
        differences = schema_differences(model, run.conn, run.database, server=run.schema)
        details = {"tables": len(model.tables), "views": len(model.views),
                   "differences": differences}
        if differences:
            return details, ("the loaded baseline differs from its model:\n"
                             + "\n".join(differences))
        return details, None
    run.stage("baseline", body, stops=True)


@dataclass
class Snapshot:
    tables: dict
    per_column: set[str]
    assertions: list  # (rendered assertion, digest before)
    orphans: dict  # (table, foreign key) -> rows without a parent, before the change


def forward(run: Run, subject: Subject, per_column: set[str]) -> Snapshot:
    """snapshot, forward, schema and data for one proposal; returns the snapshot.
    ``per_column``: the tables to checksum column by column."""
    base, after = subject.base, subject.walk.model
    rendered = [a.render(base, after) for a in subject.proposal.assertions]
    snapshot = Snapshot({}, per_column, [], {})

    def take():
        known = run.data if run.data and run.data[0] is base else None  # nothing ran since
        reused = {n: d for n, d in (known[1] if known else {}).items()
                  if bool(d.columns) == (n in per_column)}
        with run.conn.cursor() as cur:
            taken = checks.digests(cur, Schema(tuple(t for t in base.tables
                                                     if t.name not in reused)), per_column)
            snapshot.tables = {t.name: reused.get(t.name) or taken[t.name] for t in base.tables}
            snapshot.assertions = [(r, checks.assertion_before(cur, r)) for r in rendered]
            snapshot.orphans = known[2] if known else checks.orphans(cur, base)[1]
        return {"rows": {t: d.whole.rows for t, d in snapshot.tables.items()},
                "checksummed_by_column": sorted(per_column),
                "orphans": {f"{t}.{n}": c for (t, n), c in snapshot.orphans.items()}}, None
    run.stage("snapshot", take, stops=True)

    text, statements = planned_script(subject.walk, run.label)
    probes = MoveProbes(run.conn, move_checks(subject.lineage), statements)
    run.stage("forward", lambda: run.run_script(statements, probes), stops=True)
    run.stage("schema", lambda: _schema(run, after))
    run.stage("data", lambda: _data(run, subject, snapshot, probes))
    if run.watch:
        run.stage("nodes", lambda: _nodes(run, after))
    return snapshot


def _nodes(run: Run, model: Schema) -> tuple[dict, str | None]:
    details, problems = node_differences(run.server, run.database, model)
    problems += run.watch.problems()
    return details, ("the nodes differ:\n" + "\n".join(problems)) if problems else None


def _schema(run: Run, model: Schema) -> tuple[dict, str | None]:
    differences = schema_differences(model, run.conn, run.database, server=run.schema)
    details = {"differences": differences}
    if differences:
        return details, ("the server's schema differs from the proposal's model:\n"
                         + "\n".join(differences))
    return details, None


def _data(run: Run, subject: Subject, snapshot: Snapshot, probes: MoveProbes):
    base, final, found = subject.base, subject.walk.model, subject.lineage
    with run.conn.cursor() as cur:
        ends = {end: table.name for table in base.tables
                if (end := found.table_at_end(table.name)) is not None}
        after = checks.digests(cur, Schema(tuple(t for t in final.tables if t.name in ends)),
                               {e for e, b in ends.items() if b in snapshot.per_column})
        results = checks.kept(base, final, found, snapshot.tables, after)
        results += [checks.move_result(*m) for m in probes.measured()]
        results += [checks.CheckResult("moved values", f"{c.label}: {c.what}", False,
                                       f"{c.label}: {c.what}: could not be measured: {why}")
                    for c, why in probes.unmeasured()]
        checked, orphans = checks.orphans(cur, final)
        run.data = (final, after, orphans)
        results += checks.orphan_failures(final, orphans,
                                          checks.orphans_at_end(found, snapshot.orphans))
        results += [checks.assertion_result(cur, r, before) for r, before in snapshot.assertions]
    failed = [r for r in results if not r.ok]
    details = {"rows": {t: [snapshot.tables[t].whole.rows,
                            after[found.table_at_end(t)].whole.rows]
                        for t in snapshot.tables if found.table_at_end(t)},
               "foreign_keys": checked,
               "checks": [r.to_dict() for r in results if not r.ok or r.kind in (
                   "assertion", "moved values")]}
    return details, "\n".join(r.message for r in failed) or None


def rollback(run: Run, subject: Subject, snapshot: Snapshot, undone: list[Subject]) -> None:
    """rollback, rollback schema and rollback data; ``undone``: the proposals rolled back
    since ``snapshot`` was taken (this one and any applied after it)."""
    unrestored = {k: v for s in reversed(undone) for k, v in s.lineage.unrestored.items()}
    writers: dict[tuple[str, str | None], list[str]] = {}
    for later in undone:
        rows = {(t, None): step for t, step in later.lineage.rows_written.items()}
        for name, step in {**later.lineage.values_written, **rows}.items():
            writers.setdefault(name, []).append(
                f"{later.proposal.id} {step}" if len(undone) > 1 else step)
    _, statements = planned_script(subject.walk, run.label, rollback=True)
    run.stage("rollback", lambda: run.run_script(statements), stops=True)
    run.stage("rollback schema", lambda: _schema(run, subject.base))

    def restored():
        with run.conn.cursor() as cur:
            after = checks.digests(cur, subject.base, snapshot.per_column)
            checked, orphans = checks.orphans(cur, subject.base)
        failures, notes = checks.restored(subject.base, unrestored, writers, snapshot.tables,
                                          after)
        failures += checks.orphan_failures(subject.base, orphans, snapshot.orphans)
        details = {"tables": len(after), "foreign_keys": checked, "not_restored": notes,
                   "checks": [f.to_dict() for f in failures]}
        return details, "\n".join(f.message for f in failures) or None
    run.stage("rollback data", restored)
    if run.watch:
        run.stage("rollback nodes", lambda: _nodes(run, subject.base))


def run_stages(run: Run, loaded: Loaded, setup: list[Subject], subjects: list[Subject]
               ) -> None:
    """Every stage of one run, in order; ``setup`` are dependencies applied first."""
    try:
        load(run, loaded)
        if run.server.kind == "galera":
            probes(run)
        if setup:
            dependencies(run, setup)
        baseline(run, subjects[0].base)
        snapshots = []
        for number, subject in enumerate(subjects):
            run.prefix = f"{subject.proposal.id}: " if len(subjects) > 1 else ""
            touched = [checks.touched_tables(s.base, s.walk.model, s.lineage)
                       for s in subjects[number:]]
            snapshots.append(forward(run, subject, set().union(*touched)))
            if len(subjects) == 1 and batched_steps(subject.proposal):
                run.stage("batches", lambda: same_as_unbatched(
                    run.server, run.conn, loaded.loader, setup, subject, run.label))
        for number in reversed(range(len(subjects))):
            subject = subjects[number]
            run.prefix = f"{subject.proposal.id}: " if len(subjects) > 1 else ""
            rollback(run, subject, snapshots[number], subjects[number:])
    except StopRun:
        pass
    finally:
        if run.watch:
            run.watch.close()
