# SPDX-License-Identifier: LGPL-3.0-or-later
"""What walking a proposal records: the one result every stage reads.

A :class:`ProposalWalk` holds, per YAML step, a :class:`StepRecord` (its primitive operations,
each a :class:`Primitive` with the model before and after it and the SQL pieces it renders) and
what undoes it; the rollback walk, recorded the same way; the final model; the diagnostics; and
the :class:`Provenance` of every primitive (what it created, read, wrote and removed, and when).
Only :mod:`.engine` builds them; validate, plan, lint, verify, apply, the gate and the site read
them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from ..errors import Diagnostic
from ..model import Schema
from .operations import Operation, Piece
from .proposal import Proposal

Name = tuple[str, str | None]  # (table, column), or (table, None) for the whole table


@dataclass(frozen=True, eq=False)  # identity: two primitives may hold equal operations
class Primitive:
    """One primitive operation of a step, with the model before and after it. A compound step
    gives several; a raw ``sql`` step gives itself and then each operation of its declared
    effect (``effect=True``: no SQL of their own, the raw step already applied them)."""

    number: int  # the YAML step's number (1-based)
    op: Operation
    before: Schema
    after: Schema
    pieces: tuple[Piece, ...] = ()
    effect: bool = False
    label: str = ""  # the step's label, as the plan's comments name it
    source: Operation | None = None  # the step (or undo operation) it was expanded from
    # What undoes this primitive alone (``apply --recover --undo`` of a step that ran in
    # part); None when it was not derived (the step has its own rollback:) or there is none.
    inverse: tuple[Operation, ...] | None = None

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", f"step {self.number} ({self.op.key})")

    @property
    def kind(self) -> str:
        """The operation's YAML key."""
        return self.op.key


@dataclass(frozen=True, eq=False)
class StepRecord:
    """One YAML step (or, in the rollback walk, the undoing of one), expanded."""

    number: int
    label: str
    op: Operation
    before: Schema
    after: Schema
    primitives: tuple[Primitive, ...] = ()
    undo: tuple[Operation, ...] = ()  # what undoes it, first to last (forward records only)

    @property
    def pieces(self) -> list[Piece]:
        return [p for prim in self.primitives for p in prim.pieces]


def name_key(name: Name) -> Name:
    """The name lowercased, as provenance compares names."""
    return name[0].lower(), name[1].lower() if name[1] else None


@dataclass
class Provenance:
    """What each primitive (by its position in the walk) created, read, wrote and removed.
    The engine adds to it as it walks; afterwards it is only read."""

    events: list[tuple[int, str, Name]] = field(default_factory=list)  # (position, what, name)
    removed: dict[Name, Operation] = field(default_factory=dict)  # still gone at this point
    _seen: dict[str, set[Name]] = field(default_factory=dict, repr=False)  # what -> names

    def add(self, position: int, what: str, names) -> None:
        keys = [name_key(n) for n in sorted(names, key=str)]
        self.events += [(position, what, k) for k in keys]
        self._seen.setdefault(what, set()).update(keys)

    def _names(self, what: str, before: int | None = None, after: int | None = None):
        return (n for p, w, n in self.events if w == what and (before is None or p < before)
                and (after is None or p > after))

    def is_new(self, name: Name) -> bool:
        """Whether the walk so far created the column (or its table)."""
        table, column = name_key(name)
        created = self._seen.get("created", set())
        return (table, None) in created or (table, column) in created

    def was_read(self, name: Name) -> bool:
        return name_key(name) in self._seen.get("read", set())

    def created_before(self, position: int, table: str, column: str | None = None) -> bool:
        """Whether a primitive before ``position`` created the table (or the column)."""
        return any(_matches(n, table, column) for n in self._names("created", before=position))

    def read_before(self, position: int, table: str, column: str | None = None) -> bool:
        """Whether a primitive before ``position`` read the column (any column of the table
        when ``column`` is None): its data was copied somewhere first."""
        return any(_matches(n, table, column, loose=True)
                   for n in self._names("read", before=position))

    def written_after(self, position: int, table: str, column: str) -> bool:
        return any(_matches(n, table, column) for n in self._names("written", after=position))


def _matches(name: Name, table: str, column: str | None, loose: bool = False) -> bool:
    """Whether ``name`` covers ``table``/``column``: a whole table covers its columns; with
    ``loose`` any column of the table covers the table."""
    if name[0] != table.lower():
        return False
    if name[1] is None or (loose and column is None):
        return True
    return column is not None and name[1] == column.lower()


@dataclass(frozen=True, eq=False)
class ProposalWalk:
    """A proposal walked over ``base``: the forward records, the rollback records (None when
    the forward walk has errors or no inverse), the final model and the diagnostics."""

    proposal: Proposal
    base: Schema
    model: Schema
    steps: tuple[StepRecord, ...]
    rollback: tuple[StepRecord, ...] | None
    diagnostics: tuple[Diagnostic, ...]
    reversible: bool
    provenance: Provenance

    @cached_property
    def primitives(self) -> tuple[Primitive, ...]:
        """Every forward primitive in order (declared effects included)."""
        return tuple(p for record in self.steps for p in record.primitives)

    @property
    def pieces(self) -> list[tuple[str, Piece]]:
        """The forward SQL pieces with their step labels."""
        return [(p.label, piece) for p in self.primitives for piece in p.pieces]

    @property
    def undo(self) -> list[tuple[str, list[Operation]]]:
        return [(record.label, list(record.undo)) for record in self.steps]
