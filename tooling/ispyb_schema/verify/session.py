# SPDX-License-Identifier: LGPL-3.0-or-later
"""``verify_proposals``: validate the proposals, then one run per proposal (and one of them all
in dependency order), each in its own scratch database, always dropped unless kept.

This is the API the CLI and the CI gate call.
"""
from __future__ import annotations

import datetime
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..baseline import baseline_label, load_schema
from ..changeset.plan import fingerprint
from ..changeset.proposal import batched_steps
from ..changeset.validate import Validation, dependencies, validate
from ..errors import InputError, SourceLoc
from ..fixtures import fixture_sql
from ..harness.server import Server
from ..model import Schema
from ..render.ddl import schema_ddl
from .compare import ServerSchema
from .progress import Progress
from .record import ProposalRun, StepResult, VerifyReport
from .runner import Run, Subject, run_stages
from .scratch import Connections, Databases, Loader

RUNS_AT_ONCE = 3


def make_loader(source: str, model: Schema, fixtures: list[Path]) -> Loader:
    """A dump file loads as it is; any other baseline as the DDL of its model."""
    dump = source if "://" not in source and source.lower().endswith(".sql") else None
    return Loader(dump, None if dump else schema_ddl(model),
                  fixture_sql(model, fixtures) if fixtures else None,
                  [str(f) for f in fixtures])


def _subject(validation: Validation, pid: str) -> Subject:
    walk = validation.walks[pid]
    return Subject(walk, validation.over(pid, walk.base, batched=False)
                   if batched_steps(walk.proposal) else None)


def in_dependency_order(validation: Validation, base: Schema) -> tuple[list[Subject], list[str]]:
    """Every proposal walked over the ones before it in dependency order; the problems of a
    proposal that does not apply after the others."""
    subjects, problems, model = [], [], base
    for pid in validation.order:
        walk = validation.over(pid, model)
        if walk.diagnostics:
            problems += [f"{pid} after {', '.join(s.proposal.id for s in subjects)}: {d}"
                         for d in walk.diagnostics]
            break
        subjects.append(Subject(walk))
        model = walk.model
    return subjects, problems


def _plans(validation: Validation, wanted: list[str], base: Schema, together: bool) -> list:
    """(run name, dependencies to apply first, proposals to verify, problems) per run."""
    plans = [(pid, [Subject(validation.walks[d]) for d in dependencies(validation, pid)],
              [_subject(validation, pid)], None) for pid in wanted]
    if together and len(wanted) > 1:
        subjects, problems = in_dependency_order(validation, base)
        plans.append(("all", [], subjects, problems))
    return plans


def verify_proposals(paths: list[Path], baseline_source: str, fixtures: list[Path],
                     server: Server, *, keep: bool = False, together: bool = True,
                     progress: Progress | None = None) -> VerifyReport:
    """Verify each proposal at ``paths`` (and all of them together, in dependency order, when
    ``together`` and there are several) on ``server``. Raises InputError if any proposal does
    not validate."""
    progress = progress or Progress()
    started, clock = datetime.datetime.now(datetime.timezone.utc), time.perf_counter()
    base = load_schema(baseline_source)
    loader = make_loader(baseline_source, base, fixtures)
    requested = {Path(p).resolve() for p in paths}
    # the scratch databases start loading now, while the proposals are validated and planned
    databases = Databases(server, loader, len(requested) + (together and len(requested) > 1))
    try:
        validation = validate([Path(p) for p in paths], base)
        validation.raise_if_errors()
        wanted = [pid for pid in validation.order
                  if Path(validation.proposals[pid].file).resolve() in requested]
        if not wanted:
            raise InputError.single(SourceLoc(", ".join(map(str, paths))),
                                    "no proposal to verify")
        plans = _plans(validation, wanted, base, together)
        databases.need(sum(not p[3] for p in plans))
    except BaseException:
        databases.close()
        raise
    label = baseline_label(baseline_source)
    report = VerifyReport(True, [], {"source": label, "tables": len(base.tables),
                                     "views": len(base.views), "fingerprint": fingerprint(base)},
                          loader.fixture_files, server.record(),
                          started.isoformat(timespec="seconds"), tool_version=__version__)
    session = Session(server, databases, Connections(server), progress, label, keep)
    for pid, setup, subjects, problems in plans:
        report.runs.append(ProposalRun(
            pid, None if pid == "all" else validation.proposals[pid].file,
            proposals=[s.proposal.id for s in setup + subjects]))
    try:
        session.run_all(report.runs, plans)
    finally:
        report.ok = all(r.ok for r in report.runs)
        report.seconds = time.perf_counter() - clock
    return report


@dataclass
class Session:
    """The runs of one verification, a few at a time (each in its own database and
    connection: the server works on one while another waits for its disk)."""

    server: Server
    databases: Databases
    connections: Connections
    progress: Progress
    label: str
    keep: bool

    def run_all(self, records: list[ProposalRun], plans: list) -> None:
        at_once = getattr(self.server, "runs_at_once", RUNS_AT_ONCE)  # a cluster: one
        pool = ThreadPoolExecutor(at_once, thread_name_prefix="verify-run")
        try:
            # the longest runs first (the run of all proposals), the others beside them
            runs = sorted(zip(records, plans), key=lambda r: -len(r[1][1]) - len(r[1][2]))
            futures = [pool.submit(self.run, record, *plan[1:]) for record, plan in runs]
            for future in futures:
                future.result()
        except BaseException:  # Ctrl-C, or a bug: stop the others, then clean up
            self.connections.stop_all()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            self.databases.close()

    def run(self, record: ProposalRun, setup: list[Subject], subjects: list[Subject],
            problems: list[str] | None) -> None:
        """One run in the next loaded database, released (dropped or kept) afterwards."""
        self.progress.run_started(record)
        if problems:
            record.ok = False
            record.steps.append(StepResult("plan", False, 0.0, {"problems": problems},
                                           "\n".join(problems)))
        elif not self.connections.stopped.is_set():
            loaded = self.databases.take()
            try:
                with self.connections.open(loaded.database) as conn:
                    run_stages(Run(self.server, loaded.database, conn, record, self.progress,
                                   self.label, self.connections.stopped,
                                   schema=ServerSchema(loaded.schema)), loaded, setup,
                               subjects)
            finally:
                self.databases.release(loaded.database, self.keep)
                record.database = loaded.database if self.keep else None
        self.progress.run_done(record)
