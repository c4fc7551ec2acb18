# SPDX-License-Identifier: LGPL-3.0-or-later
"""YAML loading speed: the bounded libyaml loader against the pure-Python loader it replaced.

    python benchmarks/bench_yaml.py [--repeat N]

Two sets of files: every valid YAML file of the project (proposals, the embedded baseline,
the test proposals) and the corpus of bad inputs (tests/data/bad_proposals), whose files fail
in the loader or later. For each set, the best of N runs of:

- before: the loader main used (``yaml.compose`` with the pure-Python ``SafeLoader``, then the
  values and their locations, recursively), errors caught;
- after: ``parse_yaml`` as the tool runs it (decode, size, characters, libyaml's events
  composed with the depth, value and tag checks, the pure-Python parser run again only to
  word and place a syntax error), errors caught;
- libyaml alone: ``yaml.compose`` with ``CSafeLoader`` (no limits, no locations), for scale.

Corpus cases refused for a limit (E002: alias bombs, deep nesting, size) are left out of the
timing: the loader before either exhausts memory on them (a 1 KB alias bomb took 3.9 GB) or
ends in a RecursionError.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import yaml

from ispyb_schema.errors import InputError
from ispyb_schema.yamlsrc import Locator, decode_source, parse_yaml

ROOT = Path(__file__).resolve().parents[1]


def before(data: bytes, file: str):
    """main's loader until the bounded one: pure-Python compose, then a recursive build."""
    try:
        text = data.decode("utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (UnicodeDecodeError, yaml.YAMLError) as err:
        return err
    if root is None:
        return None
    locator, constructor = Locator(file), yaml.constructor.SafeConstructor()

    def build(node, path):
        locator.record(path, node)
        if isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value_node in node.value:
                key = constructor.construct_object(key_node)
                locator.record(path + (key,), value_node, key_node)
                out[key] = build(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [build(item, path + (i,)) for i, item in enumerate(node.value)]
        return constructor.construct_object(node)
    try:
        return build(root, ())
    except (yaml.YAMLError, TypeError, ValueError) as err:  # unhashable key, bad date
        return err


def after(data: bytes, file: str):
    try:
        return parse_yaml(decode_source(data, file), file)
    except InputError as err:
        return err


def libyaml(data: bytes, file: str):
    try:
        return yaml.compose(data.decode("utf-8"), Loader=yaml.CSafeLoader)
    except (UnicodeDecodeError, yaml.YAMLError) as err:
        return err


def best_of(repeat: int, func, files) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for name, data in files:
            func(data, name)
        best = min(best, time.perf_counter() - start)
    return best


def limited(data: bytes, file: str) -> bool:
    result = after(data, file)
    return isinstance(result, InputError) and result.diagnostics[0].code == "E002"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    valid = sorted([*ROOT.glob("proposals/*.yaml"), *ROOT.glob("schema/**/*.yaml"),
                    *ROOT.glob("tests/data/proposals/*.yaml")])
    bad = sorted([*ROOT.glob("tests/data/bad_proposals/*.yaml"),
                  *ROOT.glob("tests/data/bad_proposals/*.bin")])
    sets = {"valid": [(str(f), f.read_bytes()) for f in valid]}
    corpus = [(str(f), f.read_bytes()) for f in bad]
    sets["corpus"] = [(f, d) for f, d in corpus if not limited(d, f)]
    left_out = len(corpus) - len(sets["corpus"])
    totals = {"before": 0.0, "after": 0.0, "libyaml": 0.0}
    for name, files in sets.items():
        size = sum(len(d) for _, d in files) / 1024
        times = {"before": best_of(args.repeat, before, files),
                 "after": best_of(args.repeat, after, files),
                 "libyaml": best_of(args.repeat, libyaml, files)}
        for key, value in times.items():
            totals[key] += value
        print(f"{name}: {len(files)} files, {size:.0f} KiB"
              + (f" ({left_out} corpus cases refused for a limit left out)"
                 if name == "corpus" else ""))
        print(f"  before (pure-Python loader) {times['before'] * 1000:8.1f} ms")
        print(f"  after  (bounded, libyaml)   {times['after'] * 1000:8.1f} ms  "
              f"{times['before'] / times['after']:5.1f}x faster")
        print(f"  libyaml compose alone       {times['libyaml'] * 1000:8.1f} ms")
    print(f"all: before {totals['before'] * 1000:.1f} ms, after {totals['after'] * 1000:.1f} ms, "
          f"{totals['before'] / totals['after']:.1f}x faster")


if __name__ == "__main__":
    main()
