# SPDX-License-Identifier: LGPL-3.0-or-later
"""The last line of defence around the command: no traceback ever reaches the user.

The tool's own errors are handled by each command (exit 2). What still escapes is sorted
here: input errors of a command without its own handler and environment errors (a file that
cannot be written, a database that does not answer) exit 2 with one clear line; anything else
is a bug, reported in two short lines with exit 3. ``ISPYB_SCHEMA_TRACEBACK=1`` shows the
traceback too, for whoever fixes it.
"""
from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from ..errors import EnvironmentProblem, InputError

EXIT_BAD_INPUT, EXIT_INTERNAL = 2, 3


def run_guarded(command: click.Command, args: list[str] | None = None) -> None:
    """Run ``command`` as the program; every exception becomes an exit code and a message."""
    try:
        command.main(args=args, prog_name="ispyb-schema")
    except SystemExit:
        raise
    except Exception as err:  # noqa: BLE001 - this is the one place that must catch all
        sys.exit(report(err))


def report(err: BaseException) -> int:
    """Print what went wrong, shortly, and return the exit code."""
    if isinstance(err, InputError):
        for diagnostic in err.diagnostics:
            click.echo(str(diagnostic), err=True)
        click.echo(f"{len(err.diagnostics)} error(s); nothing was written.", err=True)
        return EXIT_BAD_INPUT
    if isinstance(err, EnvironmentProblem):
        click.echo(f"error: {err}", err=True)
        return EXIT_BAD_INPUT
    if isinstance(err, OSError):
        click.echo(f"error: {_os_error(err)}; nothing was written.", err=True)
        return EXIT_BAD_INPUT
    if type(err).__module__.startswith("pymysql"):
        click.echo(f"error: database: {summary(err)}", err=True)
        return EXIT_BAD_INPUT
    if os.environ.get("ISPYB_SCHEMA_TRACEBACK"):
        traceback.print_exception(err, file=sys.stderr)
    click.echo(f"internal error, please report: {summary(err)}", err=True)
    click.echo("(ispyb-schema stopped; set ISPYB_SCHEMA_TRACEBACK=1 to see where)", err=True)
    return EXIT_INTERNAL


def _os_error(err: OSError) -> str:
    if not err.filename:
        return str(err.strerror or err)
    folder = Path(err.filename).parent
    if isinstance(err, FileNotFoundError) and not folder.is_dir():
        return f"{err.filename}: the folder {folder} does not exist"
    return f"{err.filename}: {err.strerror}"


def summary(err: BaseException) -> str:
    """The exception's one-line summary: its type and the first line of its message."""
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0][:300]}" if text else type(err).__name__
