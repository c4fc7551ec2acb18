# SPDX-License-Identifier: LGPL-3.0-or-later
"""Walk a proposal's steps over a model: check, record the inverse, render, apply.

One walk serves every stage: it records each step's primitives with their models and SQL,
the rollback walk (the inverses, run backwards, expanded the same way) and the analyzers'
diagnostics: data loss that was not acknowledged, a data step that reads what an earlier step
removed, a step without an inverse or rollback, and the rollback check (the rollback must give
the model back). :class:`Walker` is the only way in: it walks each (proposal, model) once per
command and hands the same :class:`~.walk.ProposalWalk` to whoever asks again.
"""
from __future__ import annotations

from ..errors import Diagnostic
from ..model import Schema, diff_schemas
from .operations import NotReversible, Operation
from .proposal import Proposal
from .walk import Primitive, Provenance, ProposalWalk, StepRecord, name_key


class Walker:
    """Walks proposals over models, each (proposal, model) pair once."""

    def __init__(self) -> None:
        self._done: dict[tuple[int, int], tuple[Proposal, Schema, ProposalWalk]] = {}

    def over(self, proposal: Proposal, model: Schema) -> ProposalWalk:
        key = (id(proposal), id(model))  # the pair is kept, so the ids stay theirs
        if key not in self._done:
            self._done[key] = (proposal, model, _walk(proposal, model))
        return self._done[key][2]

    def undo(self, records: list[StepRecord], model: Schema
             ) -> tuple[tuple[StepRecord, ...], tuple[Diagnostic, ...]]:
        """The rollback walk of ``records`` (each with what undoes it, undone last first) over
        ``model``, expanded as a proposal's rollback walk is: what undoes a run that stopped
        part-way (``apply --recover --undo``)."""
        back = _rollback(records, model)
        return tuple(back.records), tuple(back.diagnostics)


class _Steps:
    """The walk in progress: records, model, diagnostics, provenance."""

    def __init__(self, model: Schema) -> None:
        self.model = model
        self.records: list[StepRecord] = []
        self.primitives: list[Primitive] = []  # of the record being built
        self.diagnostics: list[Diagnostic] = []
        self.reversible = True
        self.seen = Provenance()
        self.position = 0

    def add(self, number: int, label: str, op: Operation, source: Operation,
            inverse: list[Operation] | None = None) -> Primitive:
        """Render and apply ``op`` (checked), with its declared effect after it."""
        before = self.model
        prim = Primitive(number, op, before, op.apply(before), tuple(op.render(before)),
                         label=label, source=source,
                         inverse=None if inverse is None else tuple(inverse))
        made = [prim]
        inner = before
        for part in op.effects():
            made.append(Primitive(number, part, inner, part.apply(inner), effect=True,
                                  label=label, source=source))
            inner = made[-1].after
        for item in made:
            self._note(item)
        self.primitives += made
        self.model = prim.after
        return prim

    def _note(self, prim: Primitive) -> None:
        seen, op, model = self.seen, prim.op, prim.before
        seen.add(self.position, "read", op.reads(model))
        seen.add(self.position, "created", op.creates(model))
        seen.add(self.position, "written", op.writes(model))
        if not prim.effect:
            before, now = _changed_column_keys(model, prim.after)
            seen.add(self.position, "removed", before - now)
            for key in before - now:
                seen.removed.setdefault(key, op)
            for key in now & seen.removed.keys():
                del seen.removed[key]  # created again under the same name
        self.position += 1

    def close(self, number: int, label: str, op: Operation, before: Schema,
              undo: list[Operation]) -> None:
        self.records.append(StepRecord(number, label, op, before, self.model,
                                       tuple(self.primitives), tuple(undo)))
        self.primitives = []


def expand(op: Operation, model: Schema) -> tuple[list[Diagnostic], list[Operation]]:
    """A step's primitive operations over ``model`` (a compound step's once its check passes):
    the one expansion the forward and the rollback walk share."""
    if not op.compound:
        return [], [op]
    problems = op.check(model)
    return problems, ([] if problems else op.expand(model))


def _walk(proposal: Proposal, model: Schema) -> ProposalWalk:
    """Forward walk with every analyzer, then the rollback walk and its check."""
    walk = _Steps(model)
    for number, step in enumerate(proposal.steps, start=1):
        _walk_step(walk, number, step)
    diagnostics = walk.diagnostics
    for assertion in proposal.assertions:
        diagnostics += assertion.check(model, walk.model)
    rollback = None
    if walk.reversible and not diagnostics:
        back = _rollback(walk.records, walk.model)
        rollback = tuple(back.records)
        diagnostics += back.diagnostics
        changes = diff_schemas(model, back.model) if not back.diagnostics else None
        if changes:
            summary = "; ".join(str(c) for c in changes.changes()[:3])
            diagnostics.append(Diagnostic(proposal.loc("steps"), "the rollback does not "
                                          "return to the baseline (+ left over, - missing, "
                                          f"~ changed): {summary}", "E404"))
    return ProposalWalk(proposal, model, walk.model, tuple(walk.records), rollback,
                        tuple(diagnostics), walk.reversible, walk.seen)


def _rollback(records: list[StepRecord], model: Schema) -> _Steps:
    """The undo of each step, last step first, over the model after the forward walk."""
    back = _Steps(model)
    for record in reversed(records):
        label, before = f"undo {record.label}", back.model
        for undo in record.undo:
            problems, parts = expand(undo, back.model)
            for op in parts:
                problems = problems or op.check(back.model)
                if problems:
                    break
                back.add(record.number, label, op, undo)
            if problems:
                back.diagnostics += [Diagnostic(p.loc, f"rollback: {p.message}", "E404")
                                     for p in problems]
                back.close(record.number, label, record.op, before, [])
                return back
        back.close(record.number, label, record.op, before, [])
    return back


def _walk_step(walk: _Steps, number: int, step: Operation) -> None:
    label, before = f"step {number} ({step.key})", walk.model
    explicit = step.rollback is not None
    problems, parts = expand(step, walk.model)
    if problems:
        walk.diagnostics += problems
        return
    undo: list[Operation] = []
    for op in parts:
        inverse = _walk_op(walk, number, label, op, step, need_inverse=not explicit)
        if inverse is None:
            walk.reversible = False
        undo = (inverse or []) + undo
    walk.close(number, label, step, before, list(step.rollback) if explicit else undo)


def _walk_op(walk: _Steps, number: int, label: str, op: Operation, step: Operation,
             need_inverse: bool) -> list[Operation] | None:
    """Check, analyze, render and apply one primitive; returns its inverse (None: none)."""
    model, seen = walk.model, walk.seen
    if op.data_step:
        gone = next(((n, seen.removed[name_key(n)]) for n in sorted(op.reads(model), key=str)
                     if name_key(n) in seen.removed), None)
        if gone:
            (table, column), remover = gone
            line = remover.where().line if remover.where() else "?"
            walk.diagnostics.append(op.error("E502", f"reads {table}.{column}, which the "
                                                     f"{remover.key} step at line {line} "
                                                     "removed; move this step before it"))
            return []
    problems = op.check(model)
    if problems:
        walk.diagnostics += problems
        return []
    lost = op.loses(model)
    if lost and op.data_loss is None and not all(seen.is_new(n) or seen.was_read(n)
                                                 for n in lost[0]):
        walk.diagnostics.append(op.error("E401", f"{lost[1]}; copy the data first or "
                                                 "acknowledge the loss with data_loss: "
                                                 "{acknowledged: true, reason: …}"))
    inverse = _inverse(op, model, seen, walk) if need_inverse else []
    walk.add(number, label, op, step, inverse if need_inverse else None)
    return inverse


def _changed_column_keys(before: Schema, after: Schema) -> tuple[set, set]:
    """The column keys a step removed and added: looked for only in the tables it replaced
    (the others are the same objects: the model is immutable), compared as sets of names. This
    keeps a step's cost independent of the model's size and of its tables' widths."""
    old, new = before._by_name, after._by_name
    groups: dict[str, tuple[set, set]] = {}  # lower-cased table name -> column keys then, now
    for name in [n for n, t in new.items() if old.get(n) is not t] + [
            n for n in old.keys() - new.keys()]:
        then, now = groups.setdefault(name.lower(), (set(), set()))
        if name in old:
            then.update(old[name]._columns_by_key.keys())
        if name in new:
            now.update(new[name]._columns_by_key.keys())
    gone = {(t, c) for t, (then, now) in groups.items() for c in then - now}
    came = {(t, c) for t, (then, now) in groups.items() for c in now - then}
    return gone, came


def _inverse(op: Operation, model: Schema, seen: Provenance, walk: _Steps):
    if op.rollback is not None:
        return list(op.rollback)
    writes = op.writes(model)
    if op.data_step and writes and all(seen.is_new(n) for n in writes):
        return []  # the rollback drops what this step filled
    try:
        return op.inverse(model)
    except NotReversible as err:
        walk.diagnostics.append(op.error("E402", f"{err.why}; {op.rollback_hint}"))
        return None
