# SPDX-License-Identifier: LGPL-3.0-or-later
"""The production sizes a forecast predicts for.

Three ways to name them: ``--rows T=N`` per table; a facility's server, whose
``information_schema.TABLES`` row counts are read (nothing else is read, nothing written);
or, by default, 1 M, 10 M and 100 M DataCollection rows. A table not named is scaled like
DataCollection, in the proportion the synthetic data has at the largest measured scale.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputError
from ..model import Schema
from .measure import DRIVER

DEFAULT_SIZES = (1_000_000, 10_000_000, 100_000_000)
_ROWS = re.compile(r"^([A-Za-z_][A-Za-z0-9_$]*)=([0-9][0-9_,]*(?:\.[0-9]+)?)([kKmMgG]?)$")
_UNITS = {"": 1, "k": 1e3, "m": 1e6, "g": 1e9}


@dataclass(frozen=True)
class Target:
    """One production size: a name to show and the row counts it gives."""

    name: str
    rows: dict[str, int]  # lower-cased table name -> rows

    def rows_of(self, table: str, proportion: dict[str, float]) -> float:
        key = table.lower()
        if key in self.rows:
            return self.rows[key]
        driver = self.rows.get(DRIVER.lower())
        if driver is None:  # only other tables named: infer DataCollection from the first one
            named = next((t for t in self.rows if proportion.get(t)), None)
            driver = self.rows[named] / proportion[named] if named else 0
        return driver * proportion.get(key, 0.0)


def default_targets() -> list[Target]:
    return [Target(f"{n / 1e6:g} M {DRIVER}", {DRIVER.lower(): n}) for n in DEFAULT_SIZES]


def parse_rows(options: tuple[str, ...], model: Schema) -> Target:
    """``--rows T=N`` options (N may end in k, M or G) against the baseline's tables."""
    rows: dict[str, int] = {}
    for option in options:
        match = _ROWS.match(option.strip())
        if not match:
            raise InputError.single(None, f"--rows {option!r}: expected TABLE=ROWS, e.g. "
                                          "DataCollection=10M")
        table, number, unit = match.groups()
        known = next((t.name for t in model.tables if t.name.lower() == table.lower()), None)
        if known is None:
            raise InputError.single(None, f"--rows {option!r}: the baseline has no table "
                                          f"{table!r}")
        rows[known.lower()] = int(float(number.replace("_", "").replace(
            ",", "")) * _UNITS[unit.lower()])
    described = ", ".join(f"{_name(model, t)}={n:,}" for t, n in rows.items())
    return Target(described, rows)


def read_facility(url: str) -> Target:
    """Row counts from a facility's server: ``information_schema.TABLES`` of the database in
    the URL, read-only. InnoDB's TABLE_ROWS is an estimate (within tens of percent), which is
    as precise as a forecast needs."""
    from ..importer.live import connect_url  # the one URL connect of the project

    conn, database = connect_url(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES "
                        "WHERE TABLE_SCHEMA = %s AND TABLE_TYPE = 'BASE TABLE'", (database,))
            rows = {name.lower(): int(count or 0) for name, count in cur.fetchall()}
    finally:
        conn.close()
    if not rows:
        raise InputError.single(None, f"--db: database {database!r} has no tables")
    return Target(f"{database} ({rows.get(DRIVER.lower(), 0):,} {DRIVER} rows)", rows)


def _name(model: Schema, key: str) -> str:
    return next(t.name for t in model.tables if t.name.lower() == key)
