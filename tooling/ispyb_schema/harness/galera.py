# SPDX-License-Identifier: LGPL-3.0-or-later
"""A MariaDB Galera cluster for verification: three ephemeral nodes, or an existing cluster.

:func:`open_galera` either starts three ``mariadbd`` nodes with the wsrep provider of Debian's
``galera-4`` package on 127.0.0.1 (free ports for SQL, gcomm, IST and SST per node, temporary
datadirs, ``wsrep_sst_method=rsync``; node 1 bootstraps, 2 and 3 join), or connects to the
nodes of a ``galera://user:pass@h1:p1,h2:p2,h3:p3`` URL and checks that each one is synced.
Either way it returns a :class:`GaleraServer`: the harness's ordinary scratch-database
interface on node 1, plus a connection to any node. Nodes we start are stopped by their PID
(their whole process group: the rsync daemon of a state transfer too), at exit and on
SIGTERM/SIGHUP as well, like :mod:`.local`'s servers.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import unquote

import pymysql

from ..errors import EnvironmentProblem
from .local import (
    LocalMariaDB, _die_with_parent_hook, _free_port, _install_datadir, _register,
    find_binaries, server_command,
)
from .server import Server, redact

PROVIDER = "/usr/lib/galera/libgalera_smm.so"
NODES = 3
_PROVIDER_HINT = "install Debian's galera-4 and rsync (`apt install galera-4 rsync`)"
_URL = re.compile(r"galera://(?:(?P<user>[^:@/]*)(?::(?P<password>[^@/]*))?@)?(?P<nodes>[^/?#]+)/?")
_NODE = re.compile(r"(?P<host>[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:]+\])(?::(?P<port>\d{1,5}))?")
# Small nodes: the machine that verifies is rarely a database server.
_NODE_SETTINGS = [
    "--skip-name-resolve",
    "--performance-schema=OFF",
    "--innodb-buffer-pool-size=32M",
    "--innodb-log-file-size=16M",
    "--innodb-flush-log-at-trx-commit=2",
    "--innodb-doublewrite=0",
    "--innodb-autoinc-lock-mode=2",
    "--key-buffer-size=1M",
    "--aria-pagecache-buffer-size=1M",
    "--max-connections=60",
    "--max-allowed-packet=64M",
    "--binlog-format=ROW",
    "--default-storage-engine=InnoDB",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_general_ci",
    "--wsrep-on=ON",
    f"--wsrep-provider={PROVIDER}",
    "--wsrep-sst-method=rsync",
    "--wsrep-slave-threads=1",
]


class GaleraNode(LocalMariaDB):
    """One node we started: stopping it also ends what it spawned (an SST's rsync daemon)."""

    def stop(self, *, remove: bool = True, timeout: float = 20.0) -> None:
        super().stop(remove=False, timeout=timeout)
        try:
            os.killpg(self.pid, signal.SIGKILL)  # its own group (start_new_session): only its children
        except (ProcessLookupError, PermissionError):
            pass
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)
            try:
                self.root.parent.rmdir()  # the cluster's directory, once its last node is gone
            except OSError:
                pass


class GaleraCluster:
    """Three nodes started here, in one temporary directory."""

    def __init__(self, root: Path, name: str) -> None:
        self.root, self.name = root, name
        self.nodes: list[GaleraNode] = []
        self.seconds = 0.0  # how long the start took

    @property
    def pids(self) -> list[int]:
        return [n.pid for n in self.nodes]

    @classmethod
    def start(cls, timeout: float = 150.0) -> "GaleraCluster":
        """Bootstrap node 1, then join 2 and 3 (each by rsync SST); wait until all are synced."""
        if not Path(PROVIDER).exists():
            raise EnvironmentProblem(f"the Galera provider {PROVIDER} is not installed; {_PROVIDER_HINT}")
        if not shutil.which("rsync"):
            raise EnvironmentProblem(f"rsync is not installed (the nodes' state transfer needs it); {_PROVIDER_HINT}")
        mariadbd, install_db = find_binaries()
        clock = time.monotonic()
        cluster = cls(Path(tempfile.mkdtemp(prefix="ispyb-schema-galera-")), f"ispyb-schema-{secrets.token_hex(4)}")
        try:
            cluster._start_nodes(mariadbd, install_db, clock + timeout)
        except BaseException:
            cluster.stop()
            raise
        cluster.seconds = time.monotonic() - clock
        return cluster

    def _start_nodes(self, mariadbd: str, install_db: str, deadline: float) -> None:
        ports = [{k: _free_port() for k in ("sql", "gcomm", "ist", "sst")} for _ in range(NODES)]
        if len({p for node in ports for p in node.values()}) < 4 * NODES:
            raise EnvironmentProblem("could not find distinct free ports for the Galera nodes")
        address = "gcomm://" + ",".join(f"127.0.0.1:{p['gcomm']}" for p in ports)
        self.root.chmod(0o755)
        for number, port in enumerate(ports, start=1):
            root = self.root / f"node{number}"
            root.mkdir()
            if number == 1:
                _install_datadir(install_db, root)  # the joiners receive it by state transfer
            else:
                (root / "data").mkdir()
            _open_to_rsync(root)  # the SST's rsync daemon runs as another user
            node = GaleraNode(root, port["sql"], _spawn(mariadbd, root, number, port, address, self.name))
            _register(node)
            self.nodes.append(node)
            _wait_synced(node, deadline)

    def stop(self) -> None:
        """Stop every node (all at once: SIGTERM, then SIGKILL) and remove the directory. Idempotent."""
        for node in self.nodes:
            if node.process.poll() is None:
                node.process.terminate()
        for node in reversed(self.nodes):
            node.stop(remove=False)
        shutil.rmtree(self.root, ignore_errors=True)


def _open_to_rsync(root: Path) -> None:
    """``chmod -R a+rwX``: without it the joiner's rsync daemon gets "Permission denied"."""
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode | 0o666 | (0o111 if path.is_dir() or mode & 0o111 else 0))


def _spawn(mariadbd: str, root: Path, number: int, port: dict, address: str, name: str) -> subprocess.Popen:
    options = ";".join([
        f"gmcast.listen_addr=tcp://127.0.0.1:{port['gcomm']}",
        f"ist.recv_addr=127.0.0.1:{port['ist']}",
        "gcache.size=32M",
        "gcs.fc_limit=64",
    ])
    cmd = [
        *server_command(mariadbd, root, port['sql']),
        *_NODE_SETTINGS,
        f"--wsrep-cluster-name={name}",
        f"--wsrep-cluster-address={address}",
        f"--wsrep-node-name=node{number}",
        f"--wsrep-node-address=127.0.0.1:{port['gcomm']}",
        f"--wsrep-sst-receive-address=127.0.0.1:{port['sst']}",
        f"--wsrep-provider-options={options}",
        *(["--wsrep-new-cluster"] if number == 1 else []),
    ]
    env = {**os.environ, "PATH": os.pathsep.join([os.environ.get("PATH", ""), "/usr/bin", "/usr/sbin"])}
    with open(root / "error.log", "ab") as log:
        return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                                start_new_session=True, preexec_fn=_die_with_parent_hook())


def _wait_synced(node: GaleraNode, deadline: float) -> None:
    state = "not answering"
    while time.monotonic() < deadline:
        if node.process.poll() is not None:
            break
        try:
            with closing(pymysql.connect(host=node.host, port=node.port, user="root", connect_timeout=2)) as conn:
                state = _status(conn).get("wsrep_local_state_comment", "?")
            if state == "Synced":
                return
        except pymysql.MySQLError:
            pass
        time.sleep(0.2)
    name = node.root.name
    exited = f"exited with code {node.process.returncode}" if node.process.poll() is not None else f"is {state}"
    raise EnvironmentProblem(f"Galera {name} (port {node.port}) did not become synced: it {exited}; "
                             f"last lines of its error log:\n{node._log_tail(25)}")


def _status(conn) -> dict[str, str]:
    with conn.cursor() as cur:
        cur.execute("SHOW GLOBAL STATUS LIKE 'wsrep%'")
        return {k.lower(): v for k, v in cur.fetchall()}


class GaleraServer(Server):
    """A Galera cluster seen through node 1 (scratch databases are created there and replicate),
    with a connection to any node."""

    runs_at_once = 1  # the stall and write-set figures of a statement must be its own
    load_ahead = 0  # nor may a database load on the side while a statement is measured

    def __init__(self, nodes: list[tuple[str, int]], user: str, password: str, *, origin: str,
                 cluster: GaleraCluster | None = None) -> None:
        self.nodes = nodes
        self.cluster = cluster
        super().__init__("galera", nodes[0][0], nodes[0][1], user, password, origin=origin,
                         on_close=cluster.stop if cluster else None)
        status = [self.node_status(i) for i in range(len(nodes))]
        self.provider_version = status[0].get("wsrep_provider_version", "?")
        self.cluster_size = int(status[0].get("wsrep_cluster_size", 0))

    def connect_node(self, number: int, database: str | None = None, **kw) -> pymysql.connections.Connection:
        """A connection to node ``number`` (0-based), with the options of :meth:`connect`."""
        host, port = self.nodes[number]
        return self.connect(database, host=host, port=port, **kw)

    def node_status(self, number: int) -> dict[str, str]:
        with closing(self.connect_node(number)) as conn:
            return _status(conn)

    def describe(self) -> str:
        where = ", ".join(f"{h}:{p}" for h, p in self.nodes)
        return (f"{len(self.nodes)}-node Galera cluster, MariaDB {self.version}, provider "
                f"{self.provider_version}, on {where} ({self.origin})")

    __str__ = describe

    def record(self) -> dict:
        """What the verification record says of the server."""
        return {"kind": self.kind, "version": self.version, "nodes": len(self.nodes),
                "provider_version": self.provider_version}


def open_galera(url: str | None = None) -> GaleraServer:
    """An existing cluster (``galera://`` URL: every node must answer and be synced), else three
    nodes started here. Raises EnvironmentProblem, leaving nothing running, when neither works."""
    if url:
        return _existing(url)
    cluster = GaleraCluster.start()
    try:
        return GaleraServer([(n.host, n.port) for n in cluster.nodes], "root", "", cluster=cluster,
                            origin=f"started in {cluster.seconds:.0f} s, {cluster.root}")
    except BaseException:
        cluster.stop()
        raise


def parse_galera_url(url: str) -> tuple[str, str, list[tuple[str, int]]]:
    """``(user, password, [(host, port), …])`` of ``galera://user:pass@h1:p1,h2:p2,h3:p3``."""
    found = _URL.fullmatch(url.strip())
    nodes = [_NODE.fullmatch(n.strip()) for n in found.group("nodes").split(",")] if found else []
    if not found or not nodes or not all(nodes):
        raise EnvironmentProblem(f"{redact(url)} is not a galera://user:pass@host1:port1,host2:port2,… URL")
    parsed = [(n.group("host").strip("[]"), int(n.group("port") or 3306)) for n in nodes]
    if any(not 0 < port < 65536 for _, port in parsed):
        raise EnvironmentProblem(f"{redact(url)}: a port must be between 1 and 65535")
    return unquote(found.group("user") or "root"), unquote(found.group("password") or ""), parsed


def _existing(url: str) -> GaleraServer:
    user, password, nodes = parse_galera_url(url)
    problems, clusters = [], {}
    for host, port in nodes:
        try:
            with closing(pymysql.connect(host=host, port=port, user=user, password=password,
                                         connect_timeout=5)) as conn:
                status = _status(conn)
        except pymysql.MySQLError as exc:
            problems.append(f"node {host}:{port} does not answer: {exc.args[-1]}")
            continue
        state = status.get("wsrep_local_state_comment")
        if state is None:
            problems.append(f"node {host}:{port} is not a Galera node (no wsrep status)")
        elif state != "Synced" or status.get("wsrep_ready") != "ON":
            problems.append(f"node {host}:{port} is not synced: wsrep_local_state_comment is "
                            f"{state}, wsrep_ready {status.get('wsrep_ready')}")
        else:
            clusters.setdefault(status.get("wsrep_cluster_state_uuid"), []).append(f"{host}:{port}")
    if len(clusters) > 1:
        problems.append("the nodes belong to different clusters: "
                        + "; ".join(", ".join(n) for n in clusters.values()))
    if problems:
        raise EnvironmentProblem(f"cannot verify on {redact(url)}:\n" + "\n".join(f"  - {p}" for p in problems))
    return GaleraServer(nodes, user, password, origin=f"user {user}, given URL")
