# SPDX-License-Identifier: LGPL-3.0-or-later
"""What verifying on a 3-node Galera cluster costs, and what ``batch`` does there, in one run.

    python benchmarks/bench_galera.py [--rows N] [--batch N] [--skip-verify]

1. The cluster's start: three nodes started, bootstrapped and joined by rsync SST.
2. verify of every proposal in proposals/ (each alone) on the embedded baseline with its
   fixtures: on the cluster against on one ephemeral mariadbd (the ratio). The cluster runs
   one proposal at a time and measures every statement; the single server runs three at once.
3. One data step over ``--rows`` DataCollection rows (default 20,000), ``transform`` of
   ``comments``, without ``batch`` and with ``batch: --batch`` (default 1,000), on the
   cluster: time (ratio), write-sets, the largest write-set (bytes; for the batched step the
   mean per range, its ranges being equal), and the longest stalls on nodes 2 and 3.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from contextlib import closing
from pathlib import Path

from ispyb_schema.baseline import load_schema
from ispyb_schema.changeset.validate import validate
from ispyb_schema.harness.galera import open_galera
from ispyb_schema.harness.server import provide_server
from ispyb_schema.render.ddl import schema_ddl
from ispyb_schema.verify import verify_proposals
from ispyb_schema.verify.cluster import ClusterWatch
from ispyb_schema.verify.statements import execute, planned_script

ROOT = Path(__file__).resolve().parents[1]
EMBEDDED = ROOT / "schema"
PROPOSALS = sorted((ROOT / "proposals").glob("*.yaml"))
STEP = """id: bench-batch
title: Trims every data collection's comments
status: draft
authors: [{name: Benchmark, affiliation: ispyb-schema}]
created: 2024-01-01
steps:
  - transform: {table: DataCollection, column: comments, expression: TRIM(comments), BATCHrollback: []}
"""


def verify_seconds(server) -> float:
    start = time.perf_counter()
    report = verify_proposals(PROPOSALS, str(EMBEDDED), [EMBEDDED / "fixtures"], server,
                              together=False)
    if not report.ok:
        raise SystemExit(f"verification failed on {server.describe()}")
    return time.perf_counter() - start


def data_step(server, base, folder: Path, rows: int, batch: int | None) -> dict:
    """The transform over ``rows`` rows, measured on node 1 with the cluster's probes."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench-batch.yaml"
    path.write_text(STEP.replace("BATCH", f"batch: {batch}, " if batch else ""))
    result = validate([path], base)
    result.raise_if_errors()
    _, statements = planned_script(result.proposals["bench-batch"], base,
                                   result.walks["bench-batch"], "bench")
    database = server.create_scratch_database("ispyb_bench")
    try:
        server.load_sql(database, text=schema_ddl(base))
        with closing(server.connect(database)) as conn:
            with conn.cursor() as cur:
                cur.execute("SET SESSION foreign_key_checks = 0")
                cur.execute("INSERT INTO DataCollection (dataCollectionGroupId, comments) "
                            f"SELECT seq % 50, CONCAT('  collection ', seq, '  ') "
                            f"FROM seq_1_to_{int(rows)}")
            watch = ClusterWatch(server, conn)
            try:
                start = time.perf_counter()
                done, failure = execute(conn, statements, before=watch.before,
                                        after=watch.after)
                seconds = time.perf_counter() - start
            finally:
                watch.close()
        if failure:
            raise SystemExit(str(failure))
        return {"seconds": seconds, **watch.figures[done[0].statement.index]}
    finally:
        server.drop_scratch_database(database)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--skip-verify", action="store_true", help="only parts 1 and 3")
    args = parser.parse_args()
    base = load_schema(EMBEDDED)
    start = time.perf_counter()
    cluster = open_galera()
    try:
        print(f"1. cluster start: {time.perf_counter() - start:.1f} s "
              f"({cluster.describe()})")
        if not args.skip_verify:
            on_cluster = verify_seconds(cluster)
            with provide_server(prefer="local") as single:
                alone = verify_seconds(single)
            print(f"2. verify of {len(PROPOSALS)} proposals: cluster {on_cluster:.1f} s, "
                  f"single server {alone:.1f} s, ratio {on_cluster / alone:.2f}x")
        with tempfile.TemporaryDirectory(prefix="ispyb-bench-galera-") as folder:
            plain = data_step(cluster, base, Path(folder, "plain"), args.rows, None)
            batched = data_step(cluster, base, Path(folder, "batched"), args.rows, args.batch)
        print(f"3. transform of {args.rows:,} DataCollection rows on the cluster:")
        print(f"   {'':12} {'seconds':>8} {'write-sets':>10} {'largest write-set':>18} "
              f"{'write stall':>11} {'read stall':>10}")
        for name, found in (("unbatched", plain), (f"batch {args.batch}", batched)):
            largest = found["write_set_bytes"] / max(found["write_sets"], 1)
            print(f"   {name:12} {found['seconds']:8.2f} {found['write_sets']:10} "
                  f"{largest:16,.0f} B {found['cluster_write_stall_seconds']:10.2f}s "
                  f"{found['cluster_read_stall_seconds']:9.2f}s")
        per_range = batched["write_set_bytes"] / max(batched["write_sets"], 1)
        print(f"   time ratio batched/unbatched {batched['seconds'] / plain['seconds']:.2f}x; "
              f"largest write-set {plain['write_set_bytes'] / max(per_range, 1):.0f}x smaller")
    finally:
        cluster.close()


if __name__ == "__main__":
    main()
