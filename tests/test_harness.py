# SPDX-License-Identifier: LGPL-3.0-or-later
"""The MariaDB harness against real servers: the session server, plus ephemeral ones where needed."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ispyb_schema.errors import EnvironmentProblem
from ispyb_schema.harness import local
from ispyb_schema.harness.server import (
    NotOurDatabase,
    SqlScriptError,
    open_server,
    parse_url,
    provide_server,
    scratch_database,
)

UPSTREAM = Path(__file__).resolve().parents[1].parent / "shared" / "ispyb-database"


@pytest.fixture
def local_binaries():
    try:
        local.find_binaries()
    except EnvironmentProblem as exc:
        pytest.skip(str(exc))


def schemas(server) -> set[str]:
    with server.connect() as conn, conn.cursor() as cursor:
        cursor.execute("SHOW DATABASES")
        return {row[0] for row in cursor.fetchall()}


def table_count(server, database: str) -> int:
    with server.connect() as conn, conn.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", (database,))
        return cursor.fetchone()[0]


def test_server_answers_version(mariadb_server):
    with mariadb_server.connect() as conn, conn.cursor() as cursor:
        cursor.execute("SELECT VERSION()")
        assert cursor.fetchone()[0] == mariadb_server.version
    assert mariadb_server.version in mariadb_server.describe()
    assert f"{mariadb_server.host}:{mariadb_server.port}" in mariadb_server.describe()
    server = mariadb_server
    assert server.url == f"mysql://{server.user}:{server.password}@{server.host}:{server.port}/"


def test_scratch_database_is_created_utf8mb4_and_dropped(mariadb_server):
    name = mariadb_server.create_scratch_database("harness_t")
    with mariadb_server.connect() as conn, conn.cursor() as cursor:
        cursor.execute("SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s",
                       (name,))
        assert cursor.fetchone() == ("utf8mb4",)
    mariadb_server.drop_scratch_database(name)
    assert name not in schemas(mariadb_server)


def test_refuses_to_drop_a_database_it_did_not_create(mariadb_server):
    foreign = f"harness_foreign_{secrets.token_hex(4)}"
    with mariadb_server.connect() as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{foreign}`")
        try:
            with pytest.raises(NotOurDatabase, match=foreign):
                mariadb_server.drop_scratch_database(foreign)
            assert foreign in schemas(mariadb_server)
        finally:
            cursor.execute(f"DROP DATABASE `{foreign}`")


def test_scratch_names_never_collide(mariadb_server):
    names = [mariadb_server.create_scratch_database("harness_t") for _ in range(10)]
    try:
        assert len(set(names)) == 10
        assert all(name.startswith(f"harness_t_{os.getpid()}_") for name in names)
    finally:
        for name in names:
            mariadb_server.drop_scratch_database(name)


def test_scratch_database_context_manager_always_drops(mariadb_server):
    with pytest.raises(RuntimeError), scratch_database(mariadb_server, "harness_t") as name:
        assert name in schemas(mariadb_server)
        raise RuntimeError("test body failed")
    assert name not in schemas(mariadb_server)


def test_scratch_db_fixture(scratch_db):
    name, conn = scratch_db
    with conn.cursor() as cursor:
        cursor.execute("SELECT DATABASE(), @@character_set_client, @@autocommit")
        assert cursor.fetchone() == (name, "utf8mb4", 1)


@pytest.mark.slow
@pytest.mark.upstream
@pytest.mark.parametrize("via", ["client", "pymysql"])
def test_load_sql_loads_upstream_tables(mariadb_server, via):
    tables_sql = UPSTREAM / "tables.sql"
    if not tables_sql.is_file():
        pytest.skip(f"{tables_sql} is absent")
    with scratch_database(mariadb_server, "harness_t") as name:
        mariadb_server.load_sql(name, tables_sql, via=via)
        assert table_count(mariadb_server, name) == 203


@pytest.mark.parametrize("via", ["client", "pymysql"])
def test_failing_script_reports_its_line(scratch_db, mariadb_server, tmp_path, via):
    script = tmp_path / "broken.sql"
    script.write_text("/*!40101 SET NAMES utf8 */;\n-- a comment; with a semicolon\nCREATE TABLE t (x int);\n\n"
                      "INSERT INTO t VALUES\n  (1),\n  (no_such_column);\n")
    with pytest.raises(SqlScriptError) as failed:
        mariadb_server.load_sql(scratch_db.name, script, via=via)
    assert failed.value.line == 5
    assert f"{script}:5:" in str(failed.value) and "no_such_column" in str(failed.value)
    assert table_count(mariadb_server, scratch_db.name) == 1


def test_load_sql_accepts_text(scratch_db, mariadb_server):
    mariadb_server.load_sql(scratch_db.name, text="CREATE TABLE a (x int); CREATE TABLE b (y int);")
    assert table_count(mariadb_server, scratch_db.name) == 2


def test_url_from_environment_is_chosen_first(mariadb_server, monkeypatch):
    url = mariadb_server.url.replace("mysql://", "mariadb://") + "some_database"
    monkeypatch.setenv("ISPYB_SCHEMA_DB_URL", url)
    with provide_server() as server:
        assert (server.kind, server.host, server.port) == ("url", mariadb_server.host, mariadb_server.port)
        assert "from ISPYB_SCHEMA_DB_URL" in server.describe()
        name = server.create_scratch_database("harness_t")
    # Closing dropped its scratch database but did not stop a server it did not start.
    assert name not in schemas(mariadb_server)


def test_unreachable_url_fails_without_fallback(monkeypatch, local_binaries):
    monkeypatch.setenv("ISPYB_SCHEMA_DB_URL", "mysql://nobody:secret@127.0.0.1:1/")
    with pytest.raises(EnvironmentProblem, match=r"cannot connect to mysql://nobody:\*\*\*@127.0.0.1:1/"):
        open_server()


def test_preferred_local_server_is_removed_after_close(mariadb_server, monkeypatch, local_binaries):
    monkeypatch.setenv("ISPYB_SCHEMA_DB_URL", mariadb_server.url)
    started = time.monotonic()
    with provide_server(prefer="local") as server:
        startup = time.monotonic() - started
        assert server.kind == "local" and server.local.datadir.is_dir()
        assert server.describe().startswith(f"ephemeral mariadbd {server.version} on 127.0.0.1:{server.port} (datadir ")
        assert server.port != 3306
        root, process = server.local.root, server.local.process
    assert startup < 10
    assert not root.exists()
    assert process.poll() is not None


def test_no_server_possible_says_what_was_tried(monkeypatch, tmp_path):
    monkeypatch.delenv("ISPYB_SCHEMA_DB_URL", raising=False)
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-docker.sock")
    monkeypatch.setattr(local, "_SEARCH_PATH", str(tmp_path))  # a machine without mariadb-server
    with pytest.raises(EnvironmentProblem) as failed:
        open_server()
    message = str(failed.value)
    for expected in ["ISPYB_SCHEMA_DB_URL is not set", "no Docker engine answered",
                     "mariadbd and mariadb-install-db not found",
                     "set ISPYB_SCHEMA_DB_URL=", "start a Docker engine", "install mariadb-server"]:
        assert expected in message


@pytest.mark.parametrize(
    "url, expected",
    [
        ("mysql://u:p%40ss@db.example:3307/", ("db.example", 3307, "u", "p@ss")),
        ("mariadb://u:p@h:1234/ispyb", ("h", 1234, "u", "p")),
        ("mysql://u@h/", ("h", 3306, "u", "")),
    ],
)
def test_parse_url(url, expected):
    assert parse_url(url) == expected


def test_parse_url_rejects_other_schemes():
    with pytest.raises(EnvironmentProblem, match="postgresql://u:\\*\\*\\*@h/"):
        parse_url("postgresql://u:secret@h/")


CHILD = """
import json, sys, time
from ispyb_schema.harness.server import provide_server
with provide_server(prefer="local") as server:
    print(json.dumps({"pid": server.local.pid, "root": str(server.local.root)}), flush=True)
    time.sleep(120)
"""


def process_is_gone(pid: int, timeout: float = 10.0) -> bool:
    """True once *pid* no longer runs (a zombie awaiting its reaper counts as gone)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and PDEATHSIG")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=lambda s: s.name)
def test_server_dies_with_its_process(signum, local_binaries):
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first_line = child.stdout.readline()
    if not first_line:
        pytest.fail(f"the child did not start a server:\n{child.communicate()[1]}")
    started = json.loads(first_line)
    try:
        child.send_signal(signum)
        child.wait(timeout=60)  # a clean stop of mariadbd takes longer on a loaded machine
        assert process_is_gone(started["pid"]), "mariadbd outlived the process that started it"
        if signum != signal.SIGKILL:  # SIGKILL gives no chance to remove files; PDEATHSIG still stops mariadbd
            assert not Path(started["root"]).exists()
    finally:
        child.kill()
        child.communicate()
        shutil.rmtree(started["root"], ignore_errors=True)


def test_plugin_fixtures_work_in_a_users_test_suite(pytester, mariadb_server, monkeypatch):
    monkeypatch.setenv("ISPYB_SCHEMA_DB_URL", mariadb_server.url)
    pytester.makepyfile(
        """
        def test_uses_scratch_db(scratch_db):
            with scratch_db.conn.cursor() as cursor:
                cursor.execute("CREATE TABLE t (x int)")
        """
    )
    result = pytester.runpytest("-m", "db")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["ispyb-schema MariaDB: ISPYB_SCHEMA_DB_URL=mysql://root:***@127.0.0.1:*",
                                 "used MariaDB server * (user root, from ISPYB_SCHEMA_DB_URL)"])


def test_ephemeral_servers_start_side_by_side():
    """Parallel installs once collided on files in /tmp; each server keeps its own tmpdir."""
    from concurrent.futures import ThreadPoolExecutor

    def start_and_stop(_):
        server = open_server(prefer="local")
        try:
            return server.kind, server.local.root.exists()
        finally:
            server.close()

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(start_and_stop, range(4))) == [("local", True)] * 4


def test_a_kept_scratch_database_outlives_the_cleanup(mariadb_server):
    name = mariadb_server.create_scratch_database("kept")
    try:
        mariadb_server.keep_scratch_database(name)
        mariadb_server.drop_all_scratch()
        with mariadb_server.connect() as conn, conn.cursor() as cur:
            cur.execute("SHOW DATABASES LIKE %s", (name,))
            assert cur.fetchone() == (name,)
        with pytest.raises(NotOurDatabase):
            mariadb_server.keep_scratch_database("mysql")
    finally:
        with mariadb_server.connect() as conn, conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
