# SPDX-License-Identifier: LGPL-3.0-or-later
"""What a lint rule sees: the proposal, the model before and after each primitive step, the
ALTER statements of its plan with their predicted algorithm, and what optional sources add
(data checks on the fixture data, impact on routines, the other proposals).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterator, Protocol

from ..changeset.operations import Clause, Piece, Statement
from ..changeset.proposal import Proposal
from ..changeset.script import ScriptStatement, runnable, statements_of
from ..changeset.walk import Primitive, ProposalWalk, Provenance
from ..model import Schema
from ..render.quote import ident
from .algorithm import KINDS, Prediction, predict
from .conflicts import Portfolio
from .datachecks import DataChecks
from .suppress import Suppressions


Step = Primitive  # what a rule iterates over: one primitive operation with its models


@dataclass(frozen=True, eq=False)
class Alter:
    """One ALTER statement of the plan: the clauses folded into it and the steps they came
    from, its SQL, and the predicted algorithm and lock."""

    table: str
    parts: tuple[tuple[Piece, Step, frozenset[str]], ...]  # (clause, step, its kinds)
    prediction: Prediction
    texts: tuple[str, ...] = ()  # the statement's clauses (folded ones once); default: parts'

    @property
    def steps(self) -> list[Step]:
        return list(dict.fromkeys(step for _, step, _ in self.parts))

    @property
    def deciding_step(self) -> Step:
        """The step whose clause sets the algorithm (the first of the most expensive)."""
        return max(self.parts, key=lambda p: max(KINDS[k] for k in p[2]))[1]

    def sql(self, with_algorithm: bool = False) -> str:
        clauses = list(self.texts) or [piece.text for piece, _, _ in self.parts
                                       if isinstance(piece, Clause)]
        if not clauses:  # a whole statement (RENAME TO)
            text = self.parts[0][0].text
        else:
            text = f"ALTER TABLE {ident(self.table)} " + ", ".join(clauses)
        if with_algorithm:
            text += f", ALGORITHM={self.prediction.algorithm}, LOCK={self.prediction.lock}"
        return text


@dataclass(frozen=True)
class PlanItem:
    """One statement of the plan (the script's), and for an ALTER its prediction."""

    statement: ScriptStatement
    alter: Alter | None = None

    @property
    def steps(self) -> list[Step]:
        return self.statement.steps

    def sql(self) -> str:
        return runnable(self.statement.sql).rstrip(";")


def plan_items(steps, foreign_key_checks: bool = True) -> list[PlanItem]:
    """The plan's statements in order (the script's folding), ALTERs with predictions."""
    items = []
    for statement in statements_of(steps):
        found = predict(statement.parts, _table(statement), foreign_key_checks)
        alter = None
        if found is not None:
            parts = tuple((piece, step, kinds) for (piece, step), kinds
                          in zip(statement.parts, found[0]))
            alter = Alter(statement.table, parts, found[1], statement.clauses)
        items.append(PlanItem(statement, alter))
    return items


def _table(statement: ScriptStatement):
    """The table an ALTER changes, as it is before the statement."""
    return statement.parts[0][1].before.table(statement.table) if statement.table else None


class ImpactSource(Protocol):
    """What the context needs of the impact index (:class:`~.impact.ImpactIndex`)."""

    def hits(self, ctx: "LintContext") -> list: ...


@dataclass
class LintContext:
    """Everything a rule may read. ``data``, ``impact`` and ``portfolio`` are None when the
    run has no database, no routine dumps or no other proposals."""

    proposal: Proposal
    base: Schema  # the model the proposal starts from: the baseline plus its dependencies
    final: Schema
    steps: list[Step]
    foreign_key_checks: bool = True  # the session state the plan runs in (the server default)
    data: DataChecks | None = None
    impact: ImpactSource | None = None
    portfolio: Portfolio | None = None
    suppressions: Suppressions = field(default_factory=Suppressions)
    walk: ProposalWalk | None = None  # what the steps come from (None: steps given by hand)

    @classmethod
    def build(cls, walk: ProposalWalk, **options) -> "LintContext":
        """The context of a validated proposal's walk."""
        return cls(walk.proposal, walk.base, walk.model, list(walk.primitives), walk=walk,
                   **options)

    @cached_property
    def provenance(self) -> Provenance:
        """What each step created, read and wrote: the walk's, or one made for hand-built
        steps."""
        if self.walk is not None:
            return self.walk.provenance
        found = Provenance()
        for position, s in enumerate(self.steps):
            found.add(position, "created", s.op.creates(s.before))
            found.add(position, "read", s.op.reads(s.before))
            found.add(position, "written", s.op.writes(s.before))
        return found

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

    def position(self, step: Step) -> int:
        return self.steps.index(step)

    def created_before(self, step: Step, table: str | None, column: str | None = None) -> bool:
        """Whether a step before ``step`` created the table (or the column)."""
        return table is not None and \
            self.provenance.created_before(self.position(step), table, column)

    def read_before(self, step: Step, table: str, column: str | None = None) -> bool:
        """Whether a step before ``step`` read the column (any column of the table when
        ``column`` is None): its data was copied somewhere first."""
        return self.provenance.read_before(self.position(step), table, column)

    def written_after(self, step: Step, table: str, column: str) -> bool:
        return self.provenance.written_after(self.position(step), table, column)

    def statements(self) -> Iterator[tuple[Step, Statement]]:
        for step in self.steps:
            for piece in step.pieces:
                if isinstance(piece, Statement):
                    yield step, piece

