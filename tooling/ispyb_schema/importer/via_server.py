# SPDX-License-Identifier: LGPL-3.0-or-later
"""``--via-server``: load a dump into a scratch MariaDB from the harness and import it live.

This reads any dump MariaDB itself accepts (routines, DELIMITER blocks, syntax the dump importer
does not map), at the price of a server: the harness's (``ISPYB_SCHEMA_DB_URL``, Docker or an
ephemeral ``mariadbd``). The scratch database is always dropped.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError, SourceLoc
from ..model import Schema

E_REFUSED = "E033"


def import_via_server(path: str | Path, server=None, text: str | None = None) -> Schema:
    """The schema the server holds after loading ``path`` (or ``text``) into an empty database."""
    from ..harness.server import provide_server

    if server is None:
        with provide_server() as own:
            return import_via_server(path, own, text)
    from ..harness.server import SqlScriptError, scratch_database
    from .live import import_connection

    if text is None and not Path(path).is_file():
        raise InputError.single(SourceLoc(str(path)), "no such dump file", E_REFUSED)
    with scratch_database(server, "ispyb_via_server") as name:
        try:
            server.load_sql(name, None if text is not None else path, text=text)
        except SqlScriptError as err:
            raise InputError.single(SourceLoc(str(path), err.line or 0),
                                    f"MariaDB refused the dump: {err.message}",
                                    E_REFUSED) from None
        with server.connect(name) as conn:
            return import_connection(conn, name)
