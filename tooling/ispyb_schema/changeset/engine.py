# SPDX-License-Identifier: LGPL-3.0-or-later
"""Walk a proposal's steps over a model: check, record the inverse, render, apply.

One walk serves both validation (its diagnostics) and planning (its SQL pieces). Analyzers
that need the whole proposal live here: data loss that was not acknowledged, a data step that
reads what an earlier step removed, a step without an inverse or rollback, and the rollback
check (the inverses, run backwards, must give the model back).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Diagnostic
from ..model import Schema, diff_schemas
from .operations import NotReversible, Operation, Piece
from .proposal import Proposal

Name = tuple[str, str | None]


@dataclass
class Provenance:
    """What this proposal has done so far, for the analyzers."""

    created: set[Name] = field(default_factory=set)
    read: set[Name] = field(default_factory=set)
    removed: dict[Name, Operation] = field(default_factory=dict)

    @staticmethod
    def key(name: Name) -> Name:
        return name[0].lower(), name[1].lower() if name[1] else None

    def is_new(self, name: Name) -> bool:
        table, column = self.key(name)
        return (table, None) in self.created or (table, column) in self.created

    def was_read(self, name: Name) -> bool:
        return self.key(name) in self.read


@dataclass
class Walk:
    """The result of walking steps: the model after, SQL in order, inverses, diagnostics."""

    model: Schema
    pieces: list[tuple[str, Piece]] = field(default_factory=list)  # (step label, piece)
    undo: list[tuple[str, list[Operation]]] = field(default_factory=list)  # per step
    diagnostics: list[Diagnostic] = field(default_factory=list)
    reversible: bool = True


def walk_proposal(proposal: Proposal, model: Schema) -> Walk:
    """Forward walk with every analyzer, then the rollback check."""
    walk = Walk(model)
    seen = Provenance()
    for number, step in enumerate(proposal.steps, start=1):
        _walk_step(step, f"step {number} ({step.key})", walk, seen)
    for assertion in proposal.assertions:
        walk.diagnostics += assertion.check(model, walk.model)
    if walk.reversible and not walk.diagnostics:
        back = rollback_walk(walk)
        walk.diagnostics += back.diagnostics
        changes = diff_schemas(model, back.model) if not back.diagnostics else None
        if changes:
            summary = "; ".join(str(c) for c in changes.changes()[:3])
            walk.diagnostics.append(Diagnostic(proposal.loc("steps"), "the rollback does not "
                                               "return to the baseline (+ left over, - missing, "
                                               f"~ changed): {summary}", "E404"))
    return walk


def rollback_walk(forward: Walk) -> Walk:
    """The inverses in reverse order, walked over the model after the forward steps."""
    walk = Walk(forward.model)
    for label, undo in reversed(forward.undo):
        for op in undo:
            problems = op.check(walk.model)
            if problems:
                walk.diagnostics += [Diagnostic(p.loc, f"rollback: {p.message}", "E404")
                                     for p in problems]
                return walk
            walk.pieces += [(f"undo {label}", p) for p in op.render(walk.model)]
            walk.model = op.apply(walk.model)
    return walk


def _walk_step(step: Operation, label: str, walk: Walk, seen: Provenance) -> None:
    explicit = step.rollback is not None
    if step.compound:
        problems = step.check(walk.model)
        if problems:
            walk.diagnostics += problems
            return
        parts = step.expand(walk.model)
    else:
        parts = [step]
    undo: list[Operation] = []
    for op in parts:
        inverse = _walk_op(op, label, walk, seen, need_inverse=not explicit)
        if inverse is None:
            walk.reversible = False
        undo = (inverse or []) + undo
    walk.undo.append((label, list(step.rollback) if explicit else undo))


def _walk_op(op: Operation, label: str, walk: Walk, seen: Provenance,
             need_inverse: bool) -> list[Operation] | None:
    """Check, analyze, render and apply one primitive; returns its inverse (None: none)."""
    model = walk.model
    if op.data_step:
        gone = next(((n, seen.removed[seen.key(n)]) for n in sorted(op.reads(model), key=str)
                     if seen.key(n) in seen.removed), None)
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
    walk.pieces += [(label, p) for p in op.render(model)]
    seen.read |= {seen.key(n) for n in op.reads(model)}
    seen.created |= {seen.key(n) for n in op.creates(model)}
    after = op.apply(model)
    before, now = _column_keys(model), _column_keys(after)
    for key in before - now:
        seen.removed.setdefault(key, op)
    for key in now & seen.removed.keys():
        del seen.removed[key]  # created again under the same name
    walk.model = after
    return inverse


def _column_keys(model: Schema) -> set[Name]:
    return {(t.name.lower(), c.name.lower()) for t in model.tables for c in t.columns}


def _inverse(op: Operation, model: Schema, seen: Provenance, walk: Walk):
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
