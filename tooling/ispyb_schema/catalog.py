# SPDX-License-Identifier: LGPL-3.0-or-later
"""Snapshots of a database's ``information_schema`` rows, and their comparison.

This is the ground truth the fidelity and verification checks use: two databases hold the
same schema when these rows are equal, independently of how the model reads them.
"""
from __future__ import annotations

from dataclasses import dataclass

# view -> (columns compared, columns that identify a row)
CATALOG_VIEWS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "TABLES": (
        ("TABLE_NAME", "TABLE_TYPE", "ENGINE", "TABLE_COLLATION", "TABLE_COMMENT",
         "CREATE_OPTIONS"),
        ("TABLE_NAME",),
    ),
    "COLUMNS": (
        ("TABLE_NAME", "COLUMN_NAME", "ORDINAL_POSITION", "COLUMN_TYPE", "COLUMN_DEFAULT",
         "IS_NULLABLE", "EXTRA", "COLUMN_COMMENT", "CHARACTER_SET_NAME", "COLLATION_NAME",
         "GENERATION_EXPRESSION"),
        ("TABLE_NAME", "COLUMN_NAME"),
    ),
    "STATISTICS": (
        ("TABLE_NAME", "INDEX_NAME", "SEQ_IN_INDEX", "COLUMN_NAME", "NON_UNIQUE", "SUB_PART",
         "COLLATION", "INDEX_TYPE", "INDEX_COMMENT"),
        ("TABLE_NAME", "INDEX_NAME", "SEQ_IN_INDEX"),
    ),
    "KEY_COLUMN_USAGE": (
        ("TABLE_NAME", "CONSTRAINT_NAME", "COLUMN_NAME", "ORDINAL_POSITION",
         "POSITION_IN_UNIQUE_CONSTRAINT", "REFERENCED_TABLE_NAME", "REFERENCED_COLUMN_NAME"),
        ("TABLE_NAME", "CONSTRAINT_NAME", "ORDINAL_POSITION"),
    ),
    "REFERENTIAL_CONSTRAINTS": (
        ("TABLE_NAME", "CONSTRAINT_NAME", "UNIQUE_CONSTRAINT_NAME", "UPDATE_RULE",
         "DELETE_RULE", "REFERENCED_TABLE_NAME"),
        ("TABLE_NAME", "CONSTRAINT_NAME"),
    ),
    "CHECK_CONSTRAINTS": (
        ("TABLE_NAME", "CONSTRAINT_NAME", "CHECK_CLAUSE", "LEVEL"),
        ("TABLE_NAME", "CONSTRAINT_NAME"),
    ),
    "VIEWS": (
        ("TABLE_NAME", "VIEW_DEFINITION", "CHECK_OPTION", "IS_UPDATABLE", "DEFINER",
         "SECURITY_TYPE", "CHARACTER_SET_CLIENT", "COLLATION_CONNECTION", "ALGORITHM"),
        ("TABLE_NAME",),
    ),
}
_SCHEMA_COLUMN = {
    "REFERENTIAL_CONSTRAINTS": "CONSTRAINT_SCHEMA",
    "CHECK_CONSTRAINTS": "CONSTRAINT_SCHEMA",
}

Snapshot = dict[str, dict[tuple, tuple]]


def snapshot(conn, database: str, tables: set[str] | None = None) -> Snapshot:
    """Rows of each catalog view for ``database``, keyed by their identifying columns.

    ``tables`` limits the snapshot to those table names (None: all).
    """
    out: Snapshot = {}
    with conn.cursor() as cur:
        for view, (columns, key) in CATALOG_VIEWS.items():
            where = _SCHEMA_COLUMN.get(view, "TABLE_SCHEMA")
            cur.execute(f"SELECT {', '.join(columns)} FROM information_schema.{view} "
                        f"WHERE {where} = %s", (database,))
            rows = {}
            for row in cur.fetchall():
                record = dict(zip(columns, row))
                if view == "VIEWS":  # every name in it is qualified with the database's
                    record["VIEW_DEFINITION"] = record["VIEW_DEFINITION"].replace(
                        f"`{database}`.", "")
                if tables is not None and record["TABLE_NAME"] not in tables:
                    continue
                rows[tuple(record[k] for k in key)] = tuple(
                    (c, record[c]) for c in columns)
            out[view] = rows
    return out


@dataclass(frozen=True)
class CatalogDifference:
    view: str
    key: tuple
    expected: tuple | None
    actual: tuple | None

    def __str__(self) -> str:
        where = f"{self.view} {'.'.join(str(k) for k in self.key)}"
        if self.expected is None:
            return f"{where}: unexpected row {dict(self.actual)}"
        if self.actual is None:
            return f"{where}: missing row {dict(self.expected)}"
        changed = {c: (v, dict(self.actual)[c]) for c, v in self.expected
                   if dict(self.actual)[c] != v}
        return f"{where}: " + ", ".join(f"{c} {a!r} != {b!r}" for c, (a, b) in changed.items())


def compare(expected: Snapshot, actual: Snapshot,
            ignore_columns: frozenset[str] = frozenset()) -> list[CatalogDifference]:
    """Every row that differs between two snapshots (``ignore_columns`` are not compared)."""
    diffs = []
    for view in CATALOG_VIEWS:
        left, right = expected.get(view, {}), actual.get(view, {})
        for key in sorted(left.keys() | right.keys(), key=str):
            a, b = left.get(key), right.get(key)
            if a is not None and b is not None:
                a = tuple(p for p in a if p[0] not in ignore_columns)
                b = tuple(p for p in b if p[0] not in ignore_columns)
            if a != b:
                diffs.append(CatalogDifference(view, key, a, b))
    return diffs
