# SPDX-License-Identifier: LGPL-3.0-or-later
"""What a statement does to a Galera cluster, measured while it runs on node 1, and whether
every node ends up with the same schema and data.

:class:`ClusterWatch` keeps a writer on node 2 (an INSERT into a probe table of its own every
10 ms) and a reader on node 3 (a causal read of that table, ``wsrep_sync_wait=1``, every 10 ms)
going for the whole run. Around each statement it notes node 1's ``wsrep_*`` counters; after
it, it waits until both have done one more operation, then reports the longest operation of
each that overlapped the statement, or was the first after it: the write stall and the read
stall the other nodes saw.
"""
from __future__ import annotations

import re
import threading
import time
from collections import deque
from contextlib import closing

import pymysql

from ..model import Schema
from ..render.quote import ident
from .compare import schema_differences
from .snapshot import whole_digests
from .statements import PlannedStatement

PERIOD = 0.01  # seconds between the probe operations
SETTLE = 60.0  # at most this long to wait for the probes after a statement
PROBE_PREFIX = "ispyb_probe"
_DDL = re.compile(r"\s*(ALTER|CREATE|DROP|RENAME|TRUNCATE)\b", re.IGNORECASE)
_COUNTERS = ("wsrep_replicated", "wsrep_replicated_bytes", "wsrep_repl_keys")


class _Prober(threading.Thread):
    """One SQL operation every PERIOD on one node; remembers (start, end) of each."""

    def __init__(self, conn, sql: str, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self.conn, self.sql = conn, sql
        self.done: deque[tuple[float, float]] = deque(maxlen=50_000)
        self.started_at: float | None = None  # the operation under way
        self.halt = threading.Event()
        self.error: str | None = None

    def run(self) -> None:
        try:
            with self.conn.cursor() as cur:
                while not self.halt.is_set():
                    self.started_at = start = time.monotonic()
                    cur.execute(self.sql)
                    cur.fetchall()
                    self.done.append((start, time.monotonic()))
                    self.started_at = None
                    self.halt.wait(PERIOD)
        except pymysql.MySQLError as err:
            self.error = f"MariaDB error {err.args[0]}: {err.args[-1]}"

    def stall(self, since: float, until: float) -> float:
        """The longest operation overlapping [since, until] or the first one after it (waited
        for)."""
        deadline = time.monotonic() + SETTLE
        while self.is_alive() and not any(s > until for s, _ in list(self.done)[-3:]):
            if time.monotonic() > deadline:
                break
            time.sleep(PERIOD / 2)
        done = list(self.done)
        spans = [e - s for s, e in done if e >= since and s <= until]
        spans += [e - s for s, e in done if s > until][:1]  # e.g. a read waiting for the apply
        under_way = self.started_at
        if under_way is not None and under_way <= until:
            spans.append(time.monotonic() - under_way)
        return max(spans, default=0.0)


class ClusterWatch:
    """The probes of one verification run on a :class:`~..harness.galera.GaleraServer`."""

    def __init__(self, server, conn) -> None:
        self.server, self.conn = server, conn  # conn: the run's connection on node 1
        self.database = server.create_scratch_database(PROBE_PREFIX)
        with closing(server.connect(self.database)) as setup, setup.cursor() as cur:
            cur.execute(f"CREATE TABLE {ident('probe')} ({ident('id')} BIGINT AUTO_INCREMENT "
                        f"PRIMARY KEY, {ident('at')} DATETIME(6) NOT NULL) ENGINE=InnoDB")
        self.counters = server.connect()  # node 1, for SHOW STATUS only
        writer = caught_up(server, 1, self.database)
        reader = caught_up(server, 2, self.database, sync_wait=1)
        self.probes = [
            _Prober(writer, f"INSERT INTO {ident('probe')} ({ident('at')}) VALUES (NOW(6))",
                    "galera-writer"),
            _Prober(reader, f"SELECT MAX({ident('id')}) FROM {ident('probe')}", "galera-reader"),
        ]
        for probe in self.probes:
            probe.start()
        self.figures: dict[int, dict] = {}  # statement index -> what the record adds
        self._open: tuple | None = None

    def _status(self) -> dict[str, int]:
        with self.counters.cursor() as cur:
            cur.execute("SHOW GLOBAL STATUS WHERE Variable_name IN (%s, %s, %s)", _COUNTERS)
            return {k.lower(): int(v) for k, v in cur.fetchall()}

    def _mode(self, statement: PlannedStatement) -> str:
        if not _DDL.match(statement.sql):
            return "write-set"
        with self.conn.cursor() as cur:
            cur.execute("SELECT @@SESSION.wsrep_OSU_method")
            return cur.fetchone()[0]

    def before(self, statement: PlannedStatement) -> None:
        mode = self._mode(statement)
        self._open = (statement.index, mode, self._status(), time.monotonic())

    def after(self, statement: PlannedStatement) -> None:
        """Close the measurement of the statement opened by :meth:`before` (also after it
        failed)."""
        if self._open is None:
            return
        index, mode, counters, since = self._open
        self._open = None
        until = time.monotonic()
        now = self._status()
        writer, reader = self.probes
        self.figures[index] = {
            "wsrep_mode": mode,
            "write_sets": now["wsrep_replicated"] - counters["wsrep_replicated"],
            "write_set_bytes": now["wsrep_replicated_bytes"] - counters["wsrep_replicated_bytes"],
            "write_set_keys": now["wsrep_repl_keys"] - counters["wsrep_repl_keys"],
            "cluster_write_stall_seconds": round(writer.stall(since, until), 4),
            "cluster_read_stall_seconds": round(reader.stall(since, until), 4),
        }

    def problems(self) -> list[str]:
        return [f"{p.name}: {p.error}" for p in self.probes if p.error]

    def close(self) -> None:
        for probe in self.probes:
            probe.halt.set()
        for probe in self.probes:
            probe.join(SETTLE)
            probe.conn.close()
        self.counters.close()
        self.server.drop_scratch_database(self.database)


def caught_up(server, number: int, database: str, sync_wait: int = 0):
    """A connection to node ``number`` using ``database``, once the node has applied everything
    the cluster committed before (a database created on node 1 exists there only then)."""
    conn = server.connect_node(number)
    with conn.cursor() as cur:
        cur.execute("SET SESSION wsrep_sync_wait = 15")
        cur.execute("SELECT 1")
        cur.execute(f"USE {ident(database)}")
        cur.execute(f"SET SESSION wsrep_sync_wait = {int(sync_wait)}")
    return conn


def node_differences(server, database: str, model: Schema) -> tuple[dict, list[str]]:
    """Every node's schema against ``model`` and each table's digest on every node against
    node 1's; reads wait until the node has applied everything before them."""
    problems: list[str] = []
    digests = []
    for number in range(len(server.nodes)):
        with closing(caught_up(server, number, database, sync_wait=15)) as conn:
            if number:  # node 1's schema is the schema stage's
                problems += [f"node {number + 1}: {d}"
                             for d in schema_differences(model, conn, database)]
            with conn.cursor() as cur:
                digests.append(dict(zip((t.name for t in model.tables),
                                        whole_digests(cur, list(model.tables)))))
    for number, found in enumerate(digests[1:], start=2):
        for table, digest in found.items():
            first = digests[0][table]
            if digest.whole != first.whole:
                problems.append(f"node {number}: {table} has {digest.whole.rows} rows, checksum "
                                f"{digest.whole.checksum}; node 1: {first.whole.rows} rows, "
                                f"checksum {first.whole.checksum}")
    details = {"nodes": len(digests), "tables": len(model.tables), "differences": problems}
    return details, problems
