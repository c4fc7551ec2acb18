# SPDX-License-Identifier: LGPL-3.0-or-later
"""Speed of ``diff``, ``propose --from-sql`` and the phpMyAdmin-style import, each against a
baseline measured in the same run.

    python benchmarks/bench_diff.py [--repeat N] [--no-server]

* diff of two full upstream releases (v2.1.0 -> v4.11.0: import both, compare, write the
  proposal) against two bare imports of the same files. Goal: <= 1.5x.
* propose --from-sql of an interval's scripts (v4.9.0 -> v4.10.0, on the harness's server)
  against loading the baseline dump alone into a scratch database.
* the import of a phpMyAdmin-style export of v2.1.0 (bare CREATE TABLEs completed by ALTER
  TABLE) against the import of the mariadb-dump file it was written from.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ispyb_schema.importer.dump import import_dump
from ispyb_schema.propose.diff import schema_steps
from ispyb_schema.propose.writer import ProposalText, render

HISTORY = Path(__file__).resolve().parents[1].parent / "shared" / "ispyb-database" / "history"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def best_of(repeat: int, func) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def diff_files(old: Path, new: Path) -> str:
    a, b = import_dump(old), import_dump(new)
    steps = schema_steps(a, b)
    return render(ProposalText("bench", "bench", "bench", steps.steps, accept_loss=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-server", action="store_true", help="skip propose --from-sql")
    args = parser.parse_args()
    old, new = HISTORY / "v2.1.0" / "tables.sql", HISTORY / "v4.11.0" / "tables.sql"

    bare = best_of(args.repeat, lambda: (import_dump(old), import_dump(new)))
    diffed = best_of(args.repeat, lambda: diff_files(old, new))
    print(f"two bare imports ({old.parent.name}, {new.parent.name}) {bare * 1000:8.1f} ms")
    print(f"diff of the two releases             {diffed * 1000:8.1f} ms   ratio "
          f"{diffed / bare:.2f}x (goal <= 1.5x)")

    from test_import_other_dumps import phpmyadmin_export  # the tests' phpMyAdmin writer

    model = import_dump(old)
    export = phpmyadmin_export(model)
    plain = best_of(args.repeat, lambda: import_dump(old))
    pma = best_of(args.repeat, lambda: import_dump("export.sql", text=export))
    print(f"import of the mariadb-dump file      {plain * 1000:8.1f} ms")
    print(f"import of its phpMyAdmin-style form  {pma * 1000:8.1f} ms   ratio {pma / plain:.2f}x")

    if args.no_server:
        return
    from ispyb_schema.harness.server import provide_server, scratch_database
    from ispyb_schema.propose.from_sql import convert_script, set_database_charset

    base = HISTORY / "v4.9.0" / "tables.sql"
    scripts = sorted((HISTORY / "v4.10.0" / "updates").glob("*.sql"))
    with provide_server() as server:
        def load_only():
            with scratch_database(server, "bench_load") as name:
                server.load_sql(name, base)

        def propose():
            with scratch_database(server, "bench_propose") as name:
                server.load_sql(name, base)
                with server.connect(name) as conn:
                    set_database_charset(conn, name, "latin1")
                    previous: list[str] = []
                    for script in scripts:
                        previous = [convert_script(script, conn, name, previous).proposal.id]

        loaded = best_of(args.repeat, load_only)
        proposed = best_of(args.repeat, propose)
    print(f"load {base.parent.name} into a scratch database  {loaded * 1000:8.1f} ms")
    print(f"propose --from-sql of {len(scripts)} scripts      {proposed * 1000:8.1f} ms   ratio "
          f"{proposed / loaded:.2f}x")


if __name__ == "__main__":
    main()
