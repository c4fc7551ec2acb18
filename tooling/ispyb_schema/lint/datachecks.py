# SPDX-License-Identifier: LGPL-3.0-or-later
"""What the data checks found (see :mod:`.probe`, which asks): the answers per step."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..changeset.walk import Primitive as Step


@dataclass(frozen=True)
class Question:
    kind: str  # "unique", "not null", "foreign key", "loss" or "rows"
    what: str  # what the step adds, for the message
    sql: str   # SELECT COUNT(*) of the rows that would violate it (or of all rows)


@dataclass(frozen=True)
class Answer:
    question: Question
    count: int | None  # None: the question could not be asked (the column is not there yet)
    example: str | None = None  # a "loss" question's first row (key and value)
    longest: int | None = None  # a "loss" question's longest value, in characters


@dataclass
class DataChecks:
    answers: dict[int, list[Answer]] = field(default_factory=dict)  # id(step) -> answers
    stopped: tuple[Step, str] | None = None  # the statement the fixture data made fail

    def of(self, step: Step) -> list[Answer]:
        return self.answers.get(id(step), [])

    def rows_before(self, step: Step) -> int | None:
        return next((a.count for a in self.of(step) if a.question.kind == "rows"), None)
