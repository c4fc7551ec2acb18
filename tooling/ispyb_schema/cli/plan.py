# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema plan``: the SQL script of a proposal (forward or rollback)."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import click

from ..config import find_project
from ..errors import InputError
from .common import PROPOSAL, baseline_option, handle_errors, load_baseline


def baseline_label(explicit: str | None) -> str:
    """How the header names the baseline: as configured or given, never with a password."""
    source = explicit or find_project().baseline
    if "://" in source:
        parts = urlparse(source)
        return f"{parts.scheme}://{parts.hostname}:{parts.port or 3306}{parts.path}"
    return source


@click.command("plan")
@click.argument("proposal", type=PROPOSAL)
@click.option("--rollback", is_flag=True, help="The script that undoes the proposal.")
@click.option("--format", "style", type=click.Choice(["plain", "upstream"]), default="plain",
              show_default=True, help="upstream: bracketed by the SchemaStatus ONGOING/DONE "
              "rows, as in ispyb-database's schemas/ispyb/updates/.")
@click.option("--online", is_flag=True, help="Replace each ALTER predicted ALGORITHM=COPY or "
              "LOCK=SHARED on a big table by the pt-online-schema-change command that does it "
              "while writes go on (percona-toolkit), with what that costs.")
@click.option("--min-rows", type=click.IntRange(min=0), default=1_000_000, show_default=True,
              help="With --online and --rows: the size from which a table counts as big.")
@click.option("--rows", "rows", multiple=True, metavar="TABLE=N",
              help="With --online: table sizes (N may end in k, M or G). Without them, the "
              "tables with millions of rows at the facilities count as big.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write to this file instead of standard output.")
@baseline_option
@handle_errors
def plan_command(proposal: str, rollback: bool, style: str, online: bool, min_rows: int,
                 rows: tuple[str, ...], output: str | None, baseline: str | None) -> None:
    """Print the SQL of PROPOSAL, validated first (nothing is written if it has errors)."""
    from ..changeset.plan import render_plan
    from ..changeset.validate import validate

    if (rows or online) and (rollback or style != "plain"):
        raise InputError.single(None, "--online gives the forward script in the plain format: "
                                      "not with --rollback or --format upstream")
    if rows and not online:
        raise InputError.single(None, "--rows sizes the tables for --online")
    if online:
        from ..forecast.targets import parse_rows
        from ..online.run import online_script

        base = load_baseline(baseline)
        sizes = parse_rows(rows, base).rows if rows else None
        _write(online_script(Path(proposal), base, baseline_label(baseline), sizes, min_rows),
               output)
        return
    result = validate([Path(proposal)], load_baseline(baseline))
    result.raise_if_errors()
    loaded = next(p for p in result.proposals.values()
                  if Path(p.file).resolve() == Path(proposal).resolve())
    text = render_plan(loaded, result.bases[loaded.id], result.walks[loaded.id],
                       baseline_label(baseline), rollback=rollback, upstream=style == "upstream")
    _write(text, output)


def _write(text: str, output: str | None) -> None:
    if output:
        target = Path(output)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(target)
    else:
        click.echo(text, nl=False)
