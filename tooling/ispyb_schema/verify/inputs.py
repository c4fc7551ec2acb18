# SPDX-License-Identifier: LGPL-3.0-or-later
"""Which fixture data a verification loads when none is named."""
from __future__ import annotations

from pathlib import Path

from ..config import find_project
from ..errors import InputError

UPSTREAM_FIXTURES = ("lookups.sql", "data.sql")


def default_fixtures(baseline: str | None) -> tuple[list[Path], str]:
    """The fixtures for ``baseline`` (None: the project's default baseline) and where they
    come from:

    * the project's default baseline: ``[tool.ispyb-schema] fixtures``;
    * a dump file with ``lookups.sql`` and ``data.sql`` beside it (the upstream layout): those
      two, in that order;
    * anything else: none — the data checks then run on empty tables.
    """
    try:
        project = find_project()
    except InputError:
        project = None
    if project and (baseline is None or _same(baseline, project.baseline_source())):
        return list(project.fixtures), "[tool.ispyb-schema] fixtures in pyproject.toml"
    if baseline and "://" not in baseline and baseline.lower().endswith(".sql"):
        beside = [Path(baseline).parent / name for name in UPSTREAM_FIXTURES]
        if all(p.is_file() for p in beside):
            return beside, f"found beside {Path(baseline).name}"
    return [], "none given or found: the data checks run on empty tables"


def _same(a: str, b: str) -> bool:
    if "://" in a or "://" in b:
        return a == b
    return Path(a).resolve() == Path(b).resolve()
