# SPDX-License-Identifier: LGPL-3.0-or-later
"""Project settings from ``[tool.ispyb-schema]`` in the nearest ``pyproject.toml``."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, SourceLoc

DEFAULTS = {"baseline": "schema", "proposals": "proposals", "site": "site", "fixtures": [],
            "routines": None, "grants": None}


@dataclass(frozen=True)
class Project:
    root: Path
    baseline: str  # a path relative to root, or a server URL
    proposals: Path
    site: Path
    fixtures: tuple[Path, ...] = ()  # the default baseline's fixture data, loaded in order
    flavours: tuple[tuple[str, str], ...] = ()  # facility schemas: (name, SOURCE)
    # the default baseline's stored routines (a dump) and grants (a file or a folder of them);
    # None: routines.sql and grants/ beside the baseline, if there
    routines: Path | None = None
    grants: Path | None = None

    def flavour_sources(self) -> dict[str, str]:
        """Each flavour's SOURCE, a path made absolute against the project."""
        return {name: source if "://" in source else str(self.root / source)
                for name, source in self.flavours}

    def baseline_source(self) -> str:
        if "://" in self.baseline:
            return self.baseline
        return str(self.root / self.baseline)


def find_project(start: Path | None = None) -> Project:
    """The project whose pyproject.toml has a ``[tool.ispyb-schema]`` table, from ``start`` up."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as err:
            raise InputError.single(SourceLoc(str(candidate)), f"invalid TOML: {err}") from None
        settings = data.get("tool", {}).get("ispyb-schema")
        if settings is None:
            continue
        merged = {**DEFAULTS, **settings}
        fixtures = merged["fixtures"]
        fixtures = [fixtures] if isinstance(fixtures, str) else fixtures
        flavours = merged.get("flavours") or {}
        if not isinstance(flavours, dict) or not all(isinstance(v, str) for v in
                                                      flavours.values()):
            raise InputError.single(SourceLoc(str(candidate)), "[tool.ispyb-schema] flavours "
                                    "must be a table of name = \"SOURCE\"")
        return Project(folder, merged["baseline"], folder / merged["proposals"],
                       folder / merged["site"], tuple(folder / f for f in fixtures),
                       tuple(sorted(flavours.items())),
                       *(folder / merged[k] if merged[k] else None
                         for k in ("routines", "grants")))
    raise InputError.single(
        SourceLoc(str(here)),
        "no pyproject.toml with a [tool.ispyb-schema] table here or above; run inside an "
        "ispyb-schema project or pass --baseline SOURCE",
    )


def resolve_baseline(explicit: str | None) -> str:
    """``--baseline`` if given, else the project's configured default."""
    return explicit if explicit else find_project().baseline_source()


def optional_project() -> Project | None:
    """The project around the working directory, or None outside every project."""
    try:
        return find_project()
    except InputError:
        return None


def baseline_routines(explicit: str | None, routines: str | None = None,
                      grants: str | None = None) -> tuple[Path | None, Path | None]:
    """The stored routines and grants that go with the baseline (``--baseline`` or the
    project's): ``--routines``/``--grants`` when given; for the project's own baseline its
    ``routines``/``grants`` settings; else ``routines.sql`` and ``grants/`` beside the
    baseline (upstream's layout). None where there is nothing."""
    from .lint.sources import baseline_sources

    project = optional_project()
    source = explicit or (project.baseline_source() if project else None)
    if source is None:
        return (Path(routines) if routines else None, Path(grants) if grants else None)
    if project and _same_source(source, project.baseline_source()):
        for key, path in (("routines", project.routines), ("grants", project.grants)):
            if path is not None and not path.exists():
                raise InputError.single(SourceLoc(str(project.root / "pyproject.toml")),
                                        f"[tool.ispyb-schema] {key}: {path} does not exist "
                                        "(the baseline's stored routines and grants; remove "
                                        "the setting if it has none)")
        routines = routines or (str(project.routines) if project.routines else None)
        grants = grants or (str(project.grants) if project.grants else None)
    return baseline_sources(source, routines, grants)


def _same_source(one: str, other: str) -> bool:
    if "://" in one or "://" in other:
        return one == other
    return Path(one).resolve() == Path(other).resolve()
