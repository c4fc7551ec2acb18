# SPDX-License-Identifier: LGPL-3.0-or-later
"""What a lint rule sees: the proposal, the model before and after each primitive step, the
ALTER statements of its plan with their predicted algorithm, and what optional sources add
(data checks on the fixture data, impact on routines, the other proposals).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Iterator

from ..changeset.operations import Clause, Operation, Piece, Statement
from ..changeset.operations.raw import RawSql
from ..changeset.plan import AlterGroup, Single, fold
from ..changeset.proposal import Proposal
from ..model import Schema
from ..render.quote import ident
from .algorithm import KINDS, Prediction, clause_kinds, combine, statement_kinds
from .suppress import Suppressions

if TYPE_CHECKING:
    from .conflicts import Portfolio
    from .impact import ImpactIndex
    from .probe import DataChecks


@dataclass(frozen=True, eq=False)  # identity: two steps may hold equal operations
class Step:
    """One primitive operation with the model before and after it. A compound YAML step gives
    several (same ``number``); a raw ``sql`` step gives itself (with its statements) and then
    each operation of its declared effect (``effect=True``, no SQL of their own)."""

    number: int
    op: Operation
    before: Schema
    after: Schema
    pieces: tuple[Piece, ...] = ()
    effect: bool = False

    @property
    def kind(self) -> str:
        """The operation's YAML key."""
        return self.op.key

    @property
    def label(self) -> str:
        return f"step {self.number} ({self.kind})"


@dataclass(frozen=True, eq=False)
class Alter:
    """One ALTER statement of the plan: the clauses folded into it and the steps they came
    from, its SQL, and the predicted algorithm and lock."""

    table: str
    parts: tuple[tuple[Piece, Step, frozenset[str]], ...]  # (clause, step, its kinds)
    prediction: Prediction

    @property
    def steps(self) -> list[Step]:
        return list(dict.fromkeys(step for _, step, _ in self.parts))

    @property
    def deciding_step(self) -> Step:
        """The step whose clause sets the algorithm (the first of the most expensive)."""
        return max(self.parts, key=lambda p: max(KINDS[k] for k in p[2]))[1]

    def sql(self, with_algorithm: bool = False) -> str:
        clauses = [piece.text for piece, _, _ in self.parts if isinstance(piece, Clause)]
        if not clauses:  # a whole statement (RENAME TO)
            text = self.parts[0][0].text
        else:
            text = f"ALTER TABLE {ident(self.table)} " + ", ".join(clauses)
        if with_algorithm:
            text += f", ALGORITHM={self.prediction.algorithm}, LOCK={self.prediction.lock}"
        return text


def primitive_steps(proposal: Proposal, base: Schema) -> list[Step]:
    """The proposal's steps as primitive operations over ``base`` (a validated proposal)."""
    steps: list[Step] = []
    model = base
    for number, step in enumerate(proposal.steps, start=1):
        for op in step.expand(model) if step.compound else [step]:
            after = op.apply(model)
            steps.append(Step(number, op, model, after, tuple(op.render(model))))
            if isinstance(op, RawSql):
                inner = model
                for part in op.effect:
                    steps.append(Step(number, part, inner, part.apply(inner), effect=True))
                    inner = part.apply(inner)
            model = after
    return steps


@dataclass(frozen=True)
class PlanItem:
    """One statement of the plan, as the planner folds it: its steps, and for an ALTER its
    prediction."""

    statement: AlterGroup | Single
    steps: list[Step]
    alter: Alter | None = None

    def sql(self) -> str:
        return self.statement.sql().rstrip(";")


def plan_items(steps: list[Step], foreign_key_checks: bool = True) -> list[PlanItem]:
    """The plan's statements in order (the planner's folding), ALTERs with predictions."""
    owner: dict[int, Step] = {}
    kinds: dict[int, frozenset[str]] = {}
    pieces: list[tuple[str, Piece]] = []
    for step in steps:
        if step.effect:
            continue
        clauses = [p for p in step.pieces if isinstance(p, Clause)]
        found = clause_kinds(step.op, step.before, step.pieces, foreign_key_checks) \
            if clauses else []
        kinds.update((id(c), frozenset(k)) for c, k in zip(clauses, found))
        for piece in step.pieces:
            whole = statement_kinds(step.op) if isinstance(piece, Statement) else None
            if whole:
                kinds[id(piece)] = frozenset(whole)
            owner[id(piece)] = step
            pieces.append((step.label, piece))
    items = []
    for item in fold(pieces):
        members = item.clauses if isinstance(item, AlterGroup) else [item.statement]
        item_steps = list(dict.fromkeys(owner[id(m)] for m in members))
        alter = None
        if id(members[0]) in kinds:
            parts = tuple((m, owner[id(m)], kinds[id(m)]) for m in members)
            table = item.table if isinstance(item, AlterGroup) else item_steps[0].op.old
            union = set().union(*(k for _, _, k in parts))
            alter = Alter(table, parts, combine(union, item_steps[0].before.table(table)))
        items.append(PlanItem(item, item_steps, alter))
    return items



@dataclass
class LintContext:
    """Everything a rule may read. ``data``, ``impact`` and ``portfolio`` are None when the
    run has no database, no routine dumps or no other proposals."""

    proposal: Proposal
    base: Schema  # the model the proposal starts from: the baseline plus its dependencies
    final: Schema
    steps: list[Step]
    foreign_key_checks: bool = True  # the session state the plan runs in (the server default)
    data: "DataChecks | None" = None
    impact: "ImpactIndex | None" = None
    portfolio: "Portfolio | None" = None
    suppressions: Suppressions = field(default_factory=Suppressions)

    @classmethod
    def build(cls, proposal: Proposal, base: Schema, **options) -> "LintContext":
        steps = primitive_steps(proposal, base)
        final = steps[-1].after if steps else base
        return cls(proposal, base, final, steps, **options)

    @cached_property
    def plan(self) -> list[PlanItem]:
        return plan_items(self.steps, self.foreign_key_checks)

    @property
    def alters(self) -> list[Alter]:
        return [item.alter for item in self.plan if item.alter]

    def ops(self, *kinds: type) -> Iterator[Step]:
        """Steps whose operation is one of ``kinds`` (raw steps' declared effects included)."""
        return (s for s in self.steps if isinstance(s.op, kinds))

    def earlier(self, step: Step) -> list[Step]:
        return self.steps[:self.steps.index(step)]

    def later(self, step: Step) -> list[Step]:
        return self.steps[self.steps.index(step) + 1:]

    def created_before(self, step: Step, table: str, column: str | None = None) -> bool:
        """Whether a step before ``step`` created the table (or the column)."""
        return any(_matches(name, table, column) for s in self.earlier(step)
                   for name in s.op.creates(s.before))

    def read_before(self, step: Step, table: str, column: str | None = None) -> bool:
        """Whether a step before ``step`` read the column (any column of the table when
        ``column`` is None): its data was copied somewhere first."""
        return any(_matches(name, table, column, loose=True) for s in self.earlier(step)
                   for name in s.op.reads(s.before))

    def written_after(self, step: Step, table: str, column: str) -> bool:
        return any(_matches(name, table, column) for s in self.later(step)
                   for name in s.op.writes(s.before))

    def statements(self) -> Iterator[tuple[Step, Statement]]:
        for step in self.steps:
            for piece in step.pieces:
                if isinstance(piece, Statement):
                    yield step, piece


def _matches(name: tuple[str, str | None], table: str, column: str | None,
             loose: bool = False) -> bool:
    """Whether ``name`` (table, column-or-None) covers ``table``/``column``: a whole table
    covers its columns; with ``loose`` any column of the table covers the table."""
    if name[0].lower() != table.lower():
        return False
    if name[1] is None or (loose and column is None):
        return True
    return column is not None and name[1].lower() == column.lower()
