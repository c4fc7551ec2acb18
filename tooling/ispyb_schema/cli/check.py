# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema check``: the CI gate — validate, lint and verify, with reports for CI."""
from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..config import find_project, optional_project, resolve_baseline
from .common import (
    EXIT_GATE_FAILED,
    PROPOSAL,
    baseline_option,
    handle_errors,
    project_proposals,
)
from .lintopts import (
    fixtures_for,
    fixtures_option,
    grants_option,
    impact_index,
    routines_option,
    write_atomically,
)
from .verify import db_option, open_db

if TYPE_CHECKING:
    from ..gate import GateResult


def _selected(proposals: tuple[str, ...], ref: str | None) -> list[Path]:
    from ..gate.select import changed_since, with_dependents

    if proposals:
        return [Path(p) for p in proposals]
    everything = project_proposals()
    if ref:
        project = find_project()
        return with_dependents(changed_since(ref, project.root, project.proposals), everything)
    return everything


def _write(gate: GateResult, root: Path, outputs: dict[str, str | None]) -> None:
    from ..gate.junit import to_junit
    from ..gate.markdown import to_markdown
    from ..gate.sarif import to_sarif

    writers = {"json": lambda: json.dumps(gate.to_dict(), indent=1) + "\n",
               "junit": lambda: to_junit(gate),
               "sarif": lambda: json.dumps(to_sarif(gate, root), indent=1) + "\n",
               "markdown": lambda: to_markdown(gate, root)}
    for kind, path in outputs.items():
        if path:
            write_atomically(path, writers[kind]())
            click.echo(f"written: {path} ({kind})", err=True)


@click.command("check")
@click.argument("proposals", nargs=-1, type=PROPOSAL)
@baseline_option
@db_option
@click.option("--no-db", is_flag=True, help="Skip verify and the data checks (no MariaDB).")
@click.option("--changed-since", "ref", metavar="REF", default=None,
              help="Only the proposals changed since this git ref (its merge base with HEAD), "
              "and those that depend on them; e.g. origin/main.")
@fixtures_option
@routines_option
@grants_option
@click.option("--train-baseline", "train", multiple=True, metavar="SOURCE",
              help="Also run the release train on this baseline (repeatable), e.g. the "
              "upstream dump.")
@click.option("--json", "json_path", metavar="FILE", default=None, help="Write the result "
              "as JSON.")
@click.option("--junit", metavar="FILE", default=None, help="Write JUnit XML: one test case "
              "per proposal and check.")
@click.option("--sarif", metavar="FILE", default=None, help="Write SARIF 2.1.0 for code "
              "scanning (findings on their YAML lines).")
@click.option("--markdown", metavar="FILE", default=None, help="Write a markdown summary for "
              "a pull-request comment.")
@click.option("--notices", is_flag=True, help="Print notices too (they are always in the "
              "report files).")
@handle_errors
def check_command(proposals: tuple[str, ...], baseline: str | None, db: str | None, no_db: bool,
                  ref: str | None, fixtures: tuple[str, ...], routines: str | None,
                  grants: str | None, train: tuple[str, ...], json_path: str | None,
                  junit: str | None, sarif: str | None, markdown: str | None,
                  notices: bool) -> None:
    """Validate, lint and verify PROPOSALs, files or ids (default: every proposal of the project, or
    with --changed-since those changed since REF).

    Exit code 0 when nothing is at error level, 1 when the gate fails, 2 for bad input or a
    broken environment (no MariaDB without --no-db, an unknown git ref).
    """
    from ..gate import GateInputs, GateResult, run_gate
    from ..gate.text import to_text
    from ..progress import Display

    project = optional_project() if proposals and baseline else find_project()
    selected = _selected(proposals, ref)
    chosen = {p.resolve() for p in selected}
    inputs = GateInputs(resolve_baseline(baseline),
                        impact=impact_index(baseline, routines, grants),
                        other_proposals=[p for p in project_proposals(required=False)
                                         if p.resolve() not in chosen],
                        train_baselines={src: src for src in train})
    gate = GateResult()
    if not selected:
        gate.notes.append("no proposals to check")
    else:
        with (contextlib.nullcontext() if no_db else open_db(db)) as server:
            if server is not None:
                inputs.server, inputs.fixtures = server, fixtures_for(fixtures, baseline)
            inputs.progress = Display(sys.stderr)
            try:
                gate = run_gate(selected, inputs)
            finally:
                inputs.progress.close()
    _write(gate, project.root if project else Path.cwd(),
           {"json": json_path, "junit": junit, "sarif": sarif, "markdown": markdown})
    click.echo(to_text(gate, notices), nl=False)
    if not gate.ok:
        sys.exit(EXIT_GATE_FAILED)
