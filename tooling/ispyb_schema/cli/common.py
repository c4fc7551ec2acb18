# SPDX-License-Identifier: LGPL-3.0-or-later
"""What every subcommand shares: the --baseline option, loading it, naming proposals by id or
path, and error handling."""
from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..config import find_project, optional_project, resolve_baseline
from ..errors import EnvironmentProblem, InputError

if TYPE_CHECKING:
    from ..model import Schema

EXIT_OK, EXIT_GATE_FAILED, EXIT_BAD_INPUT = 0, 1, 2

_baseline = click.option(
    "--baseline",
    "baseline",
    metavar="SOURCE",
    default=None,
    help="Schema to start from: a dump (.sql), a project-format file or folder, or a "
    "mysql://user:pass@host:port/db URL. Default: [tool.ispyb-schema] baseline in "
    "pyproject.toml.",
)


def project_proposals(required: bool = True) -> list[Path]:
    """The project's proposals, named relative to the working directory when inside it; none
    outside a project unless ``required`` (then: an error saying so)."""
    project = find_project() if required else optional_project()
    if project is None:
        return []
    return [shown_path(p) for p in sorted(project.proposals.glob("*.yaml"))]


def shown_path(path: Path) -> Path:
    """``path`` relative to the working directory when it is inside it, else as it is."""
    here, resolved = Path.cwd().resolve(), path.resolve()
    return resolved.relative_to(here) if resolved.is_relative_to(here) else path


def resolve_proposal(name: str) -> Path:
    """A proposal named by its file, or by its id: ``proposals/<id>.yaml`` of the project."""
    path = Path(name)
    if path.is_file():
        return path
    if path.is_dir():
        raise InputError.single(None, f"{name}: a folder; expected a proposal file or id")
    looks_like_id = path.name == name and path.suffix.lower() not in (".yaml", ".yml")
    try:
        folder = find_project().proposals
    except InputError:
        folder = None
    if looks_like_id and folder is not None and (folder / f"{name}.yaml").is_file():
        return shown_path(folder / f"{name}.yaml")
    known = ", ".join(p.stem for p in sorted(folder.glob("*.yaml"))) if folder else ""
    where = f"; the proposals in {shown_path(folder)}/ are: {known}" if known else \
        " (and no project proposals folder to find an id in)"
    raise InputError.single(None, f"{name}: no such proposal file or id{where}")


class ProposalParam(click.ParamType):
    """A PROPOSAL argument: a file path or a proposal id."""

    name = "proposal"

    def convert(self, value, param, ctx) -> Path:
        if isinstance(value, Path):
            return value
        try:
            return resolve_proposal(value)
        except InputError as err:
            self.fail(err.diagnostics[0].message, param, ctx)


PROPOSAL = ProposalParam()


def _via_server(ctx: click.Context, param, value: bool) -> None:
    """``--via-server`` holds for the command it is given to, and only for it."""
    if value:
        from ..baseline import read_dumps_via_server

        read_dumps_via_server(True)
        ctx.call_on_close(lambda: read_dumps_via_server(False))


via_server_option = click.option(
    "--via-server", is_flag=True, expose_value=False, callback=_via_server,
    help="Read dump SOURCEs by loading them into a scratch MariaDB (from the test harness) and "
    "importing that live: for any dump MariaDB accepts that the dump importer does not read.",
)


def baseline_option(func):
    """``--baseline SOURCE`` and ``--via-server``."""
    return _baseline(via_server_option(func))


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
