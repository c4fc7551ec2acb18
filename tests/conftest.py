# SPDX-License-Identifier: LGPL-3.0-or-later
"""The MariaDB fixtures (mariadb_server, scratch_db) come from the ispyb_schema pytest plugin;
``galera_server`` is this repository's 3-node Galera cluster, started once per session."""
import os

import pytest

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def galera_server():
    """A 3-node Galera cluster started once per test session (tests using it are slow);
    after it is closed, none of its nodes may still run."""
    from ispyb_schema.harness.galera import open_galera

    server = open_galera()
    try:
        yield server
    finally:
        pids = server.cluster.pids
        server.close()
        left = [p for p in pids if _running(p)]
        assert not left, f"Galera nodes still running after the cluster was closed: {left}"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
