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


@pytest.fixture(scope="session", autouse=True)
def private_parse_cache(tmp_path_factory):
    """The parsed-dump cache of this session's processes (and the CLI processes tests start)
    lives in a temporary folder, not in the user's ~/.cache."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture(scope="session")
def releases(mariadb_server):
    """Upstream's release dumps (tests/history.py), each loaded by the server once a session."""
    from history import Releases

    return Releases(mariadb_server)
