# SPDX-License-Identifier: LGPL-3.0-or-later
"""Verification on a real 3-node Galera cluster (the session's ``galera_server``): every
proposal passes with the stall and write-set figures in the record; nodes that differ are
found; a ``galera://`` URL names an existing cluster; a cluster that does not answer or is not
synced is refused; nodes started here are gone after Ctrl-C."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from ispyb_schema.cli.main import cli
from ispyb_schema.errors import EnvironmentProblem
from ispyb_schema.harness.galera import parse_galera_url
from ispyb_schema.harness.local import _free_port
from ispyb_schema.importer.live import import_connection
from ispyb_schema.model import Schema
from ispyb_schema.verify.cluster import node_differences

ROOT = Path(__file__).resolve().parents[1]
EMBEDDED = str(ROOT / "schema")
FIXTURES = [ROOT / "schema" / "fixtures"]
PROPOSALS = sorted((ROOT / "proposals").glob("*.yaml"))


def cluster_url(server) -> str:
    return "galera://root:@" + ",".join(f"{h}:{p}" for h, p in server.nodes)


@pytest.fixture(scope="module")
def cluster_run(galera_server, tmp_path_factory):
    """``verify --db galera://…`` of every proposal (each alone) on the session's cluster:
    (the command's result, its record, the cluster's databases before and after)."""
    record = tmp_path_factory.mktemp("record") / "record.json"
    before = databases(galera_server)
    result = CliRunner().invoke(cli, ["verify", *map(str, PROPOSALS), "--baseline", EMBEDDED,
                                      "--db", cluster_url(galera_server), "--no-together",
                                      "--json", str(record)])
    return result, json.loads(record.read_text()), before, databases(galera_server)


def databases(server) -> set[str]:
    with closing(server.connect()) as conn, conn.cursor() as cur:
        cur.execute("SHOW DATABASES")
        return {name for (name,) in cur.fetchall()}


@pytest.mark.slow
def test_every_proposal_verifies_on_the_cluster(cluster_run):
    result, record, before, after = cluster_run
    failed = [f"{r['proposal']}: {s['name']}: {s['error']}" for r in record["runs"]
              for s in r["steps"] if not s["ok"]]
    assert result.exit_code == 0 and record["ok"], result.output + "\n".join(failed)
    assert len(record["runs"]) == len(PROPOSALS)
    server = record["server"]
    assert server["kind"] == "galera" and server["nodes"] == 3
    assert server["version"].startswith("10.") and server["provider_version"][:1].isdigit()
    assert f"{len(PROPOSALS)} of {len(PROPOSALS)} run(s) verified on a 3-node Galera cluster" \
        in result.stdout
    for run in record["runs"]:
        names = [s["name"] for s in run["steps"]]
        assert names[:2] == ["load", "probes"]
        assert names.index("nodes") == names.index("data") + 1
        assert names[-1] == "rollback nodes"
    assert after == before  # its scratch and probe databases were dropped


@pytest.mark.slow
def test_each_statement_has_its_cluster_figures(cluster_run):
    modes = set()
    for run in cluster_run[1]["runs"]:
        for step in run["steps"]:
            if step["name"] not in ("forward", "rollback"):
                continue
            for statement in step["details"]["statements"]:
                ddl = statement["statement"].split()[0] in ("ALTER", "CREATE", "DROP", "RENAME")
                modes.add(statement["wsrep_mode"])
                assert statement["wsrep_mode"] == ("TOI" if ddl else "write-set"), statement
                assert statement["cluster_write_stall_seconds"] >= 0
                assert statement["cluster_read_stall_seconds"] >= 0
                if ddl or statement["rows"]:  # DDL and every change replicate a write-set
                    assert statement["write_sets"] >= 1 and statement["write_set_bytes"] > 0
    assert modes == {"TOI", "write-set"}


@pytest.mark.slow
def test_a_node_that_differs_is_found(galera_server):
    database = galera_server.create_scratch_database("ispyb_test")
    try:
        with closing(galera_server.connect(database)) as conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE `t` (`id` INT PRIMARY KEY, `v` INT) ENGINE=InnoDB")
            cur.execute("INSERT INTO `t` VALUES (1, 1), (2, 2)")
        model = load_schema_of(galera_server, database)
        assert node_differences(galera_server, database, model)[1] == []
        with closing(galera_server.connect_node(1, database)) as conn, conn.cursor() as cur:
            cur.execute("SET SESSION wsrep_on = OFF")  # a change node 2 alone gets
            cur.execute("UPDATE `t` SET `v` = 5 WHERE `id` = 2")
        problems = node_differences(galera_server, database, model)[1]
        assert len(problems) == 1 and problems[0].startswith("node 2: t has 2 rows, checksum")
    finally:
        galera_server.drop_scratch_database(database)


def load_schema_of(server, database: str) -> Schema:
    with closing(server.connect(database)) as conn:
        return import_connection(conn, database)


@pytest.mark.slow
def test_a_node_that_is_not_synced_is_refused(galera_server):
    with closing(galera_server.connect_node(2)) as conn, conn.cursor() as cur:
        cur.execute("SET GLOBAL wsrep_desync = ON")
        try:
            result = CliRunner().invoke(cli, ["verify", "--db", cluster_url(galera_server)])
        finally:
            cur.execute("SET GLOBAL wsrep_desync = OFF")
    assert result.exit_code == 2, result.output
    host, port = galera_server.nodes[2]
    assert f"node {host}:{port} is not synced" in result.stderr
    assert "Traceback" not in result.output


def test_galera_urls_are_read():
    assert parse_galera_url("galera://ops:p%40ss@db1:3307,db2,[::1]:3309/") == (
        "ops", "p@ss", [("db1", 3307), ("db2", 3306), ("::1", 3309)])
    assert parse_galera_url("galera://127.0.0.1:1") == ("root", "", [("127.0.0.1", 1)])
    for bad in ("galera://", "galera://a:1,,b:2", "galera://a:99999", "mysql://a:1"):
        with pytest.raises(EnvironmentProblem, match="galera://|port"):
            parse_galera_url(bad)


def test_a_galera_url_that_does_not_answer_is_refused():
    ports = [_free_port() for _ in range(3)]
    url = "galera://root:secret@" + ",".join(f"127.0.0.1:{p}" for p in ports)
    result = CliRunner().invoke(cli, ["verify", "--db", url])
    assert result.exit_code == 2, result.output
    assert f"node 127.0.0.1:{ports[0]} does not answer" in result.stderr
    assert "secret" not in result.stderr and "Traceback" not in result.output
    bad = CliRunner().invoke(cli, ["verify", "--db", "galera://root@127.0.0.1:x,"])
    assert bad.exit_code == 2 and "is not a galera://" in bad.stderr


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``, and theirs."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            child = int(stat.parent.name)
            found += [child, *children(child)]
    return found


@pytest.mark.slow
def test_nodes_are_stopped_after_ctrl_c_while_a_node_joins():
    """Ctrl-C in ``verify --db galera`` while node 2 receives its state (mariadbd, the SST
    script and its rsync daemon running): every process of the cluster ends, its directory is
    removed, and the command says so without a traceback."""
    child = subprocess.Popen([sys.executable, "-m", "ispyb_schema", "verify", "--db", "galera",
                              str(PROPOSALS[0])], stderr=subprocess.PIPE, text=True)
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and child.poll() is None:
            now = children(child.pid)
            seen.update(now)
            servers = [p for p in now if Path(f"/proc/{p}/comm").exists()
                       and Path(f"/proc/{p}/comm").read_text().strip() == "mariadbd"]
            if len(servers) == 2 and len(now) > 2:  # node 2 started and spawned its SST
                break
            time.sleep(0.05)
        assert child.poll() is None and len(seen) > 2, "node 2 never started"
        root = cluster_root(servers[0])
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    deadline = time.monotonic() + 10
    while any(alive(p) for p in seen) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in seen if alive(p)]
    assert root.name.startswith("ispyb-schema-galera-") and not root.exists()
    assert child.returncode == 130 and "Traceback" not in stderr, stderr
    assert "interrupted: the servers started for it were stopped" in stderr


def cluster_root(pid: int) -> Path:
    """The cluster's directory, from a node's ``--datadir=<root>/nodeN/data``."""
    arguments = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    datadir = next(a for a in arguments if a.startswith("--datadir="))
    return Path(datadir.split("=", 1)[1]).parents[1]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    try:
        return not stat.read_text().rsplit(") ", 1)[1].startswith("Z")
    except OSError:
        return False
