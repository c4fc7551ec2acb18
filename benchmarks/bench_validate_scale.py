# SPDX-License-Identifier: LGPL-3.0-or-later
"""Validation cost per step, at 100, 1,000 and 10,000 steps.

    python benchmarks/bench_validate_scale.py [--steps 100 1000 10000] [--profile N]

Generates a proposal of N steps that creates a table, adds 99 columns to it one
``add_column`` step each, creates the next table, and so on (MariaDB allows at most 4096 columns
per table, so the steps spread over tables as in a real proposal), and validates it against
the embedded baseline. Prints, per size, the time per step and
the peak memory (tracemalloc) per step: linear cost shows as flat columns. Goal: ≤ 0.5 ms per
step. Also the part of it that is parsing the YAML (``yaml.compose`` with the pure-Python
SafeLoader the loader uses) apart from the rest, and what the total would be with libyaml's
CSafeLoader composing the same text (measured here). ``--profile N`` prints the cProfile of the
N-step file instead.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml

from ispyb_schema.baseline import load_schema
from ispyb_schema.changeset.validate import validate

ROOT = Path(__file__).resolve().parents[1]
COLUMNS_PER_TABLE = 100  # MariaDB allows at most 4096 columns per table
HEADER = """\
# SPDX-License-Identifier: LGPL-3.0-or-later
id: scale-{n}
title: Tables with columns added one by one, {n} steps
status: draft
authors: [{{name: Benchmark, affiliation: ispyb-schema}}]
created: 2024-01-01
steps:
"""
CREATE = """\
  - create_table:
      table: ScaleTest{t}
      comment: Columns added one step at a time.
      columns:
        - {{name: scaleTest{t}Id, type: int(11) unsigned, nullable: false, auto_increment: true}}
      indexes:
        - {{name: PRIMARY, kind: PRIMARY, columns: [scaleTest{t}Id]}}
"""
ADD = """\
  - add_column:
      table: ScaleTest{t}
      column: {{name: value{i}, type: int(11), comment: Value number {i}}}
"""


def proposal(n: int) -> str:
    """``n`` steps: a new table every COLUMNS_PER_TABLE steps, then add_column steps on it."""
    steps = [CREATE.format(t=i // COLUMNS_PER_TABLE) if i % COLUMNS_PER_TABLE == 0 else
             ADD.format(t=i // COLUMNS_PER_TABLE, i=i) for i in range(n)]
    return HEADER.format(n=n) + "".join(steps)


def validate_file(path: Path, base) -> float:
    start = time.perf_counter()
    result = validate([path], base)
    seconds = time.perf_counter() - start
    result.raise_if_errors()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--profile", type=int, default=None, metavar="N")
    args = parser.parse_args()
    base = load_schema(ROOT / "schema")
    with tempfile.TemporaryDirectory() as folder:
        if args.profile:
            path = Path(folder) / f"scale-{args.profile}.yaml"
            path.write_text(proposal(args.profile), encoding="utf-8")
            profile = cProfile.Profile()
            profile.runcall(validate_file, path, base)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
            return
        print(f"{'steps':>7} {'file KiB':>9} {'seconds':>9} {'ms/step':>8} {'YAML':>6} "
              f"{'rest':>6} {'with C YAML':>11} {'peak MiB':>9} {'KiB/step':>9}")
        for n in args.steps:
            path = Path(folder) / f"scale-{n}.yaml"
            path.write_text(proposal(n), encoding="utf-8")
            seconds = validate_file(path, base)
            text = path.read_text(encoding="utf-8")
            python_yaml = compose_seconds(text, yaml.SafeLoader)
            c_yaml = compose_seconds(text, yaml.CSafeLoader)
            tracemalloc.start()
            validate_file(path, base)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            per = 1000 / n
            print(f"{n:>7} {path.stat().st_size / 1024:>9.0f} {seconds:>9.2f} "
                  f"{seconds * per:>8.3f} {python_yaml * per:>6.3f} "
                  f"{(seconds - python_yaml) * per:>6.3f} "
                  f"{(seconds - python_yaml + c_yaml) * per:>11.3f} {peak / 2**20:>9.1f} "
                  f"{peak / n / 1024:>9.1f}")
    print("ms/step: all of validate; YAML: its pure-Python yaml.compose; rest: the others; "
          "with C YAML: rest + CSafeLoader's compose")
    print("goal: <= 0.5 ms/step, flat ms/step and KiB/step (linear in the steps)")


def compose_seconds(text: str, loader) -> float:
    start = time.perf_counter()
    yaml.compose(text, Loader=loader)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
