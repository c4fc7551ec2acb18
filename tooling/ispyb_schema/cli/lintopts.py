# SPDX-License-Identifier: LGPL-3.0-or-later
"""Options ``lint``, ``impact`` and ``check`` share: the database for data checks, fixture
data, routine and grant dumps, and writing report files."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

import click

from ..config import baseline_routines
from ..errors import InputError

fixtures_option = click.option(
    "--fixtures", "fixtures", multiple=True, type=click.Path(exists=True),
    help="Fixture data for the data checks (repeatable, loaded in order). Default: the "
    "baseline's fixtures as verify finds them.")
routines_option = click.option(
    "--routines", type=click.Path(dir_okay=False, exists=True), default=None,
    help="A dump of views, stored routines and triggers (mariadb-dump --routines --triggers "
    "--no-data) to check for uses of what the proposal changes. Default: the baseline's own "
    "([tool.ispyb-schema] routines, or routines.sql beside a dump baseline).")
grants_option = click.option(
    "--grants", type=click.Path(exists=True), default=None,
    help="GRANT statements to check likewise: SHOW GRANTS output or role files (CREATE ROLE, "
    "GRANT … TO role), a file or a folder of *.sql. Default: the baseline's own "
    "([tool.ispyb-schema] grants, or grants/ beside a dump baseline).")


@contextlib.contextmanager
def data_server(db: str | None, no_db: bool):
    """The server for data checks: ``--db URL|local|docker``, else $ISPYB_SCHEMA_DB_URL, else
    none (also with ``--db none`` or ``--no-db``)."""
    from ..harness.server import DB_URL_ENV, provide_server

    db = None if no_db else (db or os.environ.get(DB_URL_ENV))
    if db in (None, "none"):
        yield None
    elif db in ("local", "docker"):
        with provide_server(prefer=db) as server:
            yield server
    elif "://" in db:
        with provide_server(db, prefer="url") as server:
            yield server
    else:
        raise InputError.single(None, f"--db {db!r}: expected a mysql:// URL, 'local', "
                                      "'docker' or 'none'")


def fixtures_for(explicit: tuple[str, ...], baseline: str | None) -> list[Path]:
    """``--fixtures``, else the baseline's fixtures as verify finds them (none without it)."""
    if explicit:
        return [Path(p) for p in explicit]
    from ..verify.inputs import default_fixtures  # verify's stack, only when it is needed

    return default_fixtures(baseline)[0]


def impact_index(baseline: str | None, routines: str | None, grants: str | None,
                 live: str | None = None) -> ImpactIndex | None:
    """The objects to check for impact: ``--routines``/``--grants``, else the baseline's own
    (see :func:`~ispyb_schema.config.baseline_routines`), plus a live server's; None when
    there is none of them."""
    routines_path, grants_path = baseline_routines(baseline, routines, grants)
    if not (routines_path or grants_path or live):
        return None
    from ..lint.impact import ImpactIndex
    from ..lint.sources import read_grants, read_live, read_routines

    objects = read_routines(routines_path) if routines_path else []
    if routines_path and not objects:
        click.echo(f"warning: {routines_path} holds no view, routine, trigger or event; "
                   "expected the output of `mariadb-dump --no-data --routines --triggers DB`",
                   err=True)
    granted = read_grants(grants_path) if grants_path else []
    if live:
        more_objects, more_grants = read_live(live)
        objects, granted = objects + more_objects, granted + more_grants
    return ImpactIndex(objects, granted,
                       tuple(str(p) for p in (routines_path, grants_path) if p) +
                       (("the live database",) if live else ()))


def write_atomically(path: str, text: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(target)
