# SPDX-License-Identifier: LGPL-3.0-or-later
"""The Galera lint rules (ISP4xx), shown on a real 3-node cluster: each rule's test proposal
(``tests/data/lint/rules/ISP40x-…``) gets its finding from lint, and its forward script on the
cluster does what the rule warns about; its ``ok-`` counterpart does not.

* ISP401: a replicated UPDATE of a table without a primary key stalls the other nodes (each
  row is found by a full scan there); with a key it does not.
* ISP402: rows of a MyISAM table stay on the node that wrote them.
* ISP403: an ALTER that rebuilds stalls writes on the other nodes for its whole duration
  (TOI); as a rolling schema upgrade (RSU), the remedy the rule names, it does not.
* ISP404: an unbatched data step over many rows is one write-set, refused above
  ``wsrep_max_ws_rows``; with ``batch: N`` the same step passes, N rows per write-set.
* LOCK TABLES (refused in raw steps, E605): it does not lock the table on the other nodes.
"""
from __future__ import annotations

import time
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from ispyb_schema.baseline import load_schema
from ispyb_schema.changeset.validate import validate
from ispyb_schema.lint.run import lint_proposals
from ispyb_schema.render.ddl import schema_ddl
from ispyb_schema.verify.cluster import ClusterWatch, caught_up, node_differences
from ispyb_schema.changeset.script import runnable
from ispyb_schema.verify.statements import PlannedStatement, execute, planned_script

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "tests" / "data" / "lint" / "rules"


@pytest.fixture(scope="module")
def base():
    return load_schema(ROOT / "schema")


@pytest.fixture
def database(galera_server, base):
    """A scratch database on the cluster with the embedded baseline's tables (no rows)."""
    name = galera_server.create_scratch_database("ispyb_test")
    try:
        galera_server.load_sql(name, text=schema_ddl(base))
        yield name
    finally:
        galera_server.drop_scratch_database(name)


def findings(path: Path, base) -> list[str]:
    return [f.code for f in lint_proposals(validate([path], base)).findings if not f.suppressed]


def forward(server, database: str, path: Path, base):
    """Run the proposal's forward script on node 1, measured: [(executed, figures)], failure."""
    result = validate([path], base)
    result.raise_if_errors()
    pid = next(iter(result.proposals))
    _, statements = planned_script(result.walks[pid], "test")
    with closing(server.connect(database)) as conn, watching(server, conn) as watch:
        done, failure = execute(conn, statements, before=watch.before, after=watch.after)
        watch.after(None)
    return [(d, watch.figures[d.statement.index]) for d in done], failure, watch.figures


@contextmanager
def watching(server, conn):
    watch = ClusterWatch(server, conn)
    try:
        yield watch
    finally:
        watch.close()


def sql(server, database: str, *statements: str, node: int = 0):
    with closing(caught_up(server, node, database, sync_wait=15)) as conn, conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
        return cur.fetchall()


def measured(server, database: str, statement: str, *setup: str) -> dict:
    """The cluster figures of one statement run on node 1 (after ``setup``)."""
    with closing(server.connect(database)) as conn, watching(server, conn) as watch:
        with conn.cursor() as cur:
            for each in setup:
                cur.execute(each)
        planned = PlannedStatement(1, 1, (), statement, False)
        watch.before(planned)
        start = time.perf_counter()
        with conn.cursor() as cur:
            cur.execute(statement)
        seconds = time.perf_counter() - start
        watch.after(planned)
    return {**watch.figures[1], "seconds": seconds}


def test_isp401_a_table_without_a_key_stalls_the_other_nodes(galera_server, database, base):
    assert "ISP401" in findings(RULES / "ISP401-no-primary-key.yaml", base)
    assert "ISP401" not in findings(RULES / "ok-ISP401-primary-key.yaml", base)
    forward(galera_server, database, RULES / "ISP401-no-primary-key.yaml", base)
    forward(galera_server, database, RULES / "ok-ISP401-primary-key.yaml", base)
    # without a key every replicated row is found by a scan on the other nodes: n rows cost n²
    sql(galera_server, database, "INSERT INTO LintNoKey SELECT seq FROM seq_1_to_4000",
        "INSERT INTO LintKeyed SELECT seq FROM seq_1_to_4000")
    keyless = measured(galera_server, database, "UPDATE LintNoKey SET lintValue = lintValue + 4000")
    keyed = measured(galera_server, database, "UPDATE LintKeyed SET lintKeyedId = lintKeyedId + 4000")
    stall = "cluster_read_stall_seconds"
    assert keyless[stall] > 0.2 and keyless[stall] > 5 * keyed[stall], (keyless, keyed)
    assert keyless[stall] > 3 * keyless["seconds"]  # the other nodes take far longer than node 1


def test_isp402_rows_of_a_myisam_table_stay_on_one_node(galera_server, database, base):
    assert "ISP402" in findings(RULES / "ISP402-not-innodb.yaml", base)
    assert "ISP402" not in findings(RULES / "ok-ISP402-innodb.yaml", base)
    forward(galera_server, database, RULES / "ISP402-not-innodb.yaml", base)
    forward(galera_server, database, RULES / "ok-ISP402-innodb.yaml", base)
    sql(galera_server, database, "INSERT INTO LintMyisam VALUES (1), (2)",
        "INSERT INTO LintInnodb VALUES (1), (2)")
    count = "SELECT (SELECT COUNT(*) FROM LintMyisam), (SELECT COUNT(*) FROM LintInnodb)"
    assert sql(galera_server, database, count) == ((2, 2),)
    assert sql(galera_server, database, count, node=1) == ((0, 2),)  # the DDL came, the rows not
    assert sql(galera_server, database, count, node=2) == ((0, 2),)
    model = load_schema(f"{galera_server.url}{database}")
    problems = node_differences(galera_server, database, model)[1]
    assert [p.split(" has ")[0] for p in problems] == ["node 2: LintMyisam", "node 3: LintMyisam"]


def test_isp403_a_rebuild_stalls_the_cluster_under_toi(galera_server, database, base):
    assert "ISP403" in findings(RULES / "ISP403-toi-blocks-cluster.yaml", base)
    assert "ISP403" not in findings(RULES / "ok-ISP403-instant.yaml", base)
    sql(galera_server, database, "SET SESSION foreign_key_checks = 0",
        "INSERT INTO DataCollection (dataCollectionGroupId, runStatus, comments) "
        "SELECT seq % 50, ELT(1 + seq % 3, 'Successful', 'Aborted', 'Failed'), "
        "REPEAT('x', 60) FROM seq_1_to_100000")
    [(index, figures)], failure, _ = forward(galera_server, database,
                                             RULES / "ISP403-toi-blocks-cluster.yaml", base)
    assert failure is None and figures["wsrep_mode"] == "TOI"
    assert index.seconds > 0.1
    assert figures["cluster_write_stall_seconds"] > 0.7 * index.seconds, (index, figures)
    # the remedy the rule names: a rolling upgrade (RSU) rebuilds on node 1 alone, desynced
    rebuild = measured(galera_server, database, "ALTER TABLE `DataCollection` FORCE",
                       "SET SESSION wsrep_OSU_method = 'RSU'")
    assert rebuild["wsrep_mode"] == "RSU" and rebuild["seconds"] > 0.1
    assert rebuild["cluster_write_stall_seconds"] < 0.5 * rebuild["seconds"], rebuild


def test_isp404_one_write_set_is_refused_and_batches_pass(galera_server, database, base,
                                                          tmp_path):
    (tmp_path / "plain").mkdir(), (tmp_path / "batched").mkdir()
    plain = tmp_path / "plain" / "ISP404-large-write-set.yaml"
    plain.write_text((RULES / plain.name).read_text().split("  - sql:")[0])
    batched = tmp_path / "batched" / plain.name
    batched.write_text(plain.read_text().replace("rollback: []}", "batch: 500, rollback: []}"))
    assert findings(plain, base) == ["ISP404"] and findings(batched, base) == []
    sql(galera_server, database, "SET SESSION foreign_key_checks = 0",
        "INSERT INTO DataCollection (dataCollectionGroupId, comments) "
        "SELECT seq % 50, CONCAT(' collection ', seq, ' ') FROM seq_1_to_3000")
    with closing(galera_server.connect()) as conn, conn.cursor() as cur:
        cur.execute("SET GLOBAL wsrep_max_ws_rows = 1000")  # node 1's write-sets only
        try:
            _, refused, _ = forward(galera_server, database, plain, base)
            done, failure, _ = forward(galera_server, database, batched, base)
        finally:
            cur.execute("SET GLOBAL wsrep_max_ws_rows = 0")
    assert refused is not None and refused.errno == 1180, refused
    assert "wsrep_max_ws_rows exceeded" in refused.message
    assert failure is None
    [(step, figures)] = done
    assert step.statement.sql.startswith("DELIMITER $$\nBEGIN NOT ATOMIC")  # as plan writes it
    assert runnable(step.statement.sql).startswith("BEGIN NOT ATOMIC")  # as the server runs it
    assert figures["write_sets"] >= 6  # 3000 rows, 500 per range, + the progress table's DDL
    trimmed = "SELECT COUNT(*) FROM DataCollection WHERE comments LIKE 'collection %'"
    assert all(sql(galera_server, database, trimmed, node=n) == ((3000,),) for n in range(3))


def test_lock_tables_does_not_lock_the_other_nodes(galera_server, database, base, tmp_path):
    raw = tmp_path / "ok-ISP402-innodb.yaml"
    raw.write_text((RULES / "ok-ISP402-innodb.yaml").read_text().split("steps:")[0] + """steps:
  - sql:
      forward: LOCK TABLES DataCollection WRITE
      rollback: UNLOCK TABLES
      schema_effect: none
""")
    refused = validate([raw], base)
    assert [d.code for d in refused.diagnostics] == ["E605", "E605"]
    assert "LOCK TABLES statements" in refused.diagnostics[0].message
    sql(galera_server, database, "SET SESSION foreign_key_checks = 0",
        "INSERT INTO DataCollection (dataCollectionId, dataCollectionGroupId) VALUES (1, 1)")
    with closing(galera_server.connect(database)) as holder, holder.cursor() as cur:
        cur.execute("LOCK TABLES DataCollection WRITE")
        start = time.perf_counter()
        sql(galera_server, database, "UPDATE DataCollection SET runStatus = 'written on node 2'",
            node=1)
        assert time.perf_counter() - start < 2  # node 2 wrote at once, lock or not
        cur.execute("SELECT runStatus FROM DataCollection")
        assert cur.fetchall() == ((None,),)  # and the lock holder does not see it yet
        cur.execute("UNLOCK TABLES")
