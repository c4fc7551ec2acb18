# SPDX-License-Identifier: LGPL-3.0-or-later
"""The ``ispyb-schema`` command: one small module per subcommand, imported when it is named.

The subcommand modules import only click and the light project modules at their top; each
command imports its stack (sqlglot, PyMySQL, mkdocs, Jinja2…) in its body, so ``--help`` and
argument errors start at once (see ``benchmarks/bench_cli.py``).
"""
from __future__ import annotations

import importlib

import click

from .. import __version__
from .guard import run_guarded

# name -> "module:attribute", in the order the help lists them
COMMANDS = {
    "build": "build:build_command",
    "import": "importer:import_command",
    "ddl": "ddl:ddl",
    "validate": "validate:validate_command",
    "plan": "plan:plan_command",
    "lint": "lint:lint_command",
    "impact": "impact:impact_command",
    "check": "check:check_command",
    "site": "site:site",
    "fixtures": "fixtures:fixtures",
    "verify": "verify:verify_command",
    "apply": "apply:apply_command",
    "forecast": "forecast:forecast_command",
    "diff": "diff:diff_command",
    "propose": "propose:propose_command",
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use; its help lists each command's whole
    first sentence, wrapped, instead of cutting it."""

    def __init__(self, *args, lazy: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.lazy, *(n for n in super().list_commands(ctx) if n not in self.lazy)]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in self.lazy:
            module, attribute = self.lazy[name].split(":")
            command = getattr(importlib.import_module(f".{module}", __package__), attribute)
            self.add_command(command, name)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, command.get_short_help_str(limit=1000))
                for name in self.list_commands(ctx)
                if (command := self.get_command(ctx, name)) is not None and not command.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, lazy=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ispyb-schema")
def cli() -> None:
    """Propose, test and review changes to the ISPyB MariaDB schema.

    Name a proposal by its file or by its id (its file name under proposals/, without .yaml):

    \b
        ispyb-schema plan datacollection-harmonisation
    """


def main() -> None:
    run_guarded(cli)  # no traceback ever: unexpected errors exit 3 (see guard.py)
