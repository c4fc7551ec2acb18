# SPDX-License-Identifier: LGPL-3.0-or-later
"""The MariaDB fixtures (mariadb_server, scratch_db) come from the ispyb_schema pytest plugin."""
pytest_plugins = ["pytester"]

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def galera_server():
    """A 3-node Galera cluster started once per test session (tests using it are slow)."""
    from ispyb_schema.harness.galera import open_galera

    server = open_galera()
    try:
        yield server
    finally:
        server.close()
