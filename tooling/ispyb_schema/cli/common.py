# SPDX-License-Identifier: LGPL-3.0-or-later
"""What every subcommand shares: the --baseline option, loading it, and error handling."""
from __future__ import annotations

import functools
import sys
from typing import TYPE_CHECKING

import click

from ..config import resolve_baseline
from ..errors import EnvironmentProblem, InputError

if TYPE_CHECKING:
    from ..model import Schema

EXIT_OK, EXIT_GATE_FAILED, EXIT_BAD_INPUT = 0, 1, 2

baseline_option = click.option(
    "--baseline",
    "baseline",
    metavar="SOURCE",
    default=None,
    help="Schema to start from: a dump (.sql), a project-format file or folder, or a "
    "mysql://user:pass@host:port/db URL. Default: [tool.ispyb-schema] baseline in "
    "pyproject.toml.",
)


def load_baseline(explicit: str | None) -> Schema:
    from ..baseline import load_schema

    return load_schema(resolve_baseline(explicit))


def handle_errors(func):
    """Turn the tool's errors into a message on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InputError as err:
            for diagnostic in err.diagnostics:
                click.echo(str(diagnostic), err=True)
            count = len(err.diagnostics)
            click.echo(f"{count} error{'s' if count != 1 else ''}; nothing was written.", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except EnvironmentProblem as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(EXIT_BAD_INPUT)

    return wrapper
