# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema validate``: check proposals against the JSON Schema and the model."""
from __future__ import annotations

from pathlib import Path

import click

from .common import PROPOSAL, baseline_option, handle_errors, load_baseline, project_proposals


@click.command("validate")
@click.argument("proposals", nargs=-1, type=PROPOSAL)
@baseline_option
@handle_errors
def validate_command(proposals: tuple[str, ...], baseline: str | None) -> None:
    """Validate PROPOSALs, files or ids (default: every proposals/*.yaml of the project).

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
