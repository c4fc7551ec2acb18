# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema validate``: check proposals against the JSON Schema and the model."""
from __future__ import annotations

from pathlib import Path

import click

from ..config import find_project
from .common import baseline_option, handle_errors, load_baseline


def project_proposals() -> list[Path]:
    """The project's proposals, named relative to the working directory when inside it."""
    here = Path.cwd().resolve()
    return [p.relative_to(here) if p.is_relative_to(here) else p
            for p in sorted(find_project().proposals.glob("*.yaml"))]


@click.command("validate")
@click.argument("proposals", nargs=-1, type=click.Path(dir_okay=False))
@baseline_option
@handle_errors
def validate_command(proposals: tuple[str, ...], baseline: str | None) -> None:
    """Validate PROPOSAL files (default: every proposals/*.yaml of the project).

    Errors are printed as file:line:col: error[CODE]: message; exit code 2 if any.
    """
    from ..changeset.validate import validate

    paths = [Path(p) for p in proposals] or project_proposals()
    if not paths:
        click.echo("no proposals to validate", err=True)
        return
    result = validate(paths, load_baseline(baseline))
    result.raise_if_errors()
    count = len(result.proposals)
    click.echo(f"{count} proposal{'s' if count != 1 else ''} valid", err=True)
