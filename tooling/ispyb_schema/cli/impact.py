# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema impact``: the views, routines, triggers and grants that use what a proposal
drops, renames or changes."""
from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import InputError
from .common import PROPOSAL, baseline_option, handle_errors, load_baseline
from .lintopts import grants_option, impact_index, routines_option


@click.command("impact")
@click.argument("proposal", type=PROPOSAL)
@baseline_option
@routines_option
@grants_option
@click.option("--db", "live", metavar="URL", default=None,
              help="Read the views, routines, triggers and grants of this live database "
              "(mysql://user:pass@host:port/db), read-only.")
@click.option("--format", "style", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: one line per use found; json: a list of objects "
              "with file, line, what they use and how it changes.")
@handle_errors
def impact_command(proposal: str, baseline: str | None, routines: str | None,
                   grants: str | None, live: str | None, style: str) -> None:
    """List every object that uses a table or column PROPOSAL drops, renames or changes, with
    its line and how it was found (sqlglot: parsed; tokens: a token search where the body
    does not parse).

    Needs at least one source to search: the baseline's own routines and grants (the
    default: [tool.ispyb-schema] routines/grants, or routines.sql and grants/ beside a dump),
    --routines FILE (views, routines and triggers, from `mariadb-dump --no-data --routines
    --triggers DB`), --grants FILE or folder (SHOW GRANTS output or role files), or --db URL
    (a live database, read-only).
    """
    from ..changeset.validate import validate
    from ..lint.context import LintContext
    from ..lint.sources import Grant

    index = impact_index(baseline, routines, grants, live)
    if index is None:
        raise InputError.single(None, "nothing to search: the baseline has no routines or "
                                      "grants beside it (routines.sql, grants/); give "
                                      "--routines FILE (from `mariadb-dump --no-data --routines "
                                      "--triggers DB > routines.sql`), --grants FILE (SHOW "
                                      "GRANTS output) or --db mysql://user:pass@host:port/DB; "
                                      "see `ispyb-schema impact --help`")
    result = validate([Path(proposal)], load_baseline(baseline))
    result.raise_if_errors()
    pid = next(pid for pid, p in result.proposals.items()
               if Path(p.file).resolve() == Path(proposal).resolve())
    ctx = LintContext.build(result.walks[pid])
    hits, losses = index.hits(ctx), index.losses(ctx)
    if style == "json":
        click.echo(json.dumps([{"object": h.what,
                                "kind": "grant" if isinstance(h.obj, Grant) else h.obj.kind,
                                "file": h.obj.file, "line": h.obj.line + h.line - 1,
                                "body_line": h.line, "uses": h.target.name,
                                "change": h.target.change, "step": h.target.step.number,
                                "method": h.method} for h in hits] +
                               [{"kind": "role loss", "role": loss.role,
                                 "privileges": list(loss.privileges), "on": loss.on,
                                 "why": loss.why, "via": loss.via, "file": loss.grant.file,
                                 "line": loss.grant.line, "step": loss.step.number}
                                for loss in losses], indent=1))
        return
    for hit in hits:
        click.echo(str(hit))
    for loss in losses:
        click.echo(f"{loss.grant.file}:{loss.grant.line}: {loss}")
    objects = len({(h.what, h.obj.file, h.obj.line) for h in hits})
    click.echo(f"{objects} object{'s' if objects != 1 else ''} affected "
               f"({len(index.objects)} objects and {len(index.grants)} grants searched)",
               err=True)
