# SPDX-License-Identifier: LGPL-3.0-or-later
"""The server's schema against a model: what ``information_schema`` says, read back with the
live importer, compared with :func:`diff_schemas`.

Tables are compared attribute by attribute (AUTO_INCREMENT counters are not schema and are not
read). Views are compared by name, options (algorithm, security, check option) and their
column names in order — information_schema's list against the SELECT's output names as sqlglot
reads them — not by text: the server rewrites a view's SELECT into its own canonical form
(every column qualified and aliased), so equal views rarely have equal text.
"""
from __future__ import annotations

from dataclasses import replace

import sqlglot
from sqlglot import exp

from ..importer.dialect import MariaDB
from ..importer.live import import_connection
from ..model import Change, Schema, View, diff_schemas

VIEW_OPTIONS = ("algorithm", "security", "check_option")


def view_columns(view: View) -> list[str] | None:
    """The output column names of a view's SELECT, or None when sqlglot cannot name them all
    (``*``, an expression without an alias)."""
    tree = sqlglot.parse_one(view.definition, read=MariaDB)
    first = tree
    while isinstance(first, exp.SetOperation):
        first = first.left
    names = [p.alias_or_name for p in first.selects]
    if any(not n or n == "*" or isinstance(p, exp.Star) for n, p in zip(names, first.selects)):
        return None
    return names


def server_view_columns(conn, database: str) -> dict[str, list[str]]:
    with conn.cursor() as cur:
        cur.execute("SELECT c.TABLE_NAME, c.COLUMN_NAME FROM information_schema.COLUMNS c "
                    "JOIN information_schema.VIEWS v ON v.TABLE_SCHEMA = c.TABLE_SCHEMA "
                    "AND v.TABLE_NAME = c.TABLE_NAME WHERE c.TABLE_SCHEMA = %s "
                    "ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION", (database,))
        out: dict[str, list[str]] = {}
        for table, column in cur.fetchall():
            out.setdefault(table, []).append(column)
    return out


def view_differences(expected: Schema, actual: Schema, columns: dict[str, list[str]]
                     ) -> list[str]:
    out = []
    mine, theirs = {v.name: v for v in expected.views}, {v.name: v for v in actual.views}
    out += [f"- view {n} (in the model, not on the server)" for n in sorted(mine.keys() - theirs)]
    out += [f"+ view {n} (on the server, not in the model)" for n in sorted(theirs.keys() - mine)]
    for name in sorted(mine.keys() & theirs.keys()):
        for option in VIEW_OPTIONS:
            a, b = getattr(mine[name], option), getattr(theirs[name], option)
            if a != b:
                out.append(f"~ view {name}.{option}: {a!r} -> {b!r}")
        wanted = view_columns(mine[name])
        if wanted is not None and [c.lower() for c in wanted] != [
                c.lower() for c in columns.get(name, [])]:
            out.append(f"~ view {name} columns: {wanted} -> {columns.get(name, [])}")
    return out


def change_text(change: Change) -> str:
    """One line per difference, types in MariaDB's spelling."""
    return str(change)  # types in MariaDB's spelling, enum lists as values removed/added


def schema_differences(expected: Schema, conn, database: str,
                       ignore: frozenset[str] = frozenset()) -> list[str]:
    """Every difference between ``expected`` and the database, one line each; [] if none.
    Tables named in ``ignore`` are left out on both sides."""
    actual = import_connection(conn, database)
    expected, actual = (replace(s, tables=tuple(t for t in s.tables if t.name not in ignore))
                        for s in (expected, actual))
    tables = diff_schemas(replace(expected, views=()), replace(actual, views=()))
    return ([change_text(c) for c in tables.changes()]
            + view_differences(expected, actual, server_view_columns(conn, database)))
