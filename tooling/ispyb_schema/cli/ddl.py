# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema ddl``: print a schema as MariaDB DDL."""
from __future__ import annotations

import click

from .common import baseline_option, handle_errors, load_baseline


@click.command()
@baseline_option
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write to this file instead of standard output.")
@handle_errors
def ddl(baseline: str | None, output: str | None) -> None:
    """Print the schema as CREATE TABLE/VIEW statements in dependency order."""
    from ..render.ddl import schema_ddl

    text = schema_ddl(load_baseline(baseline))
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        click.echo(text, nl=False)
