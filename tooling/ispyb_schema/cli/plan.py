# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema plan``: the SQL script of a proposal (forward or rollback)."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import click

from ..changeset.plan import render_plan
from ..changeset.validate import validate
from ..config import find_project
from .common import baseline_option, handle_errors, load_baseline


def baseline_label(explicit: str | None) -> str:
    """How the header names the baseline: as configured or given, never with a password."""
    source = explicit or find_project().baseline
    if "://" in source:
        parts = urlparse(source)
        return f"{parts.scheme}://{parts.hostname}:{parts.port or 3306}{parts.path}"
    return source


@click.command("plan")
@click.argument("proposal", type=click.Path(dir_okay=False))
@click.option("--rollback", is_flag=True, help="The script that undoes the proposal.")
@click.option("--format", "style", type=click.Choice(["plain", "upstream"]), default="plain",
              show_default=True, help="upstream: bracketed by the SchemaStatus ONGOING/DONE "
              "rows, as in ispyb-database's schemas/ispyb/updates/.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write to this file instead of standard output.")
@baseline_option
@handle_errors
def plan_command(proposal: str, rollback: bool, style: str, output: str | None,
                 baseline: str | None) -> None:
    """Print the SQL of PROPOSAL, validated first (nothing is written if it has errors)."""
    result = validate([Path(proposal)], load_baseline(baseline))
    result.raise_if_errors()
    loaded = next(p for p in result.proposals.values()
                  if Path(p.file).resolve() == Path(proposal).resolve())
    text = render_plan(loaded, result.bases[loaded.id], result.walks[loaded.id],
                       baseline_label(baseline), rollback=rollback, upstream=style == "upstream")
    if output:
        target = Path(output)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(target)
    else:
        click.echo(text, nl=False)
