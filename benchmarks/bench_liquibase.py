# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema apply`` against Liquibase ``update``, the same four-step change on identical
scratch copies of the upstream schema and data (issue 15).

    python benchmarks/bench_liquibase.py [--repeat 5] [--db URL|docker|local]

The change (tests/data/apply/four-step.yaml, and the same four changes as a Liquibase
changelog): rename a commented NOT NULL column, append an enum value, add a foreign key, drop
a column. Each tool gets its own copy of a template database loaded once with tables.sql,
lookups.sql and data.sql; between runs the copy is reset to the template (the tables a run
changed are copied again), so every run starts from the same schema, data and counters.
The runs are interleaved (ours, Liquibase, ours, …); the medians are printed with their
ratio, then each tool's attributes of the columns the change touches.

Timed, median of ``--repeat``:

* ``apply (in-process)``: what the command does after start-up: connect, load the baseline,
  validate, check the target against it, run the script with its step record, compare the
  schema with the proposal's model;
* ``apply (whole process)``: ``ispyb-schema apply … --yes`` as a user runs it (Python start-up
  and imports included);
* ``liquibase update``: the Liquibase launcher as a user runs it (JVM start-up included).

Liquibase 4.28 comes with the ``liquibase`` npm package (launcher, jars, MariaDB JDBC driver;
it needs Java 17): ``npm install --prefix ~/.cache/ispyb-schema/liquibase liquibase@4.28``.
The launcher is taken from ``$ISPYB_SCHEMA_LIQUIBASE``, else from that prefix; without it the
Liquibase half is skipped with a message.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

from ispyb_schema.baseline import load_schema
from ispyb_schema.harness.server import KINDS, provide_server
from ispyb_schema.harness.template import Template
from ispyb_schema.verify.apply import apply_plan, connect, plan_apply

ROOT = Path(__file__).resolve().parents[1]
UPSTREAM = ROOT.parent / "shared" / "ispyb-database"
CHANGE = ROOT / "tests" / "data" / "apply" / "four-step.yaml"
LIQUIBASE_ENV = "ISPYB_SCHEMA_LIQUIBASE"
KNOWN = (Path.home() / ".cache" / "ispyb-schema" / "liquibase" / "node_modules" / "liquibase"
         / "dist" / "liquibase" / "liquibase")
CHANGELOG = """\
databaseChangeLog:
  - changeSet:
      id: four-step
      author: ispyb-schema benchmark
      changes:
        - renameColumn:
            tableName: BLSampleImage
            oldColumnName: offsetX
            newColumnName: canvasOffsetX
            columnDataType: int(11)
        - modifyDataType:
            tableName: AutoProcScalingStatistics
            columnName: scalingStatisticsType
            newDataType: enum('overall','innerShell','outerShell','anomalous')
        - addForeignKeyConstraint:
            baseTableName: AutoProc
            baseColumnNames: autoProcProgramId
            constraintName: AutoProc_fk_autoProcProgramId
            referencedTableName: AutoProcProgram
            referencedColumnNames: autoProcProgramId
            onDelete: SET NULL
            onUpdate: CASCADE
        - dropColumn:
            tableName: Dewar
            columnName: transportValue
"""
TOUCHED = [("BLSampleImage", "canvasOffsetX"),
           ("AutoProcScalingStatistics", "scalingStatisticsType")]


def liquibase() -> Path | None:
    found = os.environ.get(LIQUIBASE_ENV)
    path = Path(found) if found else KNOWN
    return path if path.is_file() else None


PHASES = ("connect", "load the baseline", "validate + check the target", "run + compare")


def ours_in_process(url: str, source: str, phases: dict[str, list[float]] | None = None
                    ) -> float:
    marks = [time.perf_counter()]
    conn, database = connect(url)
    marks.append(time.perf_counter())
    try:
        base = load_schema(source)
        marks.append(time.perf_counter())
        plan = plan_apply([CHANGE], source, conn, database, base=base)
        assert not plan.refusals, plan.refusals
        marks.append(time.perf_counter())
        outcomes = apply_plan(plan, conn, database)
        assert all(o.ok for o in outcomes), outcomes
        marks.append(time.perf_counter())
    finally:
        conn.close()
    if phases is not None:
        for name, a, b in zip(PHASES, marks, marks[1:]):
            phases.setdefault(name, []).append(b - a)
    return marks[-1] - marks[0]


def ours_process(url: str, source: str) -> float:
    """As a user runs it: with Python's bytecode cache (an environment that sets
    PYTHONDONTWRITEBYTECODE would compile the package's modules again at every start)."""
    command = [sys.executable, "-m", "ispyb_schema", "apply", str(CHANGE), "--db", url,
               "--baseline", source, "--yes"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def liquibase_update(launcher: Path, server, database: str, changelog: Path) -> float:
    command = [str(launcher), "--show-banner=false",
               f"--url=jdbc:mariadb://{server.host}:{server.port}/{database}",
               f"--username={server.user}", f"--password={server.password}",
               f"--search-path={changelog.parent}", f"--changelog-file={changelog.name}",
               "update"]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode:
        sys.exit(f"liquibase update failed:\n{result.stdout}\n{result.stderr}")
    return seconds


def attributes(server, database: str) -> list[str]:
    with closing(server.connect(database)) as conn, conn.cursor() as cur:
        out = []
        for table, column in TOUCHED:
            cur.execute("SELECT COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, COLUMN_COMMENT FROM "
                        "information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
                        "TABLE_NAME = %s AND COLUMN_NAME = %s", (table, column))
            row = cur.fetchone()
            if row is None:
                out.append(f"{table}.{column}: missing")
                continue
            kind, nullable, default, comment = row
            out.append(f"{table}.{column}: {kind} {'NULL' if nullable == 'YES' else 'NOT NULL'}"
                       f", default {default}, comment {comment!r}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", default=None, help="URL, 'docker' or 'local'")
    args = parser.parse_args()
    if not (UPSTREAM / "tables.sql").is_file():
        sys.exit("the upstream dump is not in ../shared/ispyb-database")
    launcher = liquibase()
    if launcher is None:
        print(f"Liquibase not found (set {LIQUIBASE_ENV} to its launcher, or run `npm install "
              f"--prefix {KNOWN.parents[3]} liquibase@4.28`): timing ispyb-schema only")
    source = str(UPSTREAM / "tables.sql")
    url = args.db if args.db and "://" in args.db else None
    prefer = args.db if args.db in KINDS else None
    with provide_server(url, prefer=prefer) as server, \
            tempfile.TemporaryDirectory() as tmp:
        print(f"server: {server.describe()}")
        changelog = Path(tmp) / "changelog.yaml"
        changelog.write_text(CHANGELOG)
        loaded = server.create_scratch_database("bench_tpl")
        for name in ("tables.sql", "lookups.sql", "data.sql"):
            server.load_sql(loaded, UPSTREAM / name)
        template = Template(server, loaded, load_schema(source))
        mine, theirs = template.clone("bench_ours"), template.clone("bench_lb")
        times: dict[str, list[float]] = {"apply (in-process)": [], "apply (whole process)": [],
                                         "liquibase update": []}
        ours_process(server.url + mine, source)  # warm-up, untimed: caches (bytecode, the
        template.reset(mine)  # parsed dump, the OS's file cache) as after a first run
        if launcher:
            liquibase_update(launcher, server, theirs, changelog)
            template.reset(theirs)
        phases: dict[str, list[float]] = {}
        for _ in range(args.repeat):
            times["apply (in-process)"].append(ours_in_process(server.url + mine, source,
                                                               phases))
            template.reset(mine)
            if launcher:
                times["liquibase update"].append(
                    liquibase_update(launcher, server, theirs, changelog))
                template.reset(theirs)
            times["apply (whole process)"].append(ours_process(server.url + mine, source))
            template.reset(mine)
        medians = {name: statistics.median(t) for name, t in times.items() if t}
        for name, median in medians.items():
            runs = ", ".join(f"{t:.2f}" for t in times[name])
            print(f"{name:24} {median:6.2f} s   (runs: {runs})")
        print("apply in-process by phase: " + ", ".join(
            f"{name} {statistics.median(t):.3f} s" for name, t in phases.items()))
        if launcher:
            lb = medians["liquibase update"]
            for name in ("apply (in-process)", "apply (whole process)"):
                print(f"liquibase / {name}: {lb / medians[name]:.1f}x")
        ours_in_process(server.url + mine, source)
        print("after ispyb-schema apply:")
        for line in attributes(server, mine):
            print(f"  {line}")
        if launcher:
            liquibase_update(launcher, server, theirs, changelog)
            print("after liquibase update:")
            for line in attributes(server, theirs):
                print(f"  {line}")


if __name__ == "__main__":
    main()
