# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema propose --from-sql SCRIPT… --baseline OLD``: hand-written update scripts into
proposals, one per script, each depending on the one before."""
from __future__ import annotations

from pathlib import Path

import click

from .common import baseline_option, handle_errors


@click.command("propose")
@click.option("--from-sql", "from_sql", is_flag=True, required=True,
              help="Convert the SCRIPTs (upstream's schemas/ispyb/updates/*.sql style), in the "
              "order given.")
@click.argument("scripts", nargs=-1, required=True, type=click.Path(dir_okay=False))
@baseline_option
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder for the proposals (default: the project's proposals folder).")
@click.option("--force", is_flag=True, help="Replace proposals that already exist there.")
@click.option("--database-charset", default="latin1", show_default=True,
              help="What a CREATE TABLE without a character set gets, as on the server the "
              "scripts were written for (MariaDB's own default is latin1).")
@handle_errors
def propose_command(from_sql: bool, scripts: tuple[str, ...], baseline: str | None,
                    out_dir: str | None, force: bool, database_charset: str) -> None:
    """Run each SCRIPT on a scratch MariaDB loaded with the baseline (and the scripts before
    it) and write the proposal that does what it did. Nothing is written if one fails."""
    from ..baseline import load_schema
    from ..config import find_project, resolve_baseline
    from ..errors import InputError, SourceLoc
    from ..harness.server import SqlScriptError, provide_server, scratch_database
    from ..propose.from_sql import convert_script, set_database_charset
    from ..propose.writer import render, write_atomic
    from ..render.ddl import schema_ddl

    source = resolve_baseline(baseline)
    target = Path(out_dir) if out_dir else find_project().proposals
    paths = [Path(s) for s in scripts]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise InputError.single(SourceLoc(str(missing[0])), "no such script file", "E042")
    existing = [target / f"{p.stem}.yaml" for p in paths if (target / f"{p.stem}.yaml").exists()]
    if existing and not force:
        raise InputError.single(SourceLoc(str(existing[0])), "already exists; pass --force "
                                "to replace it", "E042")
    dump = Path(source).suffix.lower() == ".sql" and Path(source).is_file()
    model = None if dump else load_schema(source)
    written = []
    with provide_server() as server, scratch_database(server, "ispyb_propose") as database:
        try:
            if dump:
                server.load_sql(database, Path(source))
            else:
                server.load_sql(database, text=schema_ddl(model))
        except SqlScriptError as err:
            raise InputError.single(SourceLoc(source, err.line or 0), "the baseline does not "
                                    f"load: {err.message}", "E042") from None
        with server.connect(database) as conn:
            set_database_charset(conn, database, database_charset)
            previous: list[str] = []
            for path in paths:
                converted = convert_script(path, conn, database, previous[-1:])
                written.append((target / f"{converted.proposal.id}.yaml",
                                render(converted.proposal), converted))
                previous.append(converted.proposal.id)
    for out, text, converted in written:
        write_atomic(out, text)
        click.echo(f"{converted.script.name}: {len(converted.proposal.steps)} steps -> {out}",
                   err=True)
