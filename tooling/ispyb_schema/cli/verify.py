# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema verify``: prove proposals on a real MariaDB (see :mod:`ispyb_schema.verify`)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import click

from ..config import find_project, resolve_baseline
from ..errors import InputError
from .common import EXIT_GATE_FAILED, PROPOSAL, baseline_option, handle_errors, project_proposals

if TYPE_CHECKING:
    from ..harness.server import Server

EXIT_INTERRUPTED = 130

db_option = click.option(
    "--db", "db", metavar="URL|docker|local|galera", default=None,
    help="The MariaDB server to use: a mysql://user:pass@host:port/ URL (verify creates its "
    "own scratch databases there and touches no other), 'docker' or 'local' (an ephemeral "
    "mariadbd), 'galera' (a 3-node Galera cluster started here) or a "
    "galera://user:pass@h1:p1,h2:p2,h3:p3 URL (an existing cluster). "
    "Default: $ISPYB_SCHEMA_DB_URL, else Docker, else local.")


def open_db(db: str | None):
    """The harness's server for ``--db``."""
    from ..harness.server import KINDS, provide_server, redact

    if db in (*KINDS[1:], "galera"):
        return provide_server(prefer=db)
    if db and db.startswith("galera://"):
        return provide_server(db)
    if db and "://" in db:
        if urlsplit(db).path.strip("/"):
            click.echo(f"note: --db names a server; verify ignores the database in {redact(db)} "
                       "and creates its own scratch databases", err=True)
        return provide_server(db, prefer="url")
    if db:
        raise InputError.single(None, f"--db {db!r}: expected a mysql:// or galera:// URL, "
                                      "'docker', 'local' or 'galera'")
    return provide_server()


def record_path(json_path: str | None, started: str) -> Path | None:
    if json_path:
        return Path(json_path)
    try:
        root = find_project().root
    except InputError:
        return None
    stamp = started.replace("-", "").replace(":", "").replace("+0000", "Z")
    return root / "results" / f"verify-{stamp}.json"


def _connect_hint(server: Server, database: str) -> str:
    return (f"mariadb --host {server.host} --port {server.port} --user {server.user}"
            + (" --password" if server.password else "") + f" {database}")


@click.command("verify")
@click.argument("proposals", nargs=-1, type=PROPOSAL)
@baseline_option
@click.option("--fixtures", "fixtures", multiple=True, type=click.Path(exists=True),
              help="Fixture data to load after the baseline: .sql files, the project's "
              "fixture .yaml files or folders of them; repeat to load several, in order. "
              "Default: [tool.ispyb-schema] fixtures for the default baseline; lookups.sql and "
              "data.sql when they sit beside a dump baseline (the upstream layout).")
@db_option
@click.option("--keep", is_flag=True, help="Keep the scratch databases for inspection (their "
              "names and how to connect are printed).")
@click.option("--no-together", is_flag=True, help="Skip the run of all proposals applied "
              "together in dependency order.")
@click.option("--json", "json_path", metavar="FILE", default=None,
              help="Write the verification record here (default: results/verify-<time>.json "
              "in the project).")
@click.option("--online", is_flag=True, help="Rehearse the online plan instead (plan "
              "--online): on synthetic data of --scale DataCollection rows, each qualifying "
              "ALTER runs with pt-online-schema-change while a writer inserts into its table; "
              "the schema must match the model and no write may fail or be lost.")
@click.option("--scale", type=click.IntRange(min=1), default=100_000, show_default=True,
              help="With --online: DataCollection rows of the synthetic data.")
@handle_errors
def verify_command(proposals, baseline, fixtures, db, keep, no_together, json_path, online,
                   scale) -> None:
    """Verify PROPOSALs, files or ids (default: every proposals/*.yaml) on a real MariaDB.

    Each proposal runs in a fresh scratch database loaded with the baseline and fixture data:
    forward script, schema compared with the model, data checks and assertions, rollback,
    schema and data compared with the baseline again. Exit code 1 if any run fails.
    """
    from ..harness.server import redact
    from ..verify import verify_proposals
    from ..verify.inputs import default_fixtures
    from ..progress import Display
    from ..verify.summary import summary_lines

    paths = [Path(p) for p in proposals] or project_proposals()
    if not paths:
        click.echo("no proposals to verify", err=True)
        return
    source = resolve_baseline(baseline)
    chosen, origin = ([Path(f) for f in fixtures], "--fixtures") if fixtures else \
        default_fixtures(baseline)
    click.echo(f"baseline: {redact(source)}", err=True)
    click.echo(f"fixtures: {', '.join(map(str, chosen)) or 'none'} ({origin})", err=True)
    if online:
        _rehearse_online(paths, source, chosen, db, scale, json_path)
        return
    progress = Display(sys.stderr)
    try:  # Ctrl-C while a server or a cluster starts too: what had started is stopped
        with open_db(db) as server:
            click.echo(f"server: {server.describe()}", err=True)
            try:
                report = verify_proposals(paths, source, chosen, server, keep=keep,
                                          together=not no_together, progress=progress)
            except KeyboardInterrupt:
                progress.close()
                click.echo("interrupted: the scratch databases were dropped", err=True)
                sys.exit(EXIT_INTERRUPTED)
            progress.close()
            for line in summary_lines(report):
                click.echo(line)
            record = record_path(json_path, report.started)
            if record:
                report.write(record)
                click.echo(f"record: {record}")
            kept = [r.database for r in report.runs if r.database]
            if kept:
                click.echo("kept: " + "; ".join(_connect_hint(server, d) for d in kept))
                started_here = server.kind in ("docker", "local") or \
                    getattr(server, "cluster", None) is not None  # a Galera cluster of ours
                if started_here and sys.stdin.isatty():
                    click.prompt("the server stops when this command ends; press Enter to "
                                 "stop it", default="", show_default=False)
    except KeyboardInterrupt:
        click.echo("interrupted: the servers started for it were stopped", err=True)
        sys.exit(EXIT_INTERRUPTED)
    if not report.ok:
        sys.exit(EXIT_GATE_FAILED)


def _rehearse_online(paths, source, fixtures, db, scale, json_path) -> None:
    import json

    from ..online.rehearse import find_tool
    from ..online.run import rehearse_files

    find_tool()  # before any server starts
    with open_db(db) as server:
        click.echo(f"server: {server.describe()}", err=True)
        results = rehearse_files(paths, source, fixtures, server, scale,
                                 say=lambda line: click.echo(line, err=True))
    for r in results:
        online = r.online
        click.echo(f"{'ok    ' if r.ok else 'FAILED'} {r.proposal}: {len(online)} ALTER(s) "
                   f"online at {r.database_rows:,} DataCollection rows" + "".join(
                       f"; {s['table']} {s['seconds']:.1f} s, {s['writes']} concurrent writes, "
                       f"{s['failed_writes']} failed ({s['deadlock_retries']} deadlocks "
                       "retried), longest write stall "
                       f"{s['longest_write_stall_seconds']:.2f} s" for s in online))
        for line in r.problems + [f"schema: {d}" for d in r.differences]:
            click.echo(f"  {line}")
        for note in r.notes:
            click.echo(f"  note: {note}")
    if json_path:
        Path(json_path).write_text(json.dumps([vars(r) for r in results], indent=2) + "\n",
                                   encoding="utf-8")
        click.echo(f"record: {json_path}")
    if not all(r.ok for r in results):
        sys.exit(EXIT_GATE_FAILED)
