# SPDX-License-Identifier: LGPL-3.0-or-later
"""The CLI starts at once: help and argument errors import no subcommand's stack; the help is
complete (whole command summaries, help text on every option)."""
import json
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from ispyb_schema.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sqlglot", "pymysql", "mkdocs", "jinja2", "yaml", "jsonschema", "rich",
         "ispyb_schema.verify.session", "ispyb_schema.site.publish", "ispyb_schema.lint.run",
         "ispyb_schema.changeset.validate")

PROBE = """
import json, sys
from ispyb_schema.cli.main import cli
try:
    cli(sys.argv[1:], prog_name="ispyb-schema")
except SystemExit as stop:
    code = stop.code
print(json.dumps({"code": code, "heavy": [m for m in %r if m in sys.modules]}), file=sys.stderr)
""" % (HEAVY,)


def probe(*args: str) -> tuple[dict, str]:
    """Run the CLI in a fresh interpreter; its exit code and the heavy modules it imported."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    return json.loads(done.stderr.strip().splitlines()[-1]), done.stdout


def all_commands(group: click.Group = cli, path: str = ""):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield f"{path} {name}".strip(), command
        if isinstance(command, click.Group):
            yield from all_commands(command, f"{path} {name}")


@pytest.mark.parametrize("args", [
    ["--help"], ["--version"], ["ddl", "--help"], ["plan", "--help"], ["verify", "--help"],
    ["site", "serve", "--help"], ["check", "--help"], ["apply", "--help"],
    ["fixtures", "generate", "--help"], ["build", "--help"], ["lint", "--help"],
])
def test_help_imports_nothing_heavy(args):
    result, output = probe(*args)
    assert result == {"code": 0, "heavy": []}
    assert output.startswith(("Usage: ispyb-schema", "ispyb-schema, version"))


@pytest.mark.parametrize("args", [["plan"], ["verify", "--db"], ["nonsense"],
                                  ["lint", "--format", "xml"]])
def test_argument_errors_import_nothing_heavy(args):
    result, _ = probe(*args)
    assert result == {"code": 2, "heavy": []}


def test_a_command_that_runs_imports_its_stack():
    result, output = probe("ddl")
    assert result["code"] == 0 and "yaml" in result["heavy"]  # the embedded baseline
    assert "CREATE TABLE" in output


def test_top_level_help_shows_every_command_summary_whole():
    _, output = probe("--help")
    flat = " ".join(output.split())
    for name, command in all_commands():
        if " " in name:
            continue
        summary = " ".join(command.get_short_help_str(limit=1000).split())
        assert not summary.endswith("...")
        # click may break a line at a hyphen; compare without the spaces it inserts there
        assert re.sub(r"- ", "-", summary) in re.sub(r"- ", "-", flat), name


def test_every_option_has_help_text():
    missing = [(name, p.name) for name, command in all_commands() for p in command.params
               if isinstance(p, click.Option) and not p.help]
    assert missing == []
