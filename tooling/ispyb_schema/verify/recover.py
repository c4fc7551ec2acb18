# SPDX-License-Identifier: LGPL-3.0-or-later
"""``apply --recover``: finish, or undo, a proposal whose run stopped part-way.

The step record (:mod:`.journal`) says which statements of the script finished: always the
first ``n``, since they run in order. The statement after them may still have taken effect
when it is DDL (a crash between the statement and its row); it is decided by comparing the
``SHOW CREATE`` state of what it changes with the state recorded just before it ran, and the
decision is written into its row (``recoveryNote``) before anything else runs.

* Forward: the script goes on from the first statement not done, recording as ``apply`` does;
  its last statement sets ``SchemaStatus`` to ``DONE``. The schema must then equal the
  proposal's model.
* ``--undo``: exactly the rollback of what ran. A step whose statements all finished is undone
  by its walk's undo (its ``rollback:`` or the inverses of its operations); a step that ran in
  part is undone operation by operation, by the inverses of the operations whose statements
  finished. A folded ALTER is one statement, so this is decided per statement. An operation
  whose own statements only partly ran (``change_enum`` with a map: widen, update, narrow) is
  first finished by its remaining statements, then undone. The undo statements are recorded
  too (under the script name with ``#undo``), so an interrupted undo resumes the same way.
  At the end the ``SchemaStatus`` row and the step rows of the script are deleted, in one
  transaction: the target is as if the proposal had never run, and ``apply`` may run it again.
  The schema must then equal the model the proposal starts from.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import pymysql

from ..baseline import baseline_label, load_schema
from ..changeset.engine import Walker
from ..changeset.operations import Operation
from ..changeset.plan import script_name
from ..changeset.script import Script as Planned
from ..changeset.script import statements_of
from ..changeset.validate import Validation, dependencies, validate
from ..changeset.walk import Primitive, StepRecord
from ..model import Schema
from ..render.quote import ident
from .apply import (STATUS, Script, ignored, read_target, script_for, steps_of,
                    touched_differences, touched_names)
from .journal import (STEPS, Journal, Row, Step, parse_counters, read_rows, restore_counters,
                      state_sha256, statement_sha256)
from .statements import Executed, Failure

UNDO_SUFFIX = "#undo"
WAITED = ("Query", "Killed")  # what a dead client's connection may still be doing


class Refused(Exception):
    """Recovery cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Prim:
    """One primitive operation of the walk, with the script statements its SQL pieces went
    into (read from the script's statements, which name the primitive of each piece)."""

    primitive: Primitive
    statements: tuple[int, ...]  # script index of each of its pieces, in order

    @property
    def number(self) -> int:
        return self.primitive.number

    @property
    def label(self) -> str:
        return self.primitive.label

    @property
    def op(self) -> Operation:
        return self.primitive.op


@dataclass
class Resume:
    """Where a recorded script stands: its rows, and the statement after them decided."""

    name: str  # the name its rows are recorded under
    steps: list[Step]  # all its statements
    rows: list[Row]
    took_effect: bool = False
    decision: str | None = None  # about the statement under way when the run stopped
    counters: dict[str, int] = field(default_factory=dict)  # to set back before it reruns

    @property
    def start(self) -> int:
        """How many of its statements count as done."""
        return len(self.rows) + self.took_effect


@dataclass
class Recovery:
    script: Script
    undo: bool
    forward: Resume  # the proposal's script
    undoing: Resume | None = None  # the undo statements (``--undo``)
    checked: list[str] = field(default_factory=list)  # what was compared before running
    ignore: frozenset[str] = frozenset()

    @property
    def current(self) -> Resume:
        return self.undoing if self.undoing is not None else self.forward

    @property
    def steps(self) -> list[Step]:
        """What runs, in order."""
        return self.current.steps[self.current.start:]

    @property
    def decisions(self) -> list[str]:
        return [r.decision for r in (self.forward, self.undoing) if r and r.decision]

    @property
    def expected(self) -> Schema:
        return self.script.base if self.undo else self.script.walk.model


def plan_recovery(path: Path, baseline_source: str, conn, database: str, *, undo: bool,
                  base: Schema | None = None, wait: float = 60.0,
                  validation: Validation | None = None) -> Recovery:
    """What ``--recover`` would run; raises :class:`Refused`. ``validation``: of ``path``
    over ``base``, when the caller has it already."""
    base = base if base is not None else load_schema(baseline_source)
    validation = validation or validate([Path(path)], base)
    validation.raise_if_errors()
    pid = next(p for p in validation.order
               if Path(validation.proposals[p].file).resolve() == Path(path).resolve())
    script = script_for(validation.walks[pid], baseline_label(baseline_source))
    deps = {script_name(validation.proposals[d], False): d
            for d in dependencies(validation, pid)}
    target = read_target(conn, database, [script.name, *deps])
    status = target.recorded.get(script.name)
    if status is None:
        raise Refused(f"nothing to recover: {STATUS} does not record {script.name!r}; "
                      f"`apply {path}` runs it")
    if status[0] == "DONE":
        raise Refused(f"nothing to recover: {STATUS} records {script.name!r} as DONE")
    missing = [d for name, d in deps.items() if target.recorded.get(name, ("",))[0] != "DONE"]
    if missing:
        raise Refused(f"{', '.join(missing)} must be DONE first: {pid} depends on it")
    if STEPS not in target.tables:
        raise Refused(f"{STATUS} records {script.name!r} as {status[0]}, but the target has no "
                      f"{STEPS} table: nothing says which statements ran (it was not run by "
                      "`ispyb-schema apply`); inspect the database by hand")
    forward = resume(conn, script.name, script.steps, wait)
    recovery = Recovery(script, undo, forward, ignore=ignored(base))
    if undo:
        _plan_undo(conn, database, recovery, validation.walker, wait)
    else:
        _check_schema(conn, database, recovery, _model_after(script, forward.start),
                      forward.start)
    return recovery


def resume(conn, name: str, steps: list[Step], wait: float) -> Resume:
    """The rows of ``name``, checked against its statements, once the connection that wrote
    them is gone; and whether the statement after them took effect (DDL only: a data statement
    commits with its row)."""
    rows = read_rows(conn, name)
    marker = rows.pop(0) if rows and rows[0].index == 0 else None
    _check_rows(rows, steps, name)
    wait_for_connection(conn, rows or ([marker] if marker else []), wait)
    out = Resume(name, steps, rows)
    done = len(rows)
    if done >= len(steps):
        return out
    if steps[done].transactional:
        out.counters = parse_counters(rows[-1].next_state if rows else None)
        return out
    s = steps[done].statement
    if not rows and marker is None:
        return out  # row 0 is written before the first statement: it never started
    before = rows[-1].next_state if rows else marker.next_state
    if before is None:
        raise Refused(f"{s.where(len(steps))} has no row and no state was recorded before it: "
                      "cannot tell whether it took effect; inspect the database by hand")
    with conn.cursor() as cur:
        now = state_sha256(cur, steps[done].names)
    names = ", ".join(steps[done].names)
    out.took_effect = now != before
    out.decision = (
        f"{s.where(len(steps))} was under way when the run stopped: "
        + (f"it took effect ({names} changed since just before it), so it counts as done"
           if out.took_effect else
           f"it did not take effect ({names} as just before it), so it counts as not run"))
    return out


def _check_rows(rows: list[Row], steps: list[Step], name: str) -> None:
    for position, row in enumerate(rows, start=1):
        if row.index != position or position > len(steps):
            raise Refused(f"the step record of {name!r} is not the script's first statements "
                          f"in order (row {row.index} where {position} was expected)")
        if row.sha256 != statement_sha256(steps[position - 1].statement.sql):
            raise Refused(f"statement {position} of {name!r} is not the one that ran: the "
                          "proposal or the baseline changed since; recover with the files "
                          "as they were")


def wait_for_connection(conn, rows: list[Row], wait: float) -> None:
    """A client that died leaves its statement running on the server: wait for it to end."""
    if not rows:
        return
    thread = rows[-1].connection
    deadline = time.monotonic() + wait
    with conn.cursor() as cur:
        while True:
            cur.execute("SELECT COMMAND, TIME, INFO FROM information_schema.PROCESSLIST "
                        "WHERE ID = %s", (thread,))
            row = cur.fetchone()
            if row is None:
                return
            command, seconds, info = row
            if command not in WAITED:
                raise Refused(f"connection {thread}, which ran the script, is still open "
                              f"({command}): is an apply still running? Close it (or KILL "
                              f"{thread}) first")
            if time.monotonic() > deadline:
                raise Refused(f"connection {thread}, which ran the script, is still running "
                              f"a statement after {seconds} s: {(info or '')[:120]}; wait for "
                              f"it or KILL QUERY {thread}, then recover again")
            time.sleep(0.1)


def primitives(script: Script) -> list[Prim]:
    """Every primitive operation the proposal's script runs, in walk order, with the script
    statements its pieces went into. A declared effect is left out: the raw ``sql`` step it
    belongs to already applies it."""
    statements: dict[Primitive, list[int]] = {}
    for statement in script.statements:
        for _, prim in statement.parts:
            statements.setdefault(prim, []).append(statement.index)
    out = [Prim(p, tuple(statements.get(p, ()))) for p in script.walk.primitives if not p.effect]
    if any(len(p.statements) != len(p.primitive.pieces) for p in out):
        raise Refused("internal: the script's statements do not hold the walk's pieces")
    return out


def _state(prim: Prim, done: int) -> str:
    ran = [i <= done for i in prim.statements]
    return "complete" if all(ran) else "partial" if any(ran) else "none"


def _finished(prims: list[Prim], done: int) -> list[tuple[tuple[int, int], Prim]]:
    """((statement it finished in, walk position), primitive) of every primitive that ran, in
    that order (one between its statements counts as finished after everything else: it is
    finished first); an operation without pieces of its own (a declared effect) finishes
    with the one before it."""
    out, last = [], None
    for position, prim in enumerate(prims):
        state = _state(prim, done)
        if not prim.statements:
            if last is not None and last[1].number == prim.number:
                out.append(((last[0][0], position), prim))
            continue
        if state == "none":
            last = None
            continue
        last = ((max(prim.statements) if state == "complete" else done + 1, position), prim)
        out.append(last)
    return sorted(out, key=lambda pair: pair[0])


def _model_after(script: Script, done: int) -> Schema | None:
    """The model once the first ``done`` statements ran: the operations whose statements all
    ran, applied in the order they finished; None when one is between its statements (that
    state has no model)."""
    prims = primitives(script)
    if any(_state(p, done) == "partial" for p in prims):
        return None
    model = script.base
    for _, prim in _finished(prims, done):
        model = prim.op.apply(model)
    return model


def _plan_undo(conn, database: str, recovery: Recovery, walker: Walker, wait: float
               ) -> None:
    script, done = recovery.script, recovery.forward.start
    prims = primitives(script)
    finishing = [replace(p.primitive, pieces=tuple(
                     piece for piece, index in zip(p.primitive.pieces, p.statements)
                     if index > done))
                 for p in prims if _state(p, done) == "partial"]
    finished = _finished(prims, done)
    model = script.base
    for _, prim in finished:
        model = prim.op.apply(model)
    back, problems = walker.undo(_undo_units(script, prims, finished, done), model)
    if problems:
        raise Refused("the undo does not walk: " + "; ".join(str(d) for d in problems))
    planned = Planned.build(script.name + UNDO_SUFFIX, [], [
        *statements_of(finishing, algorithms=False),
        *statements_of((p for record in back for p in record.primitives), algorithms=False)])
    recovery.undoing = resume(conn, planned.name, steps_of(planned.statements), wait)
    if not recovery.undoing.start and not finishing:
        _check_schema(conn, database, recovery, model, done)


def _undo_units(script: Script, prims: list[Prim], finished: list, done: int
                ) -> list[StepRecord]:
    """What undoes each step that ran, in the order its operations finished: the walk's undo
    for a step whose statements all ran, the inverse of each finished operation of a step
    that ran in part (as the walk derived it)."""
    when = {p.primitive: key for key, p in finished}
    units: list[tuple[tuple[int, int], StepRecord]] = []
    for record in script.walk.steps:
        mine = [p for p in prims if p.number == record.number]
        ran = [p for p in mine if p.primitive in when]
        if not ran:
            continue
        if all(_state(p, done) == "complete" for p in mine if p.statements):
            units.append((max(when[p.primitive] for p in ran), record))
            continue
        units += [(when[p.primitive], StepRecord(record.number, p.label, record.op,
                                                 p.primitive.before, p.primitive.after,
                                                 undo=_inverse(record, p)))
                  for p in ran]
    return [unit for _, unit in sorted(units, key=lambda u: u[0])]


def _inverse(record: StepRecord, prim: Prim) -> tuple[Operation, ...]:
    """The inverse of one operation of a step that ran in part."""
    if record.op.rollback is not None:
        raise Refused(f"{prim.label} ran in part, and its rollback: undoes the whole step; "
                      "undo it by hand, or finish the script with --recover")
    if prim.primitive.inverse is None:
        raise Refused(f"{prim.label} ran in part and its operation {prim.op.key} has no "
                      "inverse; finish the script with --recover")
    return prim.primitive.inverse


def _check_schema(conn, database: str, recovery: Recovery, model: Schema | None,
                  done: int) -> None:
    """Before anything runs, the target must be where the step record says it is."""
    if model is None:
        recovery.checked.append("the schema is not compared first: an operation is between "
                                "its statements")
        return
    differences = touched_differences(model, conn, database,
                                      touched_names(recovery.script.steps), recovery.ignore)
    if differences:
        raise Refused(f"the target's schema is not where the step record of "
                      f"{recovery.script.name!r} says it is (after statement {done}):\n"
                      + "\n".join(differences))
    recovery.checked.append(f"the schema equals the model after statement {done}")


@dataclass
class RecoveryOutcome:
    done: list[Executed]
    failure: Failure | None = None
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failure is None and not self.differences


def run_recovery(recovery: Recovery, conn, database: str, before=None, after=None
                 ) -> RecoveryOutcome:
    """Record the decisions, run the statements, and after an undo delete the script's rows;
    then compare the schema with the model it should have."""
    for point in (recovery.forward, recovery.undoing):
        if point is not None and point.took_effect:
            _record_decision(conn, point)
    current = recovery.current
    if current.counters:
        with conn.cursor() as cur:
            restore_counters(cur, current.counters)
    done, failure = Journal(conn, current.name).run(recovery.steps, len(current.steps),
                                                    before=before, after=after)
    outcome = RecoveryOutcome(done, failure)
    if failure:
        return outcome
    if recovery.undo:
        _forget(conn, recovery.script.name)
    outcome.differences = touched_differences(recovery.expected, conn, database,
                                              touched_names(recovery.script.steps),
                                              recovery.ignore)
    return outcome


def _record_decision(conn, point: Resume) -> None:
    """The row of the statement decided to have taken effect, with a note saying so."""
    index = len(point.rows)
    following = point.steps[index + 1] if index + 1 < len(point.steps) else None
    with conn.cursor() as cur:
        Journal(conn, point.name).record(cur, point.steps[index], following,
                                         note="recovery: took effect before the run stopped")


def _forget(conn, name: str) -> None:
    """Delete the script's SchemaStatus row and its step rows (forward and undo), together."""
    with conn.cursor() as cur:
        cur.execute("BEGIN")
        try:
            cur.execute(f"DELETE FROM {ident(STEPS)} WHERE {ident('scriptName')} IN (%s, %s)",
                        (name, name + UNDO_SUFFIX))
            cur.execute(f"DELETE FROM {ident(STATUS)} WHERE {ident('scriptName')} = %s",
                        (name,))
            cur.execute("COMMIT")
        except pymysql.MySQLError:
            cur.execute("ROLLBACK")
            raise
