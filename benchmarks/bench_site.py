# SPDX-License-Identifier: LGPL-3.0-or-later
"""How long the review site takes on the full upstream baseline (203 tables).

Stages: load the dump, collect the proposals (validate, walk, plan their SQL: the project's, or
the changeset's examples in tests/data/proposals while it has none), render the pages, write
them, ``mkdocs build --strict``. The ratio printed
is our own work (render + write) against mkdocs' build of the same pages, measured in the
same run. Run: ``python benchmarks/bench_site.py [DUMP]``.
"""
from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from ispyb_schema.baseline import load_schema  # noqa: E402
from ispyb_schema.config import find_project  # noqa: E402
from ispyb_schema.site.build import GENERATED, render_pages, write_tree  # noqa: E402
from ispyb_schema.site.collect import collect_site  # noqa: E402
from ispyb_schema.site.publish import run_mkdocs  # noqa: E402
from sitemodels import copy_site_skeleton  # noqa: E402

DUMP = ROOT.parent / "shared" / "ispyb-database" / "tables.sql"
EXAMPLES = ROOT / "tests" / "data" / "proposals"


def timed(label: str, figures: dict[str, float], func, *args):
    start = time.perf_counter()
    result = func(*args)
    figures[label] = time.perf_counter() - start
    return result


def main() -> int:
    dump = Path(sys.argv[1]) if len(sys.argv) > 1 else DUMP
    if not dump.is_file():
        print(f"no upstream dump at {dump}", file=sys.stderr)
        return 2
    figures: dict[str, float] = {}
    baseline = timed("load dump", figures, load_schema, dump)
    project = find_project(ROOT)
    if not list(project.proposals.glob("*.yaml")):
        project = replace(project, proposals=EXAMPLES)
    model = timed("collect", figures, collect_site, project, baseline, str(dump))
    pages = timed("render pages", figures, render_pages, model)
    with tempfile.TemporaryDirectory() as tmp:
        site = copy_site_skeleton(Path(tmp))
        timed("write pages", figures, write_tree, pages, site / "docs" / GENERATED)
        timed("mkdocs build --strict", figures, run_mkdocs, site, True)
    total = sum(figures.values())
    print(f"review site on {dump.name}: {len(baseline)} tables, {len(model.proposals)} "
          f"proposals from {project.proposals.relative_to(ROOT)}, {len(pages)} generated files")
    for label, seconds in figures.items():
        print(f"  {label:<24} {seconds:7.2f} s")
    print(f"  {'total':<24} {total:7.2f} s")
    ours = figures["render pages"] + figures["write pages"]
    print(f"  render+write / mkdocs build = {ours / figures['mkdocs build --strict']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
