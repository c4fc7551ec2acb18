# SPDX-License-Identifier: LGPL-3.0-or-later
"""Import and emit speed on the full upstream dump, against a bare sqlglot parse.

    python benchmarks/bench_foundation.py [--repeat N]

Prints the best of N runs for: a bare ``sqlglot.parse`` of tables.sql (the baseline, with the
project's MariaDB dialect, which the MySQL one cannot parse), the project's import of the same
file, the DDL emission of the model, and the peak memory of one import. Goal: import ≤ 1.3×
the bare parse.
"""
from __future__ import annotations

import argparse
import time
import tracemalloc
from pathlib import Path

import sqlglot

from ispyb_schema.importer.dialect import MariaDB
from ispyb_schema.importer.dump import import_dump
from ispyb_schema.render.ddl import schema_ddl

TABLES_SQL = Path(__file__).resolve().parents[1].parent / "shared" / "ispyb-database" / "tables.sql"


def best_of(repeat: int, func) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dump", type=Path, default=TABLES_SQL)
    args = parser.parse_args()
    text = args.dump.read_text(encoding="utf-8")

    bare = best_of(args.repeat, lambda: sqlglot.parse(text, read=MariaDB))
    imported = best_of(args.repeat, lambda: import_dump(args.dump, text=text))
    model = import_dump(args.dump, text=text)
    emit = best_of(args.repeat, lambda: schema_ddl(model))

    tracemalloc.start()
    import_dump(args.dump, text=text)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"dump: {args.dump} ({len(text) / 1024:.0f} KiB, {len(model)} tables)")
    print(f"bare sqlglot.parse     {bare * 1000:8.1f} ms")
    print(f"import (parse + model) {imported * 1000:8.1f} ms   ratio {imported / bare:.2f}x (goal <= 1.3x)")
    print(f"emit DDL               {emit * 1000:8.1f} ms")
    print(f"peak memory of import  {peak / 2**20:8.1f} MiB")


if __name__ == "__main__":
    main()
