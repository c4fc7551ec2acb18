# SPDX-License-Identifier: LGPL-3.0-or-later
"""YAML loading speed: the project's bounded loader against PyYAML's own composers.

    python benchmarks/bench_yaml.py [--repeat N]

Prints the best of N runs over every proposal and every file of the embedded baseline: the
pure-Python composer the tool used before (``yaml.compose(Loader=SafeLoader)``), libyaml's
composer (``CSafeLoader``: no limits, aliases not counted while composing), and the tool's
``parse_yaml`` (libyaml's events composed with the size, depth, value and tag checks, then
turned into data with every location recorded), with the ratios.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import yaml

from ispyb_schema.yamlsrc import compose, parse_yaml

ROOT = Path(__file__).resolve().parents[1]


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
    args = parser.parse_args()
    files = sorted([*ROOT.glob("proposals/*.yaml"), *ROOT.glob("schema/**/*.yaml")])
    texts = [(str(f), f.read_text(encoding="utf-8")) for f in files]
    pure = best_of(args.repeat, lambda: [yaml.compose(t, Loader=yaml.SafeLoader)
                                         for _, t in texts])
    libyaml = best_of(args.repeat, lambda: [yaml.compose(t, Loader=yaml.CSafeLoader)
                                            for _, t in texts])
    bounded = best_of(args.repeat, lambda: [compose(t, f) for f, t in texts])
    data = best_of(args.repeat, lambda: [parse_yaml(t, f) for f, t in texts])
    print(f"{len(texts)} files, {sum(len(t) for _, t in texts) / 1024:.0f} KiB")
    print(f"pure-Python compose (before)  {pure * 1000:8.1f} ms")
    print(f"libyaml compose (no limits)   {libyaml * 1000:8.1f} ms  {pure / libyaml:5.1f}x faster")
    print(f"bounded compose (the tool)    {bounded * 1000:8.1f} ms  {pure / bounded:5.1f}x faster")
    print(f"parse_yaml: data + locations  {data * 1000:8.1f} ms  {pure / data:5.1f}x faster")


if __name__ == "__main__":
    main()
