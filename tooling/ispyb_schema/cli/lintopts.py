# SPDX-License-Identifier: LGPL-3.0-or-later
"""Options ``lint``, ``impact`` and ``check`` share: the database for data checks, fixture
data, routine and grant dumps, and writing report files."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import InputError

if TYPE_CHECKING:
    from ..lint.impact import ImpactIndex

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
    """The objects to check for impact: ``--routines``/``--grants``, else the baseline's own,
    plus a live server's; None when there is none of them."""
    from ..lint.impact import baseline_index

    index = baseline_index(baseline, routines, grants, live)
    if routines and index is not None and not index.objects:
        click.echo(f"warning: {routines} holds no view, routine, trigger or event; expected "
                   "the output of `mariadb-dump --no-data --routines --triggers DB`", err=True)
    return index


def write_atomically(path: str, text: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(target)
