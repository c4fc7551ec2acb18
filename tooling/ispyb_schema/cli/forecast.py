# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema forecast``: predict each forward statement's time and lock at production
size (see :mod:`ispyb_schema.forecast`)."""
from __future__ import annotations

import json
import time
from pathlib import Path

import click

from ..config import find_project, resolve_baseline
from ..errors import InputError
from .common import baseline_option, handle_errors
from .validate import project_proposals


def _scales(text: str) -> list[int]:
    try:
        scales = [int(s.replace("_", "")) for s in text.split(",") if s.strip()]
    except ValueError:
        raise InputError.single(None, f"--scales {text!r}: expected DataCollection row counts "
                                      "separated by commas, e.g. 10000,30000,100000") from None
    return scales


@click.command("forecast")
@click.argument("proposals", nargs=-1, type=click.Path(dir_okay=False, exists=True))
@baseline_option
@click.option("--rows", "rows", multiple=True, metavar="TABLE=N",
              help="A target size: rows of TABLE (N may end in k, M or G); repeat for several "
              "tables. Tables not named scale like DataCollection.")
@click.option("--db", "facility", metavar="URL", default=None,
              help="Read the target sizes from a facility's server: the row counts in "
              "information_schema.TABLES of the database in the URL (nothing else is read, "
              "nothing is written).")
@click.option("--scales", "scales", default="10000,30000,100000", show_default=True,
              metavar="N,N,N", help="DataCollection rows of the synthetic data the statements "
              "are timed at (three or more: the largest checks the fit).")
@click.option("--server", "server_choice", metavar="URL|docker|local", default=None,
              help="The scratch server to measure on (as verify's --db). Default: "
              "$ISPYB_SCHEMA_DB_URL, else Docker, else local.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="A table per proposal, or the forecast record as JSON.")
@click.option("--json", "json_path", metavar="FILE", default=None,
              help="Also write the record here (default: results/forecast-<time>.json in the "
              "project, which the review site shows).")
@handle_errors
def forecast_command(proposals, baseline, rows, facility, scales, server_choice, fmt,
                     json_path) -> None:
    """Forecast PROPOSAL files (default: every proposals/*.yaml) at production size.

    The forward scripts run at three scales of synthetic data; each statement's time is
    fitted to the rows it touches (the fit is checked on the largest scale, the holdout
    error), then predicted at the target sizes: --rows, --db, or 1 M, 10 M and 100 M
    DataCollection rows.
    """
    from ..baseline import load_schema
    from ..forecast import check_scales, forecast
    from ..forecast.report import text_report, write
    from ..forecast.targets import default_targets, parse_rows, read_facility
    from ..verify.inputs import default_fixtures
    from .verify import open_db

    if rows and facility:
        raise InputError.single(None, "give --rows or --db, not both")
    paths = [Path(p) for p in proposals] or project_proposals()
    chosen = check_scales(_scales(scales))
    source = resolve_baseline(baseline)
    base = load_schema(source)
    if rows:
        targets = [parse_rows(rows, base)]
    elif facility:
        targets = [read_facility(facility)]
    else:
        targets = default_targets()
    fixtures, _ = default_fixtures(baseline)
    with open_db(server_choice) as server:
        click.echo(f"server: {server.describe()}", err=True)
        data = forecast(paths, source, fixtures, server, chosen, targets, base=base,
                        say=lambda line: click.echo(line, err=True))
    out = Path(json_path) if json_path else _record_path()
    if out:
        write(data, out)
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
    else:
        for line in text_report(data):
            click.echo(line)
    if out:
        click.echo(f"record: {out}", err=True)


def _record_path() -> Path | None:
    try:
        root = find_project().root
    except InputError:
        return None
    return root / "results" / time.strftime("forecast-%Y%m%dT%H%M%SZ.json", time.gmtime())
