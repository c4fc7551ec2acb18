# SPDX-License-Identifier: LGPL-3.0-or-later
"""pytest fixtures that give tests a real MariaDB (registered as the ``ispyb_schema`` pytest11 plugin).

* ``mariadb_server`` (session): one :class:`~ispyb_schema.harness.server.Server` for the whole run,
  started on first use (``ISPYB_SCHEMA_DB_URL``, else Docker, else an ephemeral local mariadbd).
* ``scratch_db`` (function): a :class:`ScratchDB` ``(name, conn)``, dropped after the test.

Tests using them are marked ``db``, so ``-m "not db"`` deselects them.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from typing import NamedTuple

import pymysql
import pytest

from .server import DB_URL_ENV, Server, provide_server, redact, scratch_database

_USED = pytest.StashKey[str]()


class ScratchDB(NamedTuple):
    """A scratch database and an autocommit connection to it."""

    name: str
    conn: pymysql.connections.Connection


@pytest.fixture(scope="session")
def mariadb_server(pytestconfig: pytest.Config) -> Iterator[Server]:
    with provide_server() as server:
        pytestconfig.stash[_USED] = server.describe()
        yield server


@pytest.fixture
def scratch_db(mariadb_server: Server) -> Iterator[ScratchDB]:
    with scratch_database(mariadb_server, "ispyb_test") as name:
        conn = mariadb_server.connect(name)
        try:
            yield ScratchDB(name, conn)
        finally:
            conn.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "db: needs a MariaDB server (the harness provides one)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "mariadb_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


def pytest_report_header() -> str:
    url = os.environ.get(DB_URL_ENV)
    engine = f" at {os.environ['DOCKER_HOST']}" if os.environ.get("DOCKER_HOST") else ""
    plan = f"{DB_URL_ENV}={redact(url)}" if url else f"Docker if an engine answers{engine}, else an ephemeral local mariadbd"
    return f"ispyb-schema MariaDB: {plan} (started on first use)"


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    used = config.stash.get(_USED, None)
    if used:
        terminalreporter.write_sep("-", "ispyb-schema MariaDB")
        terminalreporter.write_line(f"used {used}")
