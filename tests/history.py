# SPDX-License-Identifier: LGPL-3.0-or-later
"""Upstream's release history (``../shared/ispyb-database/history/``) for the proofs: the
releases in order, and each release's dump as the server holds it — its information_schema and
the model imported from it live — loaded once per test session (the ``releases`` fixture)."""
from __future__ import annotations

from pathlib import Path

from ispyb_schema.catalog import compare, snapshot
from ispyb_schema.importer.live import import_connection

ROOT = Path(__file__).resolve().parents[1]
UPSTREAM = ROOT.parent / "shared" / "ispyb-database"
HISTORY = UPSTREAM / "history"


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.lstrip("v").split("."))


RELEASES = sorted((p.name for p in HISTORY.glob("v*") if (p / "tables.sql").is_file()),
                  key=_version) if HISTORY.is_dir() else []


def dump(release: str) -> Path:
    return HISTORY / release / "tables.sql"


def loaded(server, prefix: str, *sources, model: bool = False):
    """The catalog (and with ``model`` the live model) of a scratch database loaded with each
    source in turn: a dump's path, or SQL text."""
    name = server.create_scratch_database(prefix)
    try:
        for source in sources:
            if isinstance(source, Path):
                server.load_sql(name, source)
            else:
                server.load_sql(name, text=source)
        with server.connect(name) as conn:
            found = snapshot(conn, name)
            return (found, import_connection(conn, name)) if model else found
    finally:
        server.drop_scratch_database(name)


def assert_same(expected, actual, ignore_columns: frozenset[str] = frozenset()):
    diffs = compare(expected, actual, ignore_columns=ignore_columns)
    assert not diffs, f"{len(diffs)} differences:\n" + "\n".join(map(str, diffs[:30]))


class Releases:
    """Each release's dump loaded by the server once: its catalog and live model."""

    def __init__(self, server) -> None:
        self.server = server
        self._loaded: dict[str, tuple] = {}

    def _load(self, release: str) -> tuple:
        if release not in self._loaded:
            self._loaded[release] = loaded(self.server, "release", dump(release), model=True)
        return self._loaded[release]

    def catalog(self, release: str):
        return self._load(release)[0]

    def live_model(self, release: str):
        return self._load(release)[1]
