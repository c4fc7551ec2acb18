# SPDX-License-Identifier: LGPL-3.0-or-later
"""How long verification takes, measured in one run against what it is built on.

    python benchmarks/bench_verify.py [--repeat N] [--rows N] [--db URL|docker|local]

1. Loading a baseline and its fixtures into a fresh database: verify's own load (the harness)
   against the bare ``mariadb`` client piping the same SQL, best of N each, on the embedded
   baseline (its DDL and fixture INSERTs) and on the upstream dump (tables, lookups, data).
   Goal: at most 1.2x.
2. The whole verification of every proposal in proposals/ (each alone and all together), on
   both baselines, against the bare loads it needs: as many fresh databases (one per run, one
   more per batches stage) loaded by the ``mariadb`` client, as many at once as verify loads
   (measured before and after verify, the mean taken). Goal: at most 1.5x.
3. The forward scripts of every proposal, applied in dependency order, on the embedded
   baseline filled with the scale generator to ``--rows`` DataCollection rows (default
   1,000,000), then their rollbacks: the time of each script and of its slowest statement
   (a statement is stopped after ``--limit`` seconds and reported).
"""
from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ispyb_schema.baseline import load_schema
from ispyb_schema.changeset.validate import validate
from ispyb_schema.fixtures import fixture_sql
from ispyb_schema.fixtures.generate import generate_sql
from ispyb_schema.fixtures.scale_plan import SCALE_PLAN
from ispyb_schema.harness.server import KINDS, provide_server
from ispyb_schema.harness.sqlscript import find_client
from ispyb_schema.verify import verify_proposals
from ispyb_schema.verify.scratch import LOAD_AHEAD, fill
from ispyb_schema.verify.session import in_dependency_order, make_loader
from ispyb_schema.verify.statements import execute, planned_script

ROOT = Path(__file__).resolve().parents[1]
UPSTREAM = ROOT.parent / "shared" / "ispyb-database"
EMBEDDED = ROOT / "schema"
PROPOSALS = sorted((ROOT / "proposals").glob("*.yaml"))


def baselines() -> list[tuple[str, str, list[Path]]]:
    out = [("embedded", str(EMBEDDED), [EMBEDDED / "fixtures"])]
    if (UPSTREAM / "tables.sql").is_file():
        out.append(("upstream", str(UPSTREAM / "tables.sql"),
                    [UPSTREAM / "lookups.sql", UPSTREAM / "data.sql"]))
    return out


def bare_load(server, database: str, scripts: list[str]) -> None:
    """The mariadb client, as a DBA would run it: one pipe per script."""
    command = [find_client(), "--no-defaults", "--protocol=TCP", f"--host={server.host}",
               f"--port={server.port}", f"--user={server.user}", f"--database={database}"]
    env = dict(os.environ, MYSQL_PWD=server.password)
    for script in scripts:
        subprocess.run(command, input=script.encode(), env=env, check=True,
                       capture_output=True)


def timed_in_fresh_database(server, load) -> float:
    database = server.create_scratch_database("bench")
    try:
        start = time.perf_counter()
        load(database)
        return time.perf_counter() - start
    finally:
        server.drop_scratch_database(database)


def bench_load(server, repeat: int) -> None:
    print("1. baseline + fixtures into a fresh database (best of", repeat, "runs)")
    for name, source, fixtures in baselines():
        loader = make_loader(source, load_schema(source), fixtures)
        scripts = [Path(loader.baseline_file).read_text() if loader.baseline_file
                   else loader.baseline_text, loader.fixtures_text]
        ours = min(timed_in_fresh_database(server, lambda db: fill(server, db, loader))
                   for _ in range(repeat))
        bare = min(timed_in_fresh_database(server, lambda db: bare_load(server, db, scripts))
                   for _ in range(repeat))
        print(f"   {name:9} harness {ours:6.2f} s   bare mariadb client {bare:6.2f} s   "
              f"ratio {ours / bare:.2f}x (goal <= 1.2x)")


def bare_loads(server, scripts: list[str], count: int) -> float:
    """``count`` fresh databases loaded by the bare client, LOAD_AHEAD at a time (as verify
    loads them); the wall time, drops not included."""
    databases = [server.create_scratch_database("bench") for _ in range(count)]
    try:
        start = time.perf_counter()
        with ThreadPoolExecutor(LOAD_AHEAD) as pool:
            list(pool.map(lambda db: bare_load(server, db, scripts), databases))
        return time.perf_counter() - start
    finally:
        for database in databases:
            server.drop_scratch_database(database)


def loads_needed(report) -> int:
    """The databases a verification loaded: one per run that ran, one per batches stage."""
    return sum(1 for run in report.runs if run.steps and run.steps[0].name == "load") + sum(
        1 for run in report.runs for step in run.steps if step.name == "batches")


def bench_verify(server) -> None:
    print(f"2. verify every proposal in proposals/ ({len(PROPOSALS)}, each alone and all "
          "together) against the bare loads it needs")
    for name, source, fixtures in baselines():
        loader = make_loader(source, load_schema(source), fixtures)
        scripts = [Path(loader.baseline_file).read_text() if loader.baseline_file
                   else loader.baseline_text, loader.fixtures_text]
        count = len(PROPOSALS) + (len(PROPOSALS) > 1)
        before = bare_loads(server, scripts, count)
        report = verify_proposals(PROPOSALS, source, fixtures, server)
        needed = loads_needed(report)
        after = bare_loads(server, scripts, needed)
        if needed != count:  # the first measure loaded another number of databases
            before = after
        bare = (before + after) / 2
        stages: dict[str, float] = {}
        for run in report.runs:
            for step in run.steps:
                key = step.name.split(": ")[-1]
                stages[key] = stages.get(key, 0.0) + step.seconds
        busiest = ", ".join(f"{k} {v:.1f} s" for k, v in
                            sorted(stages.items(), key=lambda kv: -kv[1])[:4])
        print(f"   {name:9} verify {report.seconds:6.1f} s for {len(report.runs)} runs "
              f"({'all verified' if report.ok else 'FAILED'}); {needed} bare loads, "
              f"{LOAD_AHEAD} at a time, {bare:5.1f} s ({before:.1f} s before, {after:.1f} s "
              f"after); ratio {report.seconds / bare:.2f}x (goal <= 1.5x)")
        print(f"   {'':9} stage time summed over the runs (they overlap): {busiest}")


def bench_scale(server, rows: int, limit: int) -> None:
    per_unit = next(p.per_unit for p in SCALE_PLAN if p.table == "DataCollection")
    scale = math.ceil(rows / per_unit)
    base = load_schema(EMBEDDED)
    subjects, problems = in_dependency_order(validate(PROPOSALS, base), base)
    if problems:
        print("3. skipped: the proposals do not apply together:", *problems, sep="\n   ")
        return
    database = server.create_scratch_database("bench")
    try:
        start = time.perf_counter()
        fill(server, database, make_loader(str(EMBEDDED), base, [EMBEDDED / "fixtures"]))
        server.load_sql(database, text=generate_sql(base, scale))
        print(f"3. forward and rollback scripts at {scale * per_unit:,} DataCollection rows "
              f"(scale {scale}, loaded in {time.perf_counter() - start:.0f} s)")
        with server.connect(database) as conn:
            with conn.cursor() as cur:  # a runaway statement is reported, not waited for
                cur.execute(f"SET SESSION max_statement_time = {limit}")
            for rollback in (False, True):
                for subject in reversed(subjects) if rollback else subjects:
                    _, statements = planned_script(subject.walk, "bench", rollback=rollback)
                    done, failure = execute(conn, statements)
                    slowest = max(done, key=lambda d: d.seconds, default=None)
                    total = sum(d.seconds for d in done)
                    what = "rollback" if rollback else "forward "
                    print(f"   {what} {subject.proposal.id:30} {total:7.1f} s  "
                          f"{len(statements):3} statements" + (
                              f"; slowest {slowest.seconds:.1f} s: "
                              f"{slowest.statement.first_line[:60]}" if slowest else ""))
                    if failure:
                        print(f"   FAILED: {failure}")
                        return
    finally:
        server.drop_scratch_database(database)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of the load benchmark, best taken (0: skip it)")
    parser.add_argument("--rows", type=int, default=1_000_000,
                        help="DataCollection rows for the scale benchmark (0: skip it)")
    parser.add_argument("--limit", type=int, default=600,
                        help="seconds a statement of the scale benchmark may take")
    parser.add_argument("--db", default=None, help="URL, 'docker' or 'local'")
    args = parser.parse_args()
    if not PROPOSALS:
        sys.exit("no proposals in proposals/")
    url = args.db if args.db and "://" in args.db else None
    prefer = args.db if args.db in KINDS else None
    with provide_server(url, prefer=prefer) as server:
        print(f"server: {server.describe()}")
        if args.repeat:
            bench_load(server, args.repeat)
        bench_verify(server)
        if args.rows:
            bench_scale(server, args.rows, args.limit)


if __name__ == "__main__":
    main()
