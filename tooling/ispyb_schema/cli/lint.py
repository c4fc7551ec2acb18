# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema lint``: what each proposal risks, rule by rule."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import InputError
from .common import (
    EXIT_GATE_FAILED,
    PROPOSAL,
    baseline_option,
    handle_errors,
    load_baseline,
    project_proposals,
)
from .lintopts import (
    data_server,
    fixtures_for,
    fixtures_option,
    grants_option,
    impact_index,
    routines_option,
)


@click.command("lint")
@click.argument("proposals", nargs=-1, type=PROPOSAL)
@baseline_option
@click.option("--db", "db", metavar="URL|local|docker|none", default=None,
              help="A MariaDB for the data checks (the fixture data is loaded into scratch "
              "databases). Default: $ISPYB_SCHEMA_DB_URL if set, else none.")
@click.option("--no-db", is_flag=True, help="No data checks, even if $ISPYB_SCHEMA_DB_URL is "
              "set.")
@fixtures_option
@routines_option
@grants_option
@click.option("--format", "style", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: one finding per line (file:line:col: "
              "severity[CODE]: message); json: the whole report, suppressed findings included.")
@click.option("--show-suppressed", is_flag=True, help="List the findings a lint-ignore "
              "suppresses (labelled suppressed[CODE], with the reason); by default they are "
              "only counted.")
@handle_errors
def lint_command(proposals: tuple[str, ...], baseline: str | None, db: str | None,
                 no_db: bool, fixtures: tuple[str, ...], routines: str | None,
                 grants: str | None, style: str, show_suppressed: bool) -> None:
    """Lint PROPOSALs, files or ids (default: every proposals/*.yaml of the project).

    Findings are printed as file:line:col: severity[CODE]: message; exit code 1 if any is an
    error (not suppressed), 2 if a proposal does not validate.
    """
    from ..changeset.validate import validate
    from ..lint import lint_proposals
    from ..lint.conflicts import Portfolio
    from ..lint.probe import DataSource

    paths = [Path(p) for p in proposals] or project_proposals()
    model = load_baseline(baseline)
    others = [p for p in project_proposals(required=False)
              if p.resolve() not in {q.resolve() for q in paths}]
    validation = validate(paths + others, model)
    wanted = {p.resolve() for p in paths}
    mine = [pid for pid, p in validation.proposals.items() if Path(p.file).resolve() in wanted]
    problems = [d for d in validation.sorted_diagnostics()
                if d.loc is None or Path(d.loc.file).resolve() in wanted]
    if problems:
        raise InputError(problems)
    with data_server(db, no_db) as server:
        data = DataSource(server, model, fixtures_for(fixtures, baseline)) \
            if server else None
        report = lint_proposals(validation, mine, data=data,
                                impact=impact_index(baseline, routines, grants),
                                portfolio=Portfolio(validation, {"the baseline": model}))
    if style == "json":
        click.echo(json.dumps(report.to_dict(), indent=1))
    else:
        for finding in report.findings:
            if show_suppressed or not finding.suppressed:
                click.echo(str(finding))
        counts = {s: sum(f.severity == s and not f.suppressed for f in report.findings)
                  for s in ("error", "warning", "notice")}
        suppressed = sum(bool(f.suppressed) for f in report.findings)
        hidden = "" if show_suppressed or not suppressed else " (--show-suppressed lists them)"
        click.echo(f"{len(report.results)} proposal{'s' if len(report.results) != 1 else ''}: "
                   f"{counts['error']} errors, {counts['warning']} warnings, "
                   f"{counts['notice']} notices, {suppressed} suppressed{hidden}", err=True)
    if not report.ok:
        sys.exit(EXIT_GATE_FAILED)
