# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema fixtures``: fixture data as SQL, and synthetic data at scale."""
from __future__ import annotations

from pathlib import Path

import click

from ..fixtures.scale_plan import SCALE_PLAN
from .common import baseline_option, handle_errors, load_baseline

_DC_PER_UNIT = next(p.per_unit for p in SCALE_PLAN if p.table == "DataCollection")
output_option = click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
                             help="Write to this file instead of standard output.")


def _write(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@click.group()
def fixtures() -> None:
    """Fixture data for the baseline: the hand-written rows, and synthetic rows at scale."""


@fixtures.command("sql")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@baseline_option
@output_option
@handle_errors
def sql_command(paths: tuple[Path, ...], baseline: str | None, output: str | None) -> None:
    """Print the INSERTs for fixture PATHS (.yaml files, .sql files or folders), in order."""
    from ..fixtures.load import fixture_sql

    _write(fixture_sql(load_baseline(baseline), list(paths)), output)


@fixtures.command()
@click.option("--scale", type=click.IntRange(min=1), required=True,
              help=f"Units of synthetic data; one unit holds {_DC_PER_UNIT} DataCollection rows.")
@baseline_option
@output_option
@handle_errors
def generate(scale: int, baseline: str | None, output: str | None) -> None:
    """Print set-based SQL that adds SCALE units of consistent synthetic rows, ids continuing
    after the rows already present (load it after the baseline DDL and the fixtures)."""
    from ..fixtures.generate import generate_sql

    _write(generate_sql(load_baseline(baseline), scale), output)
    rows = sum(p.count(scale) for p in SCALE_PLAN)
    click.echo(f"{rows} rows in {len(SCALE_PLAN)} tables at scale {scale}", err=True)
