# SPDX-License-Identifier: LGPL-3.0-or-later
"""Digests of data, computed on the server: a row count and a checksum per table, per column
or per query result, never fetching the rows.

A digest is ``(rows, checksum)`` with checksum ``SUM(CRC32(text of the row))``. A sum, not a
``BIT_XOR``: two equal rows would cancel out of a XOR. Each value's text is
``QUOTE(CONVERT(value USING utf8mb4))`` (binary values in hex), so NULL, ``''`` and ``'NULL'``
differ and a latin1 and a utf8mb4 spelling of the same text are equal. Digests subtract: the
rows a step adds to a table are ``after - before``.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from ..importer.dialect import MariaDB
from ..model import Column, Table
from ..render.quote import ident, qualified

BINARY_TYPES = frozenset(
    "binary varbinary tinyblob blob mediumblob longblob bit geometry point linestring polygon "
    "multipoint multilinestring multipolygon geometrycollection".split()
)


@dataclass(frozen=True)
class Digest:
    rows: int
    checksum: int

    def __sub__(self, other: "Digest") -> "Digest":
        return Digest(self.rows - other.rows, self.checksum - other.checksum)

    def to_dict(self) -> dict:
        return {"rows": self.rows, "checksum": self.checksum}


EMPTY = Digest(0, 0)


def value_text(reference: str, column: Column | None = None) -> str:
    """SQL for the text of one value; ``column`` (its model) picks hex for binary types."""
    if column is not None and column.type.base in BINARY_TYPES:
        return f"QUOTE(HEX({reference}))"
    return f"QUOTE(CONVERT({reference} USING utf8mb4))"


def row_text(parts: list[str]) -> str:
    return f"CONCAT_WS(',', {', '.join(parts)})"


def sums(text: str) -> str:
    return f"COALESCE(SUM(CRC32({text})), 0)"  # values_sql undoes this shape: keep them in step


def digest_sql(source: str, text: str, where: str | None = None) -> str:
    """``(rows, checksum)`` of ``text`` over ``source`` (a table or a derived table)."""
    return f"SELECT COUNT(*), {sums(text)} FROM {source}" + (f" WHERE {where}" if where else "")


_DIGEST_HEAD = "SELECT COUNT(*), COALESCE(SUM(CRC32("
_DIGEST_TAIL = ")), 0) FROM "


def values_sql(digest: str) -> str:
    """The rows' texts behind a ``digest_sql`` query, in order: the values themselves, to
    compare row by row (rows start with their key columns, so the order is the key's)."""
    assert digest.startswith(_DIGEST_HEAD), digest
    text, rest = digest[len(_DIGEST_HEAD):].split(_DIGEST_TAIL, 1)
    return f"SELECT {text} FROM {rest} ORDER BY 1"


def fetch_digest(cur, sql: str) -> Digest:
    cur.execute(sql)
    rows, checksum = cur.fetchone()
    return Digest(int(rows), int(checksum))


def column_texts(table: Table, names: list[str], alias: str | None = None) -> list[str]:
    owner = alias or table.name
    return [value_text(qualified(owner, table.column(n).name), table.column(n)) for n in names]


@dataclass(frozen=True)
class TableDigest:
    """A table's rows: the whole rows, and (when asked) each column next to the primary key,
    so a changed value is found in its column."""

    whole: Digest
    columns: dict[str, int]

    def to_dict(self) -> dict:
        return {**self.whole.to_dict(), "columns": dict(self.columns)}


BATCH = 60  # one-row SELECTs sent together as one UNION ALL


def batched(cur, selects: list[str]) -> list[tuple]:
    """Run one-row SELECTs (given without the word SELECT) a batch at a time: one round trip
    per batch instead of one per query. Rows come back in the order given."""
    rows: list[tuple] = []
    for start in range(0, len(selects), BATCH):
        chunk = selects[start:start + BATCH]
        cur.execute(" UNION ALL ".join(f"SELECT {i} AS {ident('n')}, {text}"
                                       for i, text in enumerate(chunk)))
        rows += [tuple(r[1:]) for r in sorted(cur.fetchall(), key=lambda r: r[0])]
    return rows


def _all_texts(table: Table) -> list[str]:
    """Every column's text, in order (one pass, not a lookup per column)."""
    return [value_text(qualified(table.name, c.name), c) for c in table.columns]


def whole_digests(cur, tables: list[Table]) -> list[TableDigest]:
    """The whole-row digests of many tables, batched."""
    selects = [f"COUNT(*), {sums(row_text(_all_texts(t)))} FROM {ident(t.name)}"
               for t in tables]
    return [TableDigest(Digest(int(n), int(c)), {}) for n, c in batched(cur, selects)]


def table_digest(cur, table: Table, per_column: bool) -> TableDigest:
    """One query: ``COUNT(*)``, the whole-row checksum and, if ``per_column``, one checksum per
    column paired with the primary key (without a primary key, with nothing)."""
    names = table.column_names()
    parts = [row_text(column_texts(table, names))]
    key = list(table.primary_key.columns) if table.primary_key else []
    chosen = names if per_column else []
    parts += [row_text(column_texts(table, key + [n])) for n in chosen]
    cur.execute(f"SELECT COUNT(*), {', '.join(sums(p) for p in parts)} FROM {ident(table.name)}")
    row = [int(v) for v in cur.fetchone()]
    return TableDigest(Digest(row[0], row[1]), dict(zip(chosen, row[2:])))


def query_digest(cur, query: str) -> Digest:
    """The digest of a SELECT's result (any columns): its projections are renamed c0…cN
    with sqlglot and the result is summed over a derived table."""
    tree = sqlglot.parse_one(query, read=MariaDB)
    first = tree
    while isinstance(first, exp.SetOperation):
        first = first.left
    names = []
    for i, projection in enumerate(list(first.selects)):
        names.append(f"c{i}")
        inner = projection.this if isinstance(projection, exp.Alias) else projection
        projection.replace(exp.alias_(inner.copy(), f"c{i}", quoted=True))
    inner_sql = tree.sql(dialect=MariaDB, identify=True)
    text = row_text([value_text(qualified("q", n)) for n in names])
    return fetch_digest(cur, digest_sql(f"({inner_sql}) AS {ident('q')}", text))
