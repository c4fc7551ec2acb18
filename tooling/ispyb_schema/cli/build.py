# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema build``: the main job — validate every proposal, write its SQL, verify it on
MariaDB, build the review site."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..config import find_project, resolve_baseline
from .common import (
    EXIT_GATE_FAILED,
    baseline_option,
    handle_errors,
    project_proposals,
    shown_path,
)
from .verify import db_option, open_db, record_path

if TYPE_CHECKING:
    from ..site.viewmodel import SiteModel
    from ..progress import Display


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


def verify_all(baseline: str | None, db: str | None, progress: Display,
               written: list[Path]) -> dict | None:
    """Verify every proposal of the project; the record, also written to results/."""
    from ..verify import verify_proposals
    from ..verify.inputs import default_fixtures

    paths = project_proposals()
    if not paths:
        return None
    fixtures, _ = default_fixtures(baseline)
    with open_db(db) as server:
        progress.phase("verify", f"{len(paths)} proposals on {server.describe()}")
        report = verify_proposals(paths, resolve_baseline(baseline), fixtures, server,
                                  progress=progress)
    record = record_path(None, report.started)
    report.write(record)
    written.append(record)
    return report.to_dict()


@click.command("build")
@baseline_option
@db_option
@click.option("--no-db", is_flag=True, help="Skip verification (no MariaDB needed); the site "
              "shows the newest verification record made against this baseline, if any.")
@click.option("--sql-dir", type=click.Path(file_okay=False), default=None,
              help="Where to write the SQL scripts. Default: build/sql in the project.")
@handle_errors
def build_command(baseline: str | None, db: str | None, no_db: bool,
                  sql_dir: str | None) -> None:
    """Validate every proposal, write its SQL, verify it and build the review site.

    Exit 2 if a proposal does not validate (nothing is written), 1 if one fails verification
    or the site does not build strictly (the site still shows the failure).
    """
    from ..site.build import GENERATED, build_docs
    from ..site.publish import SiteBuildFailed, collect, run_mkdocs
    from ..progress import Display

    project = find_project()
    source = resolve_baseline(baseline)
    written: list[Path] = []
    progress = Display(sys.stderr)
    try:
        # verify validates first: exit 2 and nothing written if a proposal does not validate
        record = None if no_db else verify_all(baseline, db, progress, written)
        progress.phase("validate", "validating, planning and linting the proposals")
        model = collect(project, source, record)
        progress.phase("validate", f"{len(model.proposals)} proposals valid against "
                       f"{model.baseline_label}", done=True)
        folder = Path(sql_dir) if sql_dir else project.root / "build" / "sql"
        progress.phase("site", "writing the SQL scripts and pages")
        scripts = write_sql(model, folder)
        changed = build_docs(model, project.site / "docs")
        progress.phase("site", "mkdocs build")
        try:
            out = run_mkdocs(project.site)
        except SiteBuildFailed as err:
            progress.close()
            click.echo(f"error: {err}", err=True)
            sys.exit(EXIT_GATE_FAILED)
        progress.phase("site", "built", done=True)
    finally:
        progress.close()
    click.echo("written:", err=True)
    for path in [*written, *scripts]:
        click.echo(f"  {shown_path(path)}", err=True)
    click.echo(f"  {shown_path(project.site / 'docs' / GENERATED)}/ (the generated pages; "
               f"{changed} changed)", err=True)
    click.echo(f"review site: {shown_path(out / 'index.html')}", err=True)
    if record is not None and not record["ok"]:
        click.echo("verification failed: see the proposals' pages", err=True)
        sys.exit(EXIT_GATE_FAILED)
