# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema build``: the main job — validate every proposal, write its SQL, build the
review site."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..config import find_project, resolve_baseline
from ..site.build import build_docs
from ..site.publish import SiteBuildFailed, collect, run_mkdocs
from ..site.viewmodel import SiteModel
from .common import EXIT_GATE_FAILED, baseline_option, handle_errors


def write_sql(model: SiteModel, folder: Path) -> list[Path]:
    """Each proposal's forward, rollback and upstream-format scripts, in dependency order."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.sql"):
        stale.unlink()
    written = []
    for number, page in enumerate(model.proposals, start=1):
        scripts = {f"{number:02d}_{page.id}.forward.sql": page.forward_sql,
                   f"{number:02d}_{page.id}.rollback.sql": page.rollback_sql,
                   page.upstream_name: page.upstream_sql}
        for name, text in scripts.items():
            (folder / name).write_text(text, encoding="utf-8")
            written.append(folder / name)
    return written


@click.command("build")
@baseline_option
@click.option("--sql-dir", type=click.Path(file_okay=False), default=None,
              help="Where to write the SQL scripts. Default: build/sql in the project.")
@handle_errors
def build_command(baseline: str | None, sql_dir: str | None) -> None:
    """Validate every proposal, write its SQL and build the review site (site/site/)."""
    project = find_project()
    model = collect(project, resolve_baseline(baseline))  # validates: exit 2 on any error
    folder = Path(sql_dir) if sql_dir else project.root / "build" / "sql"
    scripts = write_sql(model, folder)
    build_docs(model, project.site / "docs")
    try:
        out = run_mkdocs(project.site)
    except SiteBuildFailed as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(EXIT_GATE_FAILED)
    click.echo(f"{len(model.proposals)} proposals valid against {model.baseline_label}", err=True)
    click.echo(f"{len(scripts)} SQL scripts in {folder}", err=True)
    click.echo(f"review site: {out / 'index.html'}", err=True)
