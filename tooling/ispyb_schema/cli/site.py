# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema site build|serve``: the review site for the web meetings."""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from ..config import find_project, resolve_baseline
from .common import EXIT_GATE_FAILED, baseline_option, handle_errors


@click.group("site")
def site() -> None:
    """Build or preview the review site (mkdocs, under site/)."""


@site.command("build")
@baseline_option
@click.option("--strict/--no-strict", default=True, show_default=True,
              help="Fail on any mkdocs warning, e.g. a broken link.")
@handle_errors
def build_command(baseline: str | None, strict: bool) -> None:
    """Generate the pages from the proposals and build the site into site/site/."""
    from ..site.publish import SiteBuildFailed, build_site

    project = find_project()
    try:
        out = build_site(project, resolve_baseline(baseline), strict)
    except SiteBuildFailed as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(EXIT_GATE_FAILED)
    click.echo(f"review site built: {out / 'index.html'}", err=True)


@site.command("serve")
@baseline_option
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True, metavar="IP:PORT",
              help="Where to serve the live preview.")
@handle_errors
def serve_command(baseline: str | None, dev_addr: str) -> None:
    """Live preview: regenerated and rebuilt when a proposal or a page changes."""
    from mkdocs.commands.serve import serve

    from ..site import livehook
    from ..site.publish import CONFIG

    project = find_project()
    os.environ[livehook.BASELINE_ENV] = resolve_baseline(baseline)
    log = logging.StreamHandler()
    log.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    logging.getLogger("mkdocs").addHandler(log)
    logging.getLogger("mkdocs").setLevel(logging.INFO)
    serve(config_file=str(project.site / CONFIG), dev_addr=dev_addr,
          hooks=[str(Path(livehook.__file__))], watch=[str(project.proposals)])
