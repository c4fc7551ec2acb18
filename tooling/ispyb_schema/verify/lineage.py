# SPDX-License-Identifier: LGPL-3.0-or-later
"""What a proposal does to the baseline's tables and columns, read from its steps.

It reads the proposal's walk — each step's primitives (compound steps' parts, raw SQL's
declared effect) and the rollback walk's — to learn where every baseline column ends up
(renames followed), which ones data steps write or delete rows from, and which ones the
rollback does not claim to restore, with the reason. The generic checks use this; nothing is
guessed from the server.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..changeset.operations import Operation
from ..changeset.operations.enums import ChangeEnum
from ..changeset.operations.merge import MergeTables
from ..changeset.walk import Primitive, ProposalWalk, StepRecord
from ..model import Schema

Name = tuple[str, str]  # (table, column)


@dataclass
class StepTrace:
    record: StepRecord
    identities: dict = field(default_factory=dict)  # (table, column lowercased) -> identity

    @property
    def number(self) -> int:
        return self.record.number

    @property
    def label(self) -> str:  # as the planner labels the step's statements
        return self.record.label

    @property
    def step(self) -> Operation:
        return self.record.op

    @property
    def before(self) -> Schema:
        return self.record.before

    @property
    def after(self) -> Schema:
        return self.record.after


@dataclass
class Lineage:
    steps: list[StepTrace]
    columns: dict[Name, Name] = field(default_factory=dict)  # baseline -> at the end
    rows_written: dict[str, str] = field(default_factory=dict)  # baseline table -> step label
    rows_deleted: dict[str, str] = field(default_factory=dict)
    values_written: dict[Name, str] = field(default_factory=dict)
    unrestored: dict[tuple[str, str | None], str] = field(default_factory=dict)  # -> reason
    survivors: set = field(default_factory=set)  # column identities present at the end
    _ends: dict[str, str] | None = field(default=None, repr=False, compare=False)

    def table_at_end(self, table: str) -> str | None:
        if self._ends is None:  # asked once lineage() has filled ``columns``
            self._ends = {}
            for (base, _), (end, _) in self.columns.items():
                self._ends.setdefault(base, end)
        return self._ends.get(table)

    def survives(self, trace: StepTrace, table: str, column: str) -> bool:
        """Whether ``table.column``, as named before ``trace``'s step, is there at the end."""
        return trace.identities.get((table, column.lower())) in self.survivors


class _Identities:
    """Follows each column through renames: (table, lowercased column) -> identity; a
    baseline column's identity is ``("base", table, column)``."""

    def __init__(self, base: Schema) -> None:
        self.current = {(t.name, c.name.lower()): ("base", t.name, c.name)
                        for t in base.tables for c in t.columns}

    def base_of(self, table: str, column: str | None):
        """The baseline (table, column) — or table, when ``column`` is None — of a name."""
        if column is None:
            return next((v[1] for (t, _), v in self.current.items()
                         if t == table and v[0] == "base"), None)
        identity = self.current.get((table, column.lower()))
        return (identity[1], identity[2]) if identity and identity[0] == "base" else None

    def follow(self, op: Operation, before: Schema, after: Schema) -> None:
        for table, old, new in op.renames():
            if old is None:
                self.current = {((new if t == table else t), c): v
                                for (t, c), v in self.current.items()}
            elif (table, old.lower()) in self.current:
                self.current[(table, new.lower())] = self.current.pop((table, old.lower()))
        # only the tables the operation replaced (an unchanged table is the same object)
        changed = {t.name for t in after.tables if before.table(t.name) is not t}
        changed |= {t.name for t in before.tables if after.table(t.name) is None}
        for key in [k for k in self.current if k[0] in changed]:
            table = after.table(key[0])
            if table is None or table.column(key[1]) is None:
                del self.current[key]
        for name in changed:
            for column in after.table(name).columns if after.table(name) else ():
                self.current.setdefault((name, column.name.lower()),
                                        ("new", id(op), name, column.name))


def lineage(walk: ProposalWalk) -> Lineage:
    found, ids = Lineage([]), _Identities(walk.base)
    undone = {r.number: r for r in walk.rollback or ()}
    for record in walk.steps:
        trace = StepTrace(record, dict(ids.current))
        found.steps.append(trace)
        _claims(found, trace, ids)
        explicit = []  # (rollback operations, what they must undo)
        changes = set()
        for part in record.primitives:
            if not part.effect:
                changed = _record(found, record.label, part, ids)
                changes |= changed
                if part.op.rollback is not None and part.op is not record.op:
                    explicit.append((part.op.rollback, changed))
            if part.effect or not part.op.effects():
                ids.follow(part.op, part.before, part.after)
        if record.op.rollback is not None:  # the step's own rollback replaces its parts'
            explicit = [(record.op.rollback, changes)]
        back = undone.get(record.number)
        for ops, changed in explicit:
            parts = [p for p in back.primitives if any(p.source is o for o in ops)] \
                if back else []
            _rollback_claims(found, record.label, parts, changed, ids)
    found.survivors = set(ids.current.values())
    for (table, column), identity in ids.current.items():
        if identity[0] == "base":
            found.columns[identity[1:]] = (table, walk.model.table(table).column(column).name)
    return found


def _lost(op: Operation, model: Schema, ids: _Identities) -> set:
    """What ``op`` destroys, by baseline names: (table, None) for whole rows, else columns."""
    lost = op.loses(model)
    if not lost:
        return set()
    out = set()
    for table in {t for t, _ in lost[0]}:
        current = model.table(table)
        if (table, None) in lost[0] or (current is not None and all(
                (table, c.name) in lost[0] for c in current.columns)):
            out.add((ids.base_of(table, None), None))
        else:
            out |= {ids.base_of(table, c) for t, c in lost[0] if t == table and c}
    return {name for name in out if name and name[0]}


def _changes(part: Primitive, ids: _Identities) -> tuple[set, set]:
    """What ``part`` changes in baseline data, by baseline names: (table, column) values it
    writes and (table, None) for rows it adds; and the tables it deletes rows from."""
    written = {(base, None) if column is None else base
               for table, column in part.op.writes(part.before)
               if (base := ids.base_of(table, column)) is not None}
    deleted = {table for table, column in _lost(part.op, part.before, ids)
               if column is None and _still_there(part.after, ids, table)}
    return written, deleted


def _still_there(model: Schema, ids: _Identities, base_table: str) -> bool:
    """Whether the baseline table ``base_table`` is still in ``model`` (its rows deleted,
    not the table dropped)."""
    return any(v[1] == base_table and model.table(t) is not None
               for (t, _), v in ids.current.items() if v[0] == "base")


def _rollback_claims(found: Lineage, label: str, parts: list[Primitive], changed: set,
                     ids: _Identities) -> None:
    """An explicit rollback claims to restore only what it writes back: a value the step
    changed that its rollback's primitives (``parts``) leave alone is not expected back."""
    covered = set()
    for part in parts:
        if not part.effect:
            written, deleted = _changes(part, ids)
            covered |= written | {(t, None) for t in deleted}
    tables = {t for t, _ in covered}
    for table, column in sorted(changed, key=str):
        if column is None and table in tables or (table, column) in covered or \
                (table, None) in covered:
            continue
        what = table if column is None else f"{table}.{column}"
        found.unrestored.setdefault((table, column), f"{label} changes {what} and its "
                                                     "rollback does not write it back")


def _record(found: Lineage, label: str, part: Primitive, ids: _Identities) -> set:
    """Records what ``part`` writes and deletes; returns it, by baseline names. A step that
    acknowledges data loss does not claim its rollback gives back what it changes or loses."""
    op, model = part.op, part.before
    written, deleted = _changes(part, ids)
    for base in written:
        if base[1] is None:
            found.rows_written.setdefault(base[0], label)
        else:
            found.values_written.setdefault(base, label)
    for table in deleted:
        found.rows_deleted.setdefault(table, label)
    changed = written | {(t, None) for t in deleted}
    if op.data_loss is not None:
        for name in changed | _lost(op, model, ids):
            found.unrestored.setdefault(name, f"{label} acknowledges data loss: "
                                              f"{op.data_loss.reason}")
    return changed


def _claims(found: Lineage, trace: StepTrace, ids: _Identities) -> None:
    """Steps whose rollback by design does not give the rows back exactly."""
    step, model = trace.step, trace.before
    if isinstance(step, ChangeEnum) and step.map:
        base = ids.base_of(step.table, step.column)
        if base:
            found.unrestored.setdefault(base, f"{trace.label} maps removed values "
                                              f"{dict(step.map)}; the rollback cannot tell "
                                              "the mapped rows from the others")
    if isinstance(step, MergeTables):
        reason = (f"{trace.label} merges {step.source} into {step.into}; the rollback "
                  f"recreates {step.source} with the ids its rows got in {step.into}")
        source = ids.base_of(step.source, None)
        if source:
            found.unrestored.setdefault((source, None), reason)
        for table, fk in model.referencing(step.source):
            for column in fk.columns:
                base = ids.base_of(table.name, column)
                if base:
                    found.unrestored.setdefault(base, reason)
