# SPDX-License-Identifier: LGPL-3.0-or-later
"""7xx: across proposals — conflicts between open proposals, the release train of the
accepted ones."""
from __future__ import annotations

from ...changeset.validate import dependencies
from ..conflicts import RELEASED, overlap, touched
from ..registry import Finding, rule


def _where(ctx, items):
    """The first step that changes one of ``items``, else the proposal's steps."""
    for step in ctx.steps:
        if overlap(touched(step.before, step.after), items):
            return step.op.where()
    return ctx.proposal.loc("steps")


@rule(code="ISP701", name="conflicting-proposals", severity="warning",
      summary="another open proposal changes the same table or column incompatibly")
def conflicting_proposals(ctx):
    """Two open proposals change the same table, column, index or key, and applying one
    after the other fails or gives a different schema depending on the order. Decide at the
    meeting which goes first (``depends_on``) or merge them."""
    if ctx.portfolio is None:
        return
    for conflict in ctx.portfolio.conflicts(ctx.proposal.id):
        names, where = ", ".join(conflict.names), None
        if conflict.through:  # this proposal's dependency is at fault, not this proposal
            text = (f"depends on {conflict.through}, which conflicts with {conflict.other} "
                    f"(changing {names}): {conflict.why}")
            where = _dependency_loc(ctx, conflict.through)
        else:
            also = f" (and so with {', '.join(conflict.dependents)}, which depend" \
                   f"{'s' if len(conflict.dependents) == 1 else ''} on it)" \
                if conflict.dependents else ""
            text = f"conflicts with {conflict.other}{also} on {names}: {conflict.why}"
        yield Finding(where or _where(ctx, conflict.items), text)


def _dependency_loc(ctx, dependency: str):
    """The ``depends_on`` entry through which the proposal reaches ``dependency``."""
    validation = ctx.portfolio.validation
    for i, direct in enumerate(ctx.proposal.depends_on):
        if direct == dependency or dependency in dependencies(validation, direct):
            return ctx.proposal.loc("depends_on", i)
    return ctx.proposal.loc("depends_on")


@rule(code="ISP702", name="release-train", severity="error",
      summary="the accepted proposals do not apply together")
def release_train(ctx):
    """The accepted proposals are applied one after the other, in dependency order, on each
    baseline — what the next release runs. Each validates alone; together one of them breaks
    (an earlier one removed or renamed what it needs). Reported on the proposal that fails."""
    if ctx.portfolio is None:
        return
    for stop in ctx.portfolio.train:
        if stop.proposal == ctx.proposal.id:
            order = " -> ".join(ctx.portfolio.train_order)
            yield Finding(stop.diagnostic.loc or ctx.proposal.loc("status"),
                          f"the release train ({order}) breaks here on {stop.baseline}: "
                          f"{stop.diagnostic.message}")


@rule(code="ISP703", name="accepted-depends-on-open", severity="error",
      summary="an accepted proposal depends on one that is not accepted")
def accepted_depends_on_open(ctx):
    """An accepted proposal goes into the next release; what it depends on must go too."""
    if ctx.portfolio is None or ctx.proposal.status != "accepted":
        return
    proposals = ctx.portfolio.validation.proposals
    for i, dep in enumerate(ctx.proposal.depends_on):
        if dep in proposals and proposals[dep].status not in RELEASED:
            yield Finding(ctx.proposal.loc("depends_on", i), f"depends on {dep}, which is "
                                                             f"{proposals[dep].status}")
