# SPDX-License-Identifier: LGPL-3.0-or-later
"""The ``ispyb-schema`` command: one small module per subcommand."""
from __future__ import annotations

import click

from .. import __version__
from .apply import apply_command
from .build import build_command
from .check import check_command
from .ddl import ddl
from .fixtures import fixtures
from .forecast import forecast_command
from .impact import impact_command
from .importer import import_command
from .lint import lint_command
from .plan import plan_command
from .validate import validate_command
from .verify import verify_command
from .site import site


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ispyb-schema")
def cli() -> None:
    """Propose, test and review changes to the ISPyB MariaDB schema."""


cli.add_command(build_command)
cli.add_command(import_command)
cli.add_command(ddl)
cli.add_command(validate_command)
cli.add_command(plan_command)
cli.add_command(lint_command)
cli.add_command(impact_command)
cli.add_command(check_command)
cli.add_command(site)
cli.add_command(fixtures)
cli.add_command(verify_command)
cli.add_command(apply_command)
cli.add_command(forecast_command)


def main() -> None:
    cli()
