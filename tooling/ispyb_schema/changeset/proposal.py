# SPDX-License-Identifier: LGPL-3.0-or-later
"""A proposal as the tool holds it: metadata, the steps (operations) and the assertions."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..errors import SourceLoc
from .assertions import Assertion
from .operations import Operation, Where

STATUSES = ("draft", "under review", "accepted", "rejected", "applied")


@dataclass(frozen=True)
class Author:
    name: str
    affiliation: str
    role: str = "contributor"  # owner | drafter | contributor


@dataclass(frozen=True)
class Meeting:
    date: str
    name: str
    minutes: str = ""


@dataclass(frozen=True)
class Decision:
    date: str
    decision: str


@dataclass(frozen=True)
class Proposal:
    id: str
    title: str
    status: str
    authors: tuple[Author, ...]
    created: str
    steps: tuple[Operation, ...]
    file: str
    where: Where = field(compare=False, repr=False)
    last_discussed: str | None = None
    meetings: tuple[Meeting, ...] = ()
    proposed_for: Meeting | None = None
    decisions: tuple[Decision, ...] = ()
    motivation: str = ""
    discussion: str = ""
    depends_on: tuple[str, ...] = ()
    supersedes: tuple[str, ...] = ()
    assertions: tuple[Assertion, ...] = ()
    facts: tuple = ()  # checkable claims about upstream (see facts.py)

    def loc(self, *keys) -> SourceLoc | None:
        return self.where(*keys)

    @property
    def date(self) -> str:
        """The date that names its upstream script: last discussed, else created."""
        return self.last_discussed or self.created


def batched_steps(proposal: Proposal) -> list[Operation]:
    """The data steps of ``proposal`` with ``batch: N``."""
    return [op for op in proposal.steps if getattr(op, "batch", None)]


def without_batches(proposal: Proposal) -> Proposal:
    """``proposal`` with ``batch`` removed from its data steps (itself if it has none)."""
    if not batched_steps(proposal):
        return proposal
    return replace(proposal, steps=tuple(replace(op, batch=None) if getattr(op, "batch", None)
                                         else op for op in proposal.steps))
