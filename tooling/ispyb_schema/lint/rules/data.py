# SPDX-License-Identifier: LGPL-3.0-or-later
"""2xx: changes that existing data may violate, checked against the fixture data when a
database is at hand (``lint --db``)."""
from __future__ import annotations

from ...changeset.operations.typecheck import losses
from ..probe import questions
from ..registry import Finding, rule

_EFFECT = {"unique": "{n} duplicate value group{s}", "not null": "{n} row{s} hold NULL",
           "foreign key": "{n} row{s} reference no parent row"}


def _violations(ctx, kind: str):
    if ctx.data is None:
        return
    for step in ctx.steps:
        for answer in ctx.data.of(step):
            if answer.question.kind == kind and answer.count:
                n = answer.count
                effect = _EFFECT[kind].format(n=n, s="" if n == 1 else "s")
                yield Finding(step.op.where(), f"adds {answer.question.what}: {effect} in the "
                                               "fixture data; the ALTER fails")


@rule(code="ISP200", name="data-unchecked", severity="notice",
      summary="a change existing data may violate was not checked against data")
def data_unchecked(ctx):
    """New unique keys, NOT NULL constraints and foreign keys fail on existing rows that
    violate them. Without a database (``--no-db``) nothing was checked; with one, a step the
    plan never reached (an earlier statement failed on the fixture data) or whose column did
    not exist yet when it was asked is reported here."""
    for step in ctx.steps:
        asked = [q for q in questions(step) if q.kind not in ("rows", "loss", "filled")]
        if not asked or ctx.created_before(step, step.op.table_name()):
            continue
        if ctx.data is None:
            why = "no database"
        elif ctx.data.stopped and not ctx.data.of(step):
            failed, error = ctx.data.stopped
            why = f"the plan failed earlier on the fixture data, at {failed.label}: {error}"
        elif any(a.count is None for a in ctx.data.of(step)):
            why = "the column is added by the same ALTER"
        else:
            continue
        for question in asked:
            yield Finding(step.op.where(), f"adds {question.what}; not checked against the "
                                           f"data ({why})")


@rule(code="ISP201", name="unique-key-duplicates", severity="error",
      summary="a new unique or primary key finds duplicates in the fixture data")
def unique_key_duplicates(ctx):
    """The fixture data holds rows that share the new key's values: the ALTER fails on them,
    and production data probably has more. Clean the duplicates in a data step first."""
    yield from _violations(ctx, "unique")


@rule(code="ISP202", name="not-null-with-nulls", severity="error",
      summary="a column made NOT NULL holds NULLs in the fixture data")
def not_null_with_nulls(ctx):
    """Making a column NOT NULL fails (in strict mode) while rows hold NULL. Fill them first
    with a transform step, or give the column a default and say what NULL meant."""
    yield from _violations(ctx, "not null")


@rule(code="ISP203", name="foreign-key-orphans", severity="error",
      summary="a new foreign key finds orphan rows in the fixture data")
def foreign_key_orphans(ctx):
    """With FOREIGN_KEY_CHECKS=1 (how the plan runs) MariaDB checks every row when the key is
    added and refuses orphans. Delete or repoint them first."""
    yield from _violations(ctx, "foreign key")


@rule(code="ISP211", name="moved-values-lost", severity="error",
      summary="values a data step moves do not fit their new column in the fixture data")
def moved_values_lost(ctx):
    """Measured on the fixture data just before the step runs: rows whose value would be cut,
    would not convert (text into a number or date, a value outside an enum's list), would not
    fit the range, or are NULL for a NOT NULL column. The finding gives their count, the
    longest value and an example row. Widen the target, clean the values first in a transform
    step, or acknowledge the loss with `data_loss`."""
    if ctx.data is None:
        return
    for step in ctx.steps:
        moves = {loss.why: move for move in step.op.value_moves(step.before)
                 for loss in losses(move, step.before)}
        for answer in ctx.data.of(step):
            if answer.question.kind != "loss" or not answer.count:
                continue
            n = answer.count
            longest = f", the longest {answer.longest} characters" if answer.longest and \
                "characters" in answer.question.what else ""
            move = moves.get(answer.question.what)
            where = step.op.where(*move.keys) if move else step.op.where()
            yield Finding(where, f"{answer.question.what}: {n} row{'' if n == 1 else 's'} of "
                                 f"the fixture data{longest}, e.g. {answer.example}")
