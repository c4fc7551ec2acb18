# SPDX-License-Identifier: LGPL-3.0-or-later
"""The harness's Docker path against a real engine: the image's interface, the harness tests on a
container, verify through ``--db docker``, cleanup after close, failure and signals, and the
errors of bad setups.

Without an engine (or an image) the engine-backed tests skip, saying why; with
``ISPYB_SCHEMA_REQUIRE_DOCKER=1`` (set by ``.ci/run``) they fail instead.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

# The generic harness tests, collected again here against the container (``mariadb_server`` below).
from test_harness import (  # noqa: F401
    test_a_kept_scratch_database_outlives_the_cleanup,
    test_failing_script_reports_its_line,
    test_load_sql_accepts_text,
    test_load_sql_loads_upstream_tables,
    test_refuses_to_drop_a_database_it_did_not_create,
    test_scratch_database_context_manager_always_drops,
    test_scratch_database_is_created_utf8mb4_and_dropped,
    test_scratch_db_fixture,
    test_scratch_names_never_collide,
    test_server_answers_version,
    test_url_from_environment_is_chosen_first,
)

from ispyb_schema.errors import EnvironmentProblem
from ispyb_schema.harness import container
from ispyb_schema.harness.server import open_server, provide_server

REQUIRE_ENV = "ISPYB_SCHEMA_REQUIRE_DOCKER"
ROOT = Path(__file__).resolve().parents[1]


def unavailable(reason: str):
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{REQUIRE_ENV} is set, but the Docker path is unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def engine():
    try:
        eng = container.engine()
    except EnvironmentProblem as exc:
        unavailable(str(exc))
    yield eng
    eng.client.close()


@pytest.fixture(scope="module")
def mariadb_server(engine):
    """A container for this module (overrides the session server for the harness tests above)."""
    try:
        server = open_server(prefer="docker")
    except EnvironmentProblem as exc:
        unavailable(str(exc))
    yield server
    server.close()


def ours(engine, pid: int | None = None) -> list[str]:
    """Ids of the containers labelled as started by process *pid* (default: this one)."""
    owner = container._owner(pid) if pid else container._owner()
    return [c.id for c in engine.client.containers.list(all=True, filters={"label": f"{container.OWNER_LABEL}={owner}"})]


def exists(engine, container_id: str) -> bool:
    assert len(container_id) >= 12
    return any(c.id.startswith(container_id) for c in engine.client.containers.list(all=True))


def cli(*args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ispyb_schema", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=600, **kw)


# --- the container server --------------------------------------------------------------------------


def test_the_container_server_says_what_it_is(mariadb_server, engine):
    described = mariadb_server.describe()
    assert mariadb_server.kind == "docker"
    assert described.startswith(f"docker MariaDB {mariadb_server.version} on {mariadb_server.host}:")
    assert re.search(r"image \S+:10\.11, .*; engine Docker \S+ at .*; container [0-9a-f]{12}, "
                     r"(host|published) network; started in \d+\.\d s\)$", described), described
    assert mariadb_server.version.startswith("10.11.")
    assert ours(engine) != []
    if container.network_mode(engine) == "host":
        assert mariadb_server.host == "127.0.0.1" and mariadb_server.port != 3306


def test_the_automatic_choice_takes_the_container(mariadb_server, engine, monkeypatch):
    """No URL, no settings: the container, with the network the engine can give."""
    monkeypatch.delenv("ISPYB_SCHEMA_DB_URL", raising=False)
    monkeypatch.delenv(container.NETWORK_ENV, raising=False)
    bridged = bool(engine.client.networks.list(names=["bridge"]))
    with provide_server() as server:
        assert server.kind == "docker"
        assert server.port != mariadb_server.port
        assert ("published network" if bridged else "host network") in server.describe()


def test_the_image_honours_the_official_interface(mariadb_server, engine):
    """MARIADB_* variables (before MYSQL_* ones), first-start init, server options given as arguments."""
    from testcontainers.community.mysql import MySqlContainer

    image = mariadb_server.origin.split(",")[0].removeprefix("image ")
    port = container._free_port()
    db = MySqlContainer(image, username="tc_user", password="tc-pass", root_password="tc-root", dbname="tc_db",
                        port=port)  # testcontainers sets these as MYSQL_*
    db.with_envs(MARIADB_USER="reviewer", MARIADB_PASSWORD="r-pass", MARIADB_ROOT_PASSWORD="root-pass",
                 MARIADB_DATABASE="ispyb_t", MARIADB_INITDB_SKIP_TZINFO="1")
    options = ["--max-connections=77", "--character-set-server=utf8mb4"]
    if container.network_mode(engine) == "host":
        db.ports = {}
        db.with_kwargs(network_mode="host")
        options += [f"--port={port}", "--bind-address=127.0.0.1"]
    db.with_command(options)
    import pymysql

    with db:
        host, port = ("127.0.0.1", port) if container.network_mode(engine) == "host" else \
            (db.get_container_host_ip(), int(db.get_exposed_port(3306)))
        out, err = db.get_logs()
        assert len(re.findall(r": ready for connections", (out + err).decode())) == 2  # temporary, then real
        with pymysql.connect(host=host, port=port, user="reviewer", password="r-pass", database="ispyb_t") as conn, \
                conn.cursor() as cursor:
            cursor.execute("SELECT DATABASE(), @@max_connections, CURRENT_USER()")
            assert cursor.fetchone() == ("ispyb_t", 77, "reviewer@%")
            cursor.execute("CREATE TABLE t (x int)")  # the user owns its database
        with pymysql.connect(host=host, port=port, user="root", password="root-pass") as conn, conn.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM mysql.user WHERE user = 'root' AND host = '%'")
            assert cursor.fetchone() == (1,)
            cursor.execute("SELECT COUNT(*) FROM mysql.user WHERE user = 'tc_user'")
            assert cursor.fetchone() == (0,)
        with pytest.raises(pymysql.err.OperationalError):
            pymysql.connect(host=host, port=port, user="root", password="wrong").close()


@pytest.mark.slow
def test_container_is_removed_after_close_and_after_failure(mariadb_server, engine):
    before = set(ours(engine))
    with provide_server(prefer="docker") as server:
        first = server.describe().split("container ")[1][:12]
        assert len(set(ours(engine)) - before) == 1
    assert not exists(engine, first)
    with pytest.raises(RuntimeError, match="the test body failed"), provide_server(prefer="docker") as server:
        second = server.describe().split("container ")[1][:12]
        raise RuntimeError("the test body failed")
    assert not exists(engine, second)
    assert set(ours(engine)) == before


CHILD = """
import sys, time
from ispyb_schema.harness.server import provide_server
with provide_server(prefer="docker") as server:
    print(server.describe().split("container ")[1][:12], flush=True)
    time.sleep(120)
"""


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_container_goes_with_its_process(signum, mariadb_server, engine):
    """Ctrl-C and SIGTERM remove it at once; after SIGKILL the next start removes the orphan."""
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    container_id = child.stdout.readline().strip()
    if not container_id:
        pytest.fail(f"the child did not start a container:\n{child.communicate()[1]}")
    try:
        child.send_signal(signum)
        child.wait(timeout=60)
        if signum == signal.SIGKILL:
            assert exists(engine, container_id), "nothing could remove it yet"
            with provide_server(prefer="docker"):
                pass
        assert not exists(engine, container_id)
    finally:
        child.kill()
        child.communicate()


# --- verify through the container ------------------------------------------------------------------


@pytest.mark.slow
def test_verify_every_proposal_through_the_container(mariadb_server, engine, tmp_path):
    record = tmp_path / "verify.json"
    done = cli("verify", "--db", "docker", "--json", str(record))
    assert done.returncode == 0, done.stderr[-3000:]
    server_line = next(line for line in done.stderr.splitlines() if line.startswith("server: "))
    assert server_line.startswith("server: docker MariaDB 10.11.") and "engine Docker" in server_line
    verified = json.loads(record.read_text())
    assert verified["server"]["kind"] == "docker" and verified["server"]["version"].startswith("10.11.")
    assert verified["ok"]
    proposals = {p.stem for p in (ROOT / "proposals").glob("*.yaml")}
    assert {r["proposal"] for r in verified["runs"]} == proposals | {"all"}
    assert all(r["ok"] for r in verified["runs"]), [r["proposal"] for r in verified["runs"] if not r["ok"]]
    container_id = server_line.split("container ")[1][:12]
    assert not exists(engine, container_id)


# --- bad setups ----------------------------------------------------------------------------------


def test_explicit_docker_without_an_engine_is_refused_not_replaced(tmp_path):
    socket_path = tmp_path / "no-docker.sock"
    done = cli("verify", "--db", "docker", env={"DOCKER_HOST": f"unix://{socket_path}"})
    assert done.returncode == 2
    assert f"no Docker engine answered at unix://{socket_path}" in done.stderr
    assert "docker was asked for, so no other kind is tried" in done.stderr
    assert "server:" not in done.stderr and "Traceback" not in done.stderr


def _verify_without(package: str) -> subprocess.CompletedProcess:
    """``verify --db docker`` in a process where importing *package* fails as an absent package does."""
    script = (f"import sys; sys.modules[{package!r}] = None; sys.argv = ['ispyb-schema', 'verify', '--db', 'docker']; "
              "from ispyb_schema.cli.main import main; main()")
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_docker_without_testcontainers_is_a_refusal_naming_the_extra():
    done = _verify_without("testcontainers")
    assert done.returncode == 2, done.stderr
    assert "testcontainers is not installed" in done.stderr and "ispyb-schema[docker]" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_broken_dependency_of_the_docker_sdk_is_not_hidden_as_a_refusal():
    done = _verify_without("requests")  # docker-py imports it: a broken install, not an absent extra
    assert done.returncode not in (0, 2), done.stderr
    assert "requests" in done.stderr and "is not installed: the container path" not in done.stderr


def test_explicit_local_is_refused_not_replaced(monkeypatch, tmp_path):
    from ispyb_schema.harness import local

    monkeypatch.setattr(local, "_SEARCH_PATH", str(tmp_path))  # a machine without mariadb-server
    with pytest.raises(EnvironmentProblem, match="local was asked for.*mariadbd and mariadb-install-db not found"):
        open_server(prefer="local")


def test_a_bad_network_setting_is_named(monkeypatch):
    monkeypatch.setenv(container.NETWORK_ENV, "bridge-ish")
    with pytest.raises(EnvironmentProblem, match="ISPYB_SCHEMA_DOCKER_NETWORK='bridge-ish': expected 'host' or"):
        open_server(prefer="docker")


def test_an_image_that_cannot_be_had_is_named(engine):
    done = cli("verify", "--db", "docker", env={container.IMAGE_ENV: "ispyb-schema/no-such-image:0"})
    assert done.returncode == 2, done.stderr
    assert "image ispyb-schema/no-such-image:0 (from ISPYB_SCHEMA_MARIADB_IMAGE) is not on the engine and " \
           "cannot be pulled" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_local_build_says_how_to_build_it(engine, monkeypatch):
    monkeypatch.setattr(container, "LOCAL_IMAGE", "ispyb-schema/mariadb:not-built")
    monkeypatch.setenv(container.IMAGE_ENV, "ispyb-schema/mariadb:not-built")
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # not root: the recipe's debootstrap cannot run here
    with pytest.raises(EnvironmentProblem) as failed:
        open_server(prefer="docker")
    assert ("ispyb-schema/mariadb:not-built (from ISPYB_SCHEMA_MARIADB_IMAGE) is not on the engine; "
            "building it here needs root") in str(failed.value)
    assert f"sudo {container.BUILD_SCRIPT}" in str(failed.value)


@pytest.mark.slow
def test_a_missing_local_build_is_built_by_root(engine, monkeypatch):
    if os.geteuid() != 0:
        pytest.skip("only root may run the recipe (debootstrap)")
    if not engine.client.images.list(name="ispyb-schema/debian-mariadb"):
        pytest.skip("no debootstrapped base image on this engine: building one takes minutes")
    tag = f"ispyb-schema/mariadb:test-{os.getpid()}"
    monkeypatch.setattr(container, "LOCAL_IMAGE", tag)
    monkeypatch.setenv(container.IMAGE_ENV, tag)
    try:
        with provide_server(prefer="docker") as server:
            assert f"image {tag}, local build from Debian packages, built now" in server.describe()
            assert server.version.startswith("10.11.")
        labels = engine.client.images.get(tag).labels
        assert re.fullmatch(r"[0-9a-f]{12}", labels["org.ispyb-schema.recipe"])
    finally:
        if engine.client.images.list(name=tag):
            engine.client.images.remove(tag)


def test_the_build_recipe_without_an_engine_says_so(tmp_path):
    done = subprocess.run([str(container.BUILD_SCRIPT)], capture_output=True, text=True,
                          env={**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/none.sock"})
    assert done.returncode == 2
    assert f"build-image: error: no Docker engine answers at unix://{tmp_path}/none.sock" in done.stderr


CI_SCRIPT = """
set -euo pipefail
. .ci/docker-engine
sleep 600 & sleeper=$!
trap docker_engine_stop EXIT
trap 'kill $sleeper; exit 143' TERM
docker_engine_daemon
echo "started $docker_engine_pid $docker_engine_dir"
wait $sleeper
"""


@pytest.mark.slow
def test_ci_stops_the_engine_it_started_when_it_is_stopped(tmp_path):
    """.ci/run's private dockerd goes when CI ends, also on SIGTERM: no daemon, mount or directory is left."""
    if os.geteuid() != 0 or not shutil.which("dockerd"):
        pytest.skip("starting dockerd needs root and docker.io")
    ci = subprocess.Popen(["bash", "-c", CI_SCRIPT], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env={**os.environ, "ISPYB_SCHEMA_CACHE": str(tmp_path)})
    line = ci.stdout.readline()
    while line and not line.startswith("started "):
        line = ci.stdout.readline()
    if not line:
        pytest.fail(f"the CI part did not start dockerd:\n{ci.communicate()[1]}")
    _, pid, state = line.split()
    try:
        assert Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].endswith(b"dockerd")
        ci.send_signal(signal.SIGTERM)
        out, err = ci.communicate(timeout=90)
        assert ci.returncode == 143, err
        assert f"docker engine: dockerd (pid {pid}) stopped" in out
        assert not Path(f"/proc/{pid}").exists()
        assert not Path(state).exists()
        assert state not in Path("/proc/mounts").read_text()
    finally:
        if Path(f"/proc/{pid}").exists():
            os.kill(int(pid), signal.SIGKILL)


@pytest.mark.slow
def test_a_taken_port_is_named_and_leaves_nothing_behind(mariadb_server, engine, monkeypatch):
    if container.network_mode(engine) != "host":
        pytest.skip("only host networking picks the port; a published port is chosen by the engine")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setattr(container, "_free_port", lambda: port)
        before = set(ours(engine))
        started = time.monotonic()
        with pytest.raises(EnvironmentProblem, match=f"port {port} on 127.0.0.1 is taken"):
            open_server(prefer="docker")
        assert time.monotonic() - started < 120
    assert set(ours(engine)) == before
