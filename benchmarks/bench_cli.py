# SPDX-License-Identifier: LGPL-3.0-or-later
"""Whole-process start-up of the CLI, against bare processes measured in the same run.

    python benchmarks/bench_cli.py [--repeat N] [--dump tables.sql]

Runs each command N times, interleaved with its baseline, and prints the medians and ratios:

- ``ispyb-schema --help`` against ``python -c "import click"`` (goal ≤ 2×);
- ``ispyb-schema ddl --baseline tables.sql`` against a bare process that only parses the same
  file with sqlglot and the project's MariaDB dialect (goal ≤ 1.3×), with the parsed-baseline
  cache warm, and once cold (an empty cache folder: the first run after the dump changes).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLES_SQL = ROOT.parent / "shared" / "ispyb-database" / "tables.sql"
TOOL = [sys.executable, "-m", "ispyb_schema"]
BARE_PARSE = ("import sys, sqlglot; from ispyb_schema.importer.dialect import MariaDB; "
              "sqlglot.parse(open(sys.argv[1], encoding='utf-8').read(), read=MariaDB)")


def seconds(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def interleaved(repeat: int, env: dict[str, str], **commands: list[str]) -> dict[str, float]:
    """Median seconds of each command, the commands taking turns so load hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            times[name].append(seconds(command, env))
    return {name: statistics.median(values) for name, values in times.items()}


def line(label: str, value: float, base: float | None = None, goal: str = "") -> str:
    ratio = f"   ratio {value / base:5.2f}x {goal}" if base else ""
    return f"{label:<44} {value * 1000:8.1f} ms{ratio}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dump", type=Path, default=TABLES_SQL)
    args = parser.parse_args()
    cache = Path(tempfile.mkdtemp(prefix="bench-cli-cache-"))
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    try:
        helps = interleaved(args.repeat, env, click=[sys.executable, "-c", "import click"],
                            help=[*TOOL, "--help"])
        ddl = [*TOOL, "ddl", "--baseline", str(args.dump)]
        bare = [sys.executable, "-c", BARE_PARSE, str(args.dump)]
        cold, cold_bare = [], []  # the cold runs interleaved with bare parses too
        for _ in range(args.repeat):
            shutil.rmtree(cache / "ispyb-schema", ignore_errors=True)
            cold.append(seconds(ddl, env))
            cold_bare.append(seconds(bare, env))
        parses = interleaved(args.repeat, env, bare=[sys.executable, "-c", BARE_PARSE,
                                                     str(args.dump)], ddl=ddl)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    print(f"median of {args.repeat} whole processes, interleaved with their baseline")
    print(line('python -c "import click"', helps["click"]))
    print(line("ispyb-schema --help", helps["help"], helps["click"], "(goal <= 2x)"))
    print(line(f"bare sqlglot parse of {args.dump.name}", parses["bare"]))
    print(line("ispyb-schema ddl --baseline (cache warm)", parses["ddl"], parses["bare"],
               "(goal <= 1.3x)"))
    print(line("ispyb-schema ddl --baseline (cache cold)", statistics.median(cold),
               statistics.median(cold_bare), "(goal <= 1.3x; against the bare parses "
                                             "interleaved with it)"))


if __name__ == "__main__":
    main()
