# SPDX-License-Identifier: LGPL-3.0-or-later
"""6xx: views, stored routines, triggers and grants that read what the proposal changes,
from the dumps given with ``--routines``/``--grants`` or a live server (see
:mod:`..impact`)."""
from __future__ import annotations

from ..registry import Finding, rule
from ..sources import Grant, shown


def _hits(ctx, *, breaks: bool, grants: bool):
    if ctx.impact is None:
        return
    for hit in ctx.impact.hits(ctx):
        if hit.target.breaks == breaks and isinstance(hit.obj, Grant) == grants:
            yield hit


def _by_object(hits):
    """One group per (target, object): its hits, in line order."""
    groups: dict[tuple, list] = {}
    for hit in hits:
        groups.setdefault((hit.target, hit.obj), []).append(hit)
    return groups.values()


def _places(hits) -> str:
    """``file:12, 14 [tokens]`` — the lines of one object's uses and how they were found."""
    first = hits[0].where
    lines = [first] + [h.where.rsplit(":", 1)[-1] if h.obj.file else h.where
                       for h in hits[1:]]
    methods = "/".join(sorted({h.method for h in hits}))
    return f"{', '.join(lines)} [{methods}]"


@rule(code="ISP601", name="breaks-routine", severity="error",
      summary="a view, routine or trigger uses a table or column the proposal drops or renames")
def breaks_routine(ctx):
    """The object stops working the moment the forward script runs: MariaDB checks a stored
    routine's names only when it runs, so nothing fails at deploy time. Change the object in
    the same release (and in the proposal's notes), or keep the old name."""
    for hits in _by_object(_hits(ctx, breaks=True, grants=False)):
        hit = hits[0]
        yield Finding(hit.target.step.op.where(), f"{hit.target.name} is "
                                                  f"{hit.target.change}, but {hit.what} uses it "
                                                  f"at {_places(hits)}")


@rule(code="ISP602", name="changed-under-routine", severity="warning",
      summary="a view, routine or trigger reads a column whose type or nullability changes")
def changed_under_routine(ctx):
    """Variables declared with the old type, comparisons with removed enum values and
    assumptions about NULL may no longer hold. Check the object."""
    for hits in _by_object(_hits(ctx, breaks=False, grants=False)):
        hit = hits[0]
        yield Finding(hit.target.step.op.where(), f"{hit.target.name} is "
                                                  f"{hit.target.change}; {hit.what} reads it "
                                                  f"at {_places(hits)}")


@rule(code="ISP603", name="grant-lost", severity="warning",
      summary="a grant names a table or column the proposal drops or renames")
def grant_lost(ctx):
    """Grants name tables and columns: MariaDB does not move them with a rename, and a drop
    leaves a grant on nothing. Re-grant the privileges on the new name in the same release."""
    for hit in _hits(ctx, breaks=True, grants=True):
        if hit.target.column is None and ctx.final.view(hit.target.table) is not None:
            continue  # a view takes the name: the grant applies to it (ISP604 says what is lost)
        yield Finding(hit.target.step.op.where(), f"{hit.target.name} is {hit.target.change}; "
                                                  f"the {hit.what} ({hit.where}) no longer "
                                                  "applies")


@rule(code="ISP604", name="role-loses-privilege", severity="warning",
      summary="a role loses a privilege: on a dropped or renamed table or column, writes on a "
              "table that becomes a view, EXECUTE of a routine that stops working")
def role_loses_privilege(ctx):
    """What each role (and every role or account it is granted to) can no longer do once the
    forward script has run. Grant the privileges on the new objects in the same release, or
    tell the software that uses the role what to write to instead."""
    if ctx.impact is None:
        return
    for loss in ctx.impact.losses(ctx):
        yield Finding(loss.step.op.where(), f"{loss} ({shown(loss.grant.file)}:{loss.grant.line})")
